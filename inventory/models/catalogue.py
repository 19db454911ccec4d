"""The catalogue: parts (spare parts and consumables) and vendors."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from inventory.models.common import NOT_NEGATIVE
from people.models import CURRENCY_VALIDATOR


class Part(models.Model):
    """A spare part or consumable: bearings, seals, filters, oil, fuses."""

    part_number = models.CharField(_("part number"), max_length=50, unique=True)
    description = models.CharField(_("description"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, default="pcs", help_text=_("e.g. pcs, l, kg, m"))
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    manufacturer_part_number = models.CharField(_("manufacturer part number"), max_length=100, blank=True)
    picture = models.ImageField(_("picture"), upload_to="parts/", blank=True)
    minimum_quantity = models.DecimalField(
        _("minimum quantity"), max_digits=12, decimal_places=3, default=Decimal(0), validators=NOT_NEGATIVE
    )
    reorder_point = models.DecimalField(
        _("reorder point"),
        max_digits=12,
        decimal_places=3,
        default=Decimal(0),
        validators=NOT_NEGATIVE,
        help_text=_("Order more when available stock falls below this."),
    )
    reorder_quantity = models.DecimalField(
        _("reorder quantity"), max_digits=12, decimal_places=3, default=Decimal(0), validators=NOT_NEGATIVE
    )
    unit_cost = models.DecimalField(
        _("unit cost"), max_digits=12, decimal_places=4, default=Decimal(0), validators=NOT_NEGATIVE
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["part_number"]
        constraints = [
            models.CheckConstraint(condition=Q(minimum_quantity__gte=0), name="part_minimum_not_negative"),
            models.CheckConstraint(
                condition=Q(reorder_point__gte=F("minimum_quantity")), name="part_reorder_point_above_minimum"
            ),
            models.CheckConstraint(condition=Q(reorder_quantity__gte=0), name="part_reorder_quantity_not_negative"),
            models.CheckConstraint(
                condition=Q(reorder_point=0) | Q(reorder_quantity__gt=0), name="part_reorder_quantity_with_point"
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="part_unit_cost_not_negative"),
            models.CheckConstraint(condition=~Q(unit=""), name="part_has_unit"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="part_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.part_number} {self.description}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if None not in (self.reorder_point, self.minimum_quantity) and self.reorder_point < self.minimum_quantity:
            errors["reorder_point"] = _("The reorder point cannot be below the minimum quantity.")
        if self.reorder_point and not self.reorder_quantity:
            errors["reorder_quantity"] = _("Give the quantity to order when stock reaches the reorder point.")
        if errors:
            raise ValidationError(errors)


class Vendor(models.Model):
    """A supplier of parts or services."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    tax_number = models.CharField(_("tax number"), max_length=50, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="vendor_currency_iso")]

    def __str__(self) -> str:
        return self.name
