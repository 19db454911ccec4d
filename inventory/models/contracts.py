"""Service and warranty contracts with vendors, covering resources."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assets.models import Resource
from inventory.models.catalogue import Vendor
from inventory.models.common import NOT_NEGATIVE
from people.models import CURRENCY_VALIDATOR


# --- Contracts ---------------------------------------------------------------------------------
class ContractKind(models.TextChoices):
    SERVICE = "service", _("Service contract")
    WARRANTY = "warranty", _("Warranty")


class ContractQuerySet(models.QuerySet["Contract"]):
    def in_sites(self, site_ids: list[int] | None) -> ContractQuerySet:
        """Contracts covering a resource of these sites (or covering none: they concern everyone)."""
        if site_ids is None:
            return self
        return self.filter(Q(resources__area__site_id__in=list(site_ids)) | Q(resources__isnull=True)).distinct()

    def in_force_on(self, day: Any) -> ContractQuerySet:
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class Contract(models.Model):
    """A service or warranty contract with a vendor, covering resources, from a start to an end date."""

    kind = models.CharField(_("kind"), max_length=10, choices=ContractKind.choices)
    number = models.CharField(_("contract number"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    vendor = models.ForeignKey(Vendor, verbose_name=_("vendor"), on_delete=models.PROTECT, related_name="contracts")
    resources = models.ManyToManyField(Resource, verbose_name=_("resources covered"), blank=True, related_name="+")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    notice_days = models.PositiveSmallIntegerField(
        _("notify days before expiry"), default=30, help_text=_("Storekeepers and supervisors are told this early.")
    )
    value = models.DecimalField(
        _("value"), max_digits=14, decimal_places=2, default=Decimal(0), validators=NOT_NEGATIVE
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    terms = models.TextField(_("terms"), blank=True, help_text=_("What is covered: response times, parts, visits."))
    expiry_notified_for = models.DateField(
        _("expiry notice sent for"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The end date the expiry notice was sent for (a new end date is notified again)."),
    )
    history = HistoricalRecords()

    objects = ContractQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["ends_on", "number"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ContractKind.values), name="contract_kind_valid"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="contract_ends_after_start"),
            models.CheckConstraint(condition=Q(value__gte=0), name="contract_value_not_negative"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="contract_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A contract cannot end before it starts.")})
