"""Forms of the work-order screens. They validate input; the services in ``orders.services`` and
``orders.records`` do the work (and refuse what is not allowed, whatever the form let through)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from assets.models import Counter
from inventory.models import Part, StockLocation
from orders.models import DowntimeKind, FailureCode, FailureKind, WorkOrder
from people.models import Employee
from people.signature_forms import add_signature_fields, signature_values
from people.signature_models import SignatureMeaning

REASON_MAX = 1000


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's ``ValidationError`` on the form: on its field where the form has one, else on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


# --- Transitions -------------------------------------------------------------------------------
class ReasonForm(forms.Form):
    """Rework, skip, reject: a reason is required (and kept with the order)."""

    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}), strip=True
    )


class ReleaseForm(forms.Form):
    """Release; where the work plans parts, the stock location of the order's site to reserve them at."""

    location = forms.ModelChoiceField(
        label=_("Reserve the planned parts at"),
        queryset=StockLocation.objects.none(),
        required=False,
        empty_label=_("Where the site has them"),
    )

    def __init__(self, *args: Any, locations: QuerySet[StockLocation] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["location"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = locations if locations is not None else StockLocation.objects.none()


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AcceptForm(forms.Form):
    """Accept; where the activity asks for an e-signature, the password (or authenticator code) again and
    what the signature means."""

    def __init__(self, *args: Any, requires_signature: bool = False, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requires_signature = requires_signature
        if requires_signature:
            add_signature_fields(
                self, user, meaning=SignatureMeaning.ACCEPTED, statement=_("Work verified and accepted")
            )

    def signature(self) -> dict[str, Any]:
        """The service's signature arguments (none where the activity asks for no signature)."""
        return signature_values(self.cleaned_data) if self.requires_signature else {}


class CompleteForm(forms.Form):
    """Complete; for corrective work, what failed (problem), why (cause) and what was done (remedy),
    offered from the codes for the order's equipment. The service checks the combination."""

    failure_problem = forms.ModelChoiceField(
        label=_("What failed (problem)"), queryset=FailureCode.objects.none(), required=False
    )
    failure_cause = forms.ModelChoiceField(label=_("Why (cause)"), queryset=FailureCode.objects.none(), required=False)
    failure_remedy = forms.ModelChoiceField(
        label=_("What was done (remedy)"), queryset=FailureCode.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        choices: Mapping[str, QuerySet[FailureCode]] | None = None,
        required: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = choices or {}
        for name, kind in (
            ("failure_problem", FailureKind.PROBLEM),
            ("failure_cause", FailureKind.CAUSE),
            ("failure_remedy", FailureKind.REMEDY),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = choices.get(kind, FailureCode.objects.none())
        self.fields["failure_problem"].required = required
        self.fields["failure_cause"].required = required


class JoinForm(forms.Form):
    """Close this request into another open order on the same entity."""

    into = forms.ModelChoiceField(label=_("Join into"), queryset=WorkOrder.objects.none(), empty_label=None)

    def __init__(self, *args: Any, targets: QuerySet[WorkOrder] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["into"]
        field.queryset = targets if targets is not None else WorkOrder.objects.none()  # type: ignore[attr-defined]
        field.label_from_instance = lambda order: f"{order.number} · {order.title}"  # type: ignore[attr-defined]


# --- Recording work ----------------------------------------------------------------------------
class ChecklistAnswerForm(forms.Form):
    """One answer; which field counts depends on the item's kind (the service checks)."""

    done = forms.TypedChoiceField(
        choices=[("yes", _("Done")), ("no", _("Not done"))],
        coerce=lambda value: value == "yes",
        required=False,
        empty_value=None,
    )
    passed = forms.TypedChoiceField(
        choices=[("pass", _("Pass")), ("fail", _("Fail"))],
        coerce=lambda value: value == "pass",
        required=False,
        empty_value=None,
    )
    number = forms.CharField(label=_("Value"), max_length=40, required=False)
    text = forms.CharField(label=_("Answer"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.ImageField(label=_("Photo"), required=False)


class DataValueForm(forms.Form):
    value = forms.CharField(label=_("Value"), max_length=40)


class ReadingForm(forms.Form):
    """A counter reading on the order's entity (the service moves usage orders on)."""

    counter = forms.ModelChoiceField(label=_("Counter"), queryset=Counter.objects.none(), empty_label=None)
    value = forms.DecimalField(label=_("Reading"), max_digits=18, decimal_places=4)
    is_reset = forms.BooleanField(label=_("The counter was reset or replaced"), required=False)

    def __init__(self, *args: Any, counters: QuerySet[Counter] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["counter"]
        field.queryset = counters if counters is not None else Counter.objects.none()  # type: ignore[attr-defined]
        field.label_from_instance = lambda counter: f"{counter.name} ({counter.unit})"  # type: ignore[attr-defined]
        self.fields["value"].widget.attrs.update({"inputmode": "decimal", "step": "any"})


class UsedPartForm(forms.Form):
    """A part used: typed by part number (the planned ones are offered), and how many."""

    part_number = forms.CharField(label=_("Part number"), max_length=50)
    quantity = forms.CharField(
        label=_("Quantity"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part_number"].widget.attrs.update({"list": "planned-part-numbers", "autocomplete": "off"})

    def clean_part_number(self) -> Part:
        number = self.cleaned_data["part_number"].strip()
        part = Part.objects.filter(part_number__iexact=number).first()
        if part is None:
            raise ValidationError(_("There is no part %(number)s.") % {"number": number})
        return part


class LabourHoursForm(forms.Form):
    hours = forms.CharField(label=_("Hours"), max_length=10, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Photo or file"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs.update({"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx,.txt,.csv"})


# --- Supervisor --------------------------------------------------------------------------------
class AssignForm(forms.Form):
    """Who works on the order: replaces the current assignment."""

    employees = forms.ModelMultipleChoiceField(
        label=_("Assigned"), queryset=Employee.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, employees: QuerySet[Employee] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["employees"]
        field.queryset = employees if employees is not None else Employee.objects.none()  # type: ignore[attr-defined]


class BulkActionForm(forms.Form):
    """Approve or release several orders at once; each goes through the service on its own."""

    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("release", _("Release"))])
    orders = forms.TypedMultipleChoiceField(
        coerce=int, choices=[], error_messages={"required": _("Tick some orders first.")}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any id is accepted here: the view loads them through ``visible_to`` and the service decides.
        self.fields["orders"].valid_value = lambda value: str(value).isdigit()  # type: ignore[attr-defined]


# --- Planner -----------------------------------------------------------------------------------
class CalendarForm(forms.Form):
    view = forms.ChoiceField(
        label=_("View"), choices=[("month", _("Month")), ("week", _("Week"))], required=False, initial="month"
    )
    date = forms.DateField(label=_("Around"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def period(self, today: datetime.date) -> tuple[str, datetime.date]:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("view") or "month", data.get("date") or today


# --- Downtime ----------------------------------------------------------------------------------
class DowntimeOpenForm(forms.Form):
    """Mark a resource down or on hold by hand: which of the two, and why (required)."""

    kind = forms.ChoiceField(label=_("Status"), choices=DowntimeKind.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Why?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("e.g. Bearing noise, stopped for inspection")}),
        strip=True,
        error_messages={"required": _("Say why the equipment is out of service.")},
    )


class DowntimeCloseForm(forms.Form):
    """Put a resource back in service, with an optional note (what was done)."""

    note = forms.CharField(
        label=_("Note"), max_length=REASON_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2}), strip=True
    )
