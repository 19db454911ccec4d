"""Forms of the store screens. They only shape input: the services in ``inventory.services`` decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from inventory.models import (
    Part,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    StockBalance,
    StockLocation,
    Vendor,
)


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
