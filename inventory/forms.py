"""Forms of the store screens. They only shape input: the services in ``inventory.services`` decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from assets.models import Area
from inventory.models import (
    MovementKind,
    Part,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    StockBalance,
    StockLocation,
    StockMovement,
    Vendor,
)
from people.signature_forms import add_signature_fields
from people.signature_models import SignatureMeaning


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form: on its field where it names one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def locations_of(site_ids: list[int] | None) -> Any:
    return StockLocation.objects.in_sites(site_ids).active().select_related("site").order_by("code")


QUANTITY_INPUT = forms.NumberInput(attrs={"step": "any", "min": "0", "inputmode": "decimal"})


class StockIssueForm(forms.Form):
    """Parts taken from a location for a work order (its reservation there is used first)."""

    reference = forms.CharField(
        label=_("Work order"), max_length=50, help_text=_("The work order number, e.g. WO-000123.")
    )
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.none())
    location = forms.ModelChoiceField(label=_("From location"), queryset=StockLocation.objects.none())
    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal("0.001"), widget=QUANTITY_INPUT)

    def __init__(self, *args: Any, site_ids: list[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        in_stock = StockBalance.objects.in_sites(site_ids).filter(on_hand__gt=0).values("part_id")
        self.fields["part"].queryset = Part.objects.filter(active=True, pk__in=in_stock).order_by("part_number")  # type: ignore[attr-defined]
        self.fields["location"].queryset = locations_of(site_ids)  # type: ignore[attr-defined]


class PurchaseOrderCreateForm(forms.Form):
    """A draft purchase order; the chosen open purchase requests become its lines."""

    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=Vendor.objects.filter(active=True).order_by("name"))
    deliver_to = forms.ModelChoiceField(label=_("Deliver to"), queryset=StockLocation.objects.none())
    requests = forms.ModelMultipleChoiceField(
        label=_("Purchase requests"),
        queryset=PurchaseRequest.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, site_ids: list[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deliver_to"].queryset = locations_of(site_ids).stores()  # type: ignore[attr-defined]
        self.fields["requests"].queryset = (  # type: ignore[attr-defined]
            PurchaseRequest.objects.in_sites(site_ids).open().select_related("part").order_by("number")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        deliver_to, requests = data.get("deliver_to"), data.get("requests") or []
        if deliver_to is not None and any(request.site_id != deliver_to.site_id for request in requests):
            self.add_error("requests", _("Choose requests of the site the order is delivered to."))
        return data


class PurchaseOrderLineForm(forms.Form):
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.filter(active=True).order_by("part_number"))
    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal("0.001"), widget=QUANTITY_INPUT)
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        min_value=Decimal(0),
        required=False,
        widget=QUANTITY_INPUT,
        help_text=_("Empty: the part's current cost."),
    )

    def __init__(self, *args: Any, order: PurchaseOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = Part.objects.filter(active=True, currency=order.currency).order_by(  # type: ignore[attr-defined]
            "part_number"
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ReceiveForm(forms.Form):
    """What arrived, per outstanding line of a purchase order, and where it goes."""

    location = forms.ModelChoiceField(label=_("Receive into"), queryset=StockLocation.objects.none())

    def __init__(self, *args: Any, order: PurchaseOrder, lines: list[PurchaseOrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations_of([order.site_id])  # type: ignore[attr-defined]
        self.fields["location"].initial = order.deliver_to_id
        self.lines = [line for line in lines if line.outstanding > 0]
        for line in self.lines:
            self.fields[f"line_{line.pk}"] = forms.DecimalField(
                label=f"{line.part.part_number} {line.part.description}",
                required=False,
                min_value=Decimal(0),
                max_value=line.outstanding,
                widget=QUANTITY_INPUT,
                help_text=_("%(outstanding)s %(unit)s still to come")
                % {
                    "outstanding": line.outstanding.normalize(),
                    "unit": line.part.unit,
                },
            )

    def line_fields(self) -> list[tuple[PurchaseOrderLine, forms.BoundField]]:
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def quantities(self) -> dict[int, Any]:
        return {line.pk: self.cleaned_data.get(f"line_{line.pk}") for line in self.lines}


def parts_in_stock(site_ids: list[int] | None) -> Any:
    """Active parts with something on hand at a location of these sites."""
    in_stock = StockBalance.objects.in_sites(site_ids).filter(on_hand__gt=0).values("part_id")
    return Part.objects.filter(active=True, pk__in=in_stock).order_by("part_number")


SIGNED_QUANTITY_INPUT = forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})


class StockAdjustForm(forms.Form):
    """Correct the count at a location: by a signed change, or by what a cycle count found there."""

    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.none())
    location = forms.ModelChoiceField(label=_("Location"), queryset=StockLocation.objects.none())
    counted = forms.DecimalField(
        label=_("Counted"),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=3,
        widget=QUANTITY_INPUT,
        help_text=_("Cycle count: how many are there now. The difference to the books is recorded."),
    )
    change = forms.DecimalField(
        label=_("Or change by"),
        required=False,
        max_digits=12,
        decimal_places=3,
        widget=SIGNED_QUANTITY_INPUT,
        help_text=_("+2 found, -1 broken."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=300, help_text=_("Why the count changes, e.g. cycle count, damaged.")
    )

    def __init__(self, *args: Any, site_ids: list[int] | None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The catalogue is shared by every site: a count may find a part this location never held.
        self.fields["part"].queryset = Part.objects.filter(active=True).order_by("part_number")  # type: ignore[attr-defined]
        self.fields["location"].queryset = locations_of(site_ids)  # type: ignore[attr-defined]
        # Asked by the service only for an adjustment worth more than the threshold (it knows the value).
        add_signature_fields(self, user, meaning=SignatureMeaning.PERFORMED, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        counted, change = data.get("counted"), data.get("change")
        if "counted" in self.errors or "change" in self.errors:
            return data
        if counted is None and change is None:
            self.add_error("counted", _("Enter what you counted, or the change."))
        elif counted is not None and change is not None:
            self.add_error("change", _("Enter either what you counted or the change, not both."))
        elif change == 0:
            self.add_error("change", _("Enter how many more (+) or fewer (-) there are."))
        return data


class StockTransferForm(forms.Form):
    """Move available parts from one location of the user's sites to another."""

    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.none())
    source = forms.ModelChoiceField(label=_("From location"), queryset=StockLocation.objects.none())
    target = forms.ModelChoiceField(label=_("To location"), queryset=StockLocation.objects.none())
    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal("0.001"), widget=QUANTITY_INPUT)
    reason = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, site_ids: list[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = parts_in_stock(site_ids)  # type: ignore[attr-defined]
        self.fields["source"].queryset = locations_of(site_ids)  # type: ignore[attr-defined]
        self.fields["target"].queryset = locations_of(site_ids)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        source, target = data.get("source"), data.get("target")
        if source is not None and source == target:
            self.add_error("target", _("Choose another location to move the parts to."))
        return data


class StockReturnForm(forms.Form):
    """Unused parts brought back from a work order to a location."""

    reference = forms.CharField(
        label=_("Work order"), max_length=50, help_text=_("The work order the parts were issued to, e.g. WO-000123.")
    )
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.none())
    location = forms.ModelChoiceField(label=_("Into location"), queryset=StockLocation.objects.none())
    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal("0.001"), widget=QUANTITY_INPUT)

    def __init__(self, *args: Any, site_ids: list[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        issued = StockMovement.objects.in_sites(site_ids).filter(kind=MovementKind.ISSUE).values("part_id")
        self.fields["part"].queryset = Part.objects.filter(pk__in=issued).order_by("part_number")  # type: ignore[attr-defined]
        self.fields["location"].queryset = locations_of(site_ids)  # type: ignore[attr-defined]


class PurchaseRequestForm(forms.Form):
    """Ask by hand for a part to be bought for one of the user's sites."""

    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.none())
    site = forms.ModelChoiceField(label=_("For site"), queryset=Area.objects.none())
    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal("0.001"), widget=QUANTITY_INPUT)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, site_ids: list[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = Area.objects.sites().order_by("name")
        self.fields["part"].queryset = Part.objects.filter(active=True).order_by("part_number")  # type: ignore[attr-defined]
        self.fields["site"].queryset = sites if site_ids is None else sites.filter(pk__in=site_ids)  # type: ignore[attr-defined]
        if site_ids is not None and len(site_ids) == 1:
            self.fields["site"].initial = site_ids[0]
