"""Costs besides parts from stock (external, labour) and site budgets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assets.models import Area
from inventory.models.catalogue import Vendor
from inventory.models.common import NOT_NEGATIVE, SiteScopedQuerySet
from people.models import CURRENCY_VALIDATOR


# --- Costs and budgets -------------------------------------------------------------------------
class CostKind(models.TextChoices):
    EXTERNAL = "external", _("External (contractor, service, rental)")
    LABOUR = "labour", _("Labour (posted when the work closes)")


class CostEntryQuerySet(SiteScopedQuerySet):
    pass


class CostEntry(models.Model):
    """Money spent on work besides parts from stock: external services, and labour posted at closing."""

    kind = models.CharField(_("kind"), max_length=10, choices=CostKind.choices, default=CostKind.EXTERNAL)
    site = models.ForeignKey(Area, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(
        _("reference"), max_length=50, db_index=True, help_text=_("e.g. the work order number")
    )
    vendor = models.ForeignKey(
        Vendor, verbose_name=_("vendor"), null=True, blank=True, on_delete=models.PROTECT, related_name="costs"
    )
    description = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=NOT_NEGATIVE)
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    incurred_on = models.DateField(_("incurred on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = CostEntryQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("cost entry")
        verbose_name_plural = _("cost entries")
        ordering = ["-incurred_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CostKind.values), name="costentry_kind_valid"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="costentry_amount_not_negative"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="costentry_currency_iso"),
            models.UniqueConstraint(
                fields=["reference", "currency"],
                condition=Q(kind="labour"),
                name="costentry_labour_posted_once",
            ),
        ]
        # The cost KPIs (``reports.kpis.costs``) read a site's external costs by the day they were incurred.
        indexes = [
            models.Index(
                fields=["site", "incurred_on"], condition=Q(kind="external"), name="costentry_external_site_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount} {self.currency} {self.description}"


class Budget(models.Model):
    """The maintenance budget of a site for a calendar year, in one currency."""

    site = models.ForeignKey(Area, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=NOT_NEGATIVE)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    objects = SiteScopedQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["-year", "site__name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "year", "currency"], name="budget_one_per_site_year_currency"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_amount_not_negative"),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="budget_year_sensible"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="budget_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.year}: {self.amount} {self.currency}"
