"""Forms of the planner screens. They validate input; the services in ``plans.services`` do the work."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from assets.models import Area, AreaKind, Container, Material, Resource
from core.roles import ROLES, SUPERVISOR
from inventory.models import Part
from people.models import Certification
from people.signature_forms import add_signature_fields, signature_values
from people.signature_models import SignatureMeaning
from plans.models import (
    ACTIVITY_AUTOMATION_FIELDS,
    ACTIVITY_EXECUTION_FIELDS,
    ACTIVITY_FIELDS,
    ACTIVITY_IDENTITY_FIELDS,
    ACTIVITY_TIME_FIELDS,
    ACTIVITY_USAGE_FIELDS,
    NOTIFY_RECIPIENTS,
    TIME_TRIGGERS,
    USAGE_TRIGGERS,
    ActionKind,
    Activity,
    ActivityAction,
    BillOfPartsLine,
    ChangeSet,
    ChangeSetState,
    ChecklistItem,
    ChecklistItemKind,
    DataParameter,
    MaintenancePlan,
    PersonnelRequirement,
    PlanVersion,
    Priority,
    TriggerKind,
    action_settings_error,
)


def open_change_sets() -> QuerySet[ChangeSet]:
    return ChangeSet.objects.filter(state=ChangeSetState.CREATED).order_by("-created_at")


def change_set_field() -> forms.ModelChoiceField[ChangeSet]:
    return forms.ModelChoiceField(
        label=_("Change set"),
        queryset=open_change_sets(),
        required=False,
        empty_label=_("A new change set"),
        help_text=_("Collect several plan changes in one open change set, to be approved together."),
    )


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a model's ``ValidationError`` raised by a service on the form: on its field where it has one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


# --- Plans, change sets, versions --------------------------------------------------------------
class MaintenancePlanCreateForm(forms.ModelForm):
    """A new plan: its identity, and the change set its first version goes into."""

    change_set = change_set_field()

    class Meta:
        model = MaintenancePlan
        fields = ["code", "name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["change_set"].queryset = open_change_sets()  # type: ignore[attr-defined]


class PlanVersionCreateForm(forms.Form):
    """A new draft version of a plan, copied from its effective (or latest) version."""

    change_set = change_set_field()
    notes = forms.CharField(label=_("What will change"), required=False, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["change_set"].queryset = open_change_sets()  # type: ignore[attr-defined]


class ChangeSetApproveForm(forms.Form):
    """Approve, signed: the password (or authenticator code) again and what the signature means."""

    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_signature_fields(self, user, meaning=SignatureMeaning.APPROVED)

    def signature(self) -> dict[str, Any]:
        return signature_values(self.cleaned_data)


class ChangeSetRejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class PlanInstanceDeactivateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


class VersionDiffForm(forms.Form):
    """Two versions of one plan to compare."""

    a = forms.ModelChoiceField(label=_("Compare"), queryset=PlanVersion.objects.none(), empty_label=None)
    b = forms.ModelChoiceField(label=_("with"), queryset=PlanVersion.objects.none(), empty_label=None)

    def __init__(self, *args: Any, versions: list[PlanVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (v.pk, _("v%(number)s · %(state)s") % {"number": v.number, "state": v.get_state_display()})
            for v in versions
        ]
        by_pk = {v.pk: v for v in versions}
        for name in ("a", "b"):
            field = self.fields[name]
            field.queryset = PlanVersion.objects.filter(pk__in=by_pk)  # type: ignore[attr-defined]
            field.choices = choices  # type: ignore[attr-defined]  # no query per render


# --- Activities --------------------------------------------------------------------------------
@dataclass
class Fieldset:
    legend: Promise
    css_class: str
    help: Promise | None
    fields: list[forms.BoundField]


class ActivityForm(forms.ModelForm):
    """Every field of an activity, grouped; fields of another trigger kind are cleared, not refused."""

    FIELDSETS: list[tuple[Promise, str, Promise | None, list[str]]] = [
        (_("Activity"), "", None, [*ACTIVITY_IDENTITY_FIELDS, "trigger"]),
        (
            _("Time trigger"),
            "for-time",
            _("Used by time and time-and-usage triggers."),
            [*ACTIVITY_TIME_FIELDS, "instances_to_schedule"],
        ),
        (
            _("Usage trigger"),
            "for-usage",
            _("Used by usage and time-and-usage triggers; in the counter's unit."),
            list(ACTIVITY_USAGE_FIELDS),
        ),
        (_("Scheduling"), "for-scheduled", _("Not used by ad hoc activities."), ["schedule_next_mode"]),
        (_("Execution"), "", None, list(ACTIVITY_EXECUTION_FIELDS)),
        (
            _("Automation and acceptance"),
            "",
            None,
            list(ACTIVITY_AUTOMATION_FIELDS),
        ),
    ]

    class Meta:
        model = Activity
        fields = list(ACTIVITY_FIELDS)
        widgets = {"instructions": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["executing_role"].queryset = Group.objects.filter(name__in=ROLES).order_by("name")  # type: ignore[attr-defined]

    def fieldsets(self) -> Iterator[Fieldset]:
        for legend, css_class, help_text, names in self.FIELDSETS:
            yield Fieldset(legend, css_class, help_text, [self[name] for name in names])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        trigger = data.get("trigger")
        if trigger in TriggerKind.values:
            # The screen hides the fields of other triggers; what is left in them does not count.
            if trigger not in TIME_TRIGGERS:
                data.update(time_interval=None, time_unit="", time_early_window=0, time_late_tolerance=0)
                data["instances_to_schedule"] = 1
            if trigger not in USAGE_TRIGGERS:
                data.update(
                    counter_name="", counter_unit="", usage_interval=None, usage_early_window=0, usage_late_tolerance=0
                )
            if trigger == TriggerKind.AD_HOC:
                data["schedule_next_mode"] = ""
        return data


# --- Rows an activity carries (added and deleted inline) ----------------------------------------
class RowFormMixin:
    """``layout()``: the visible fields with a CSS class; ``for-<value>`` fields show only for that kind."""

    FIELD_CLASSES: dict[str, str] = {}

    def layout(self) -> Iterator[tuple[forms.BoundField, str]]:
        for bound_field in self.visible_fields():  # type: ignore[attr-defined]
            yield bound_field, self.FIELD_CLASSES.get(bound_field.name, "")


class ChecklistItemForm(RowFormMixin, forms.ModelForm):
    FIELD_CLASSES = {"unit": "for-number", "lower_limit": "for-number", "upper_limit": "for-number"}

    class Meta:
        model = ChecklistItem
        fields = ["text", "kind", "required", "position", "unit", "lower_limit", "upper_limit"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("kind") and data["kind"] != ChecklistItemKind.NUMBER:
            data.update(unit="", lower_limit=None, upper_limit=None)  # hidden unless the kind is a number
        return data


class BillOfPartsLineForm(RowFormMixin, forms.ModelForm):
    class Meta:
        model = BillOfPartsLine
        fields = ["part", "quantity"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = Part.objects.filter(active=True).order_by("part_number")  # type: ignore[attr-defined]


class DataParameterForm(RowFormMixin, forms.ModelForm):
    class Meta:
        model = DataParameter
        fields = [
            "name",
            "unit",
            "required",
            "position",
            "lower_action_limit",
            "lower_warning_limit",
            "upper_warning_limit",
            "upper_action_limit",
        ]


class PersonnelRequirementForm(RowFormMixin, forms.ModelForm):
    class Meta:
        model = PersonnelRequirement
        fields = ["count", "certification", "trade", "estimated_hours"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["certification"].queryset = Certification.objects.order_by("name")  # type: ignore[attr-defined]


RECIPIENT_LABELS = {
    "owner_role": _("Owner role"),
    "executing_role": _("Executing role"),
    "assignees": _("Assignees"),
}


class ActivityActionForm(RowFormMixin, forms.ModelForm):
    """An action with its settings as a few fields per kind, stored as the JSON ``settings``."""

    recipients = forms.MultipleChoiceField(
        label=_("Notify"),
        required=False,
        choices=[(name, RECIPIENT_LABELS[name]) for name in NOTIFY_RECIPIENTS],
        widget=forms.CheckboxSelectMultiple,
    )
    emails = forms.CharField(
        label=_("E-mail addresses"), required=False, max_length=1000, help_text=_("Separated by commas.")
    )
    url = forms.URLField(label=_("Webhook URL"), required=False, assume_scheme="https")
    secret = forms.CharField(label=_("Signing secret"), required=False, max_length=200)
    priority = forms.TypedChoiceField(
        label=_("Raise to priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *Priority.choices],
    )

    # Which of the extra fields each kind uses (the screen shows only those).
    KIND_FIELDS = {
        ActionKind.NOTIFY: ("recipients", "emails"),
        ActionKind.WEBHOOK: ("url", "secret"),
        ActionKind.RAISE_PRIORITY: ("priority",),
    }

    FIELD_CLASSES = {name: f"for-{kind}" for kind, names in KIND_FIELDS.items() for name in names}

    class Meta:
        model = ActivityAction
        # ``settings`` is built by clean() from the fields above; hidden, so the model's check of it has a home.
        fields = ["on_transition", "kind", "settings"]
        widgets = {"settings": forms.HiddenInput}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        settings: dict[str, Any] = {}
        if kind == ActionKind.NOTIFY:
            emails = [e.strip() for e in data.get("emails", "").split(",") if e.strip()]
            settings = {"recipients": data.get("recipients") or [], "emails": emails}
        elif kind == ActionKind.WEBHOOK:
            settings = {"url": data.get("url", "")}
            if data.get("secret"):
                settings["secret"] = data["secret"]
        elif kind == ActionKind.RAISE_PRIORITY:
            settings = {"priority": data.get("priority")}
        if kind:
            error = action_settings_error(kind, settings)
            if error:
                self.add_error(self.KIND_FIELDS.get(kind, (None,))[0], error)
        data["settings"] = settings
        return data


# --- Applying a plan ---------------------------------------------------------------------------
ENTITY_KINDS: dict[str, tuple[type[Model], Promise]] = {
    "resource": (Resource, _("Resources")),
    "container": (Container, _("Containers")),
    "material": (Material, _("Materials")),
    "area": (Area, _("Areas")),
}


def area_choices(site_ids: list[int] | None) -> list[tuple[str, str]]:
    """Areas down to buildings, indented under their site (floors and spaces make the list too long)."""
    areas = (
        Area.objects.in_sites(site_ids)
        .filter(kind__in=[AreaKind.SITE, AreaKind.BUILDING, AreaKind.FLOOR])
        .order_by("path")
        .only("pk", "code", "name", "path")
    )
    return [(str(area.pk), "\u2003" * (area.path.count("/") - 2) + f"{area.code} {area.name}") for area in areas]


class EntityFilterForm(forms.Form):
    """Which entities the apply screen lists: a kind, an area subtree, a search."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(key, label) for key, (_model, label) in ENTITY_KINDS.items()],
        initial="resource",
        required=False,
    )
    area = forms.ChoiceField(label=_("In area"), required=False)
    q = forms.CharField(label=_("Tag or name"), required=False, max_length=100)

    def __init__(self, *args: Any, site_ids: list[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All my sites")), *area_choices(site_ids)]  # type: ignore[attr-defined]


class EntityListField(forms.Field):
    """The ``kind:id`` values of the ticked entity checkboxes."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        return [str(v) for v in value] if value else []


class PlanApplyForm(forms.Form):
    """Entities ticked on the apply screen, the owner role and the start date."""

    entities = EntityListField(label=_("Entities"), required=False)
    owner_role = forms.ModelChoiceField(label=_("Owner role"), queryset=Group.objects.none(), empty_label=None)
    start_date = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, site_ids: list[int] | None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.site_ids = site_ids
        roles = Group.objects.filter(name__in=ROLES).order_by("name")
        self.fields["owner_role"].queryset = roles  # type: ignore[attr-defined]
        if "owner_role" not in self.initial:
            self.initial["owner_role"] = roles.filter(name=SUPERVISOR).values_list("pk", flat=True).first()

    def clean_entities(self) -> list[Model]:
        """The chosen entities, each looked up among those of the user's sites."""
        wanted: dict[str, list[int]] = {}
        for token in self.cleaned_data["entities"]:
            kind, _sep, pk = token.partition(":")
            if kind not in ENTITY_KINDS or not pk.isdigit():
                raise ValidationError(_("Unknown entity %(token)s.") % {"token": token})
            wanted.setdefault(kind, []).append(int(pk))
        entities: list[Model] = []
        for kind, ids in wanted.items():
            model = ENTITY_KINDS[kind][0]
            found = list(model.objects.in_sites(self.site_ids).filter(pk__in=ids))  # type: ignore[attr-defined]
            if len(found) != len(set(ids)):
                raise ValidationError(_("Some chosen entities are not in your sites."))
            entities.extend(found)
        if not entities:
            raise ValidationError(_("Tick at least one entity to apply the plan to."))
        return entities
