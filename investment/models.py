"""What asset investment planning keeps: the life and replacement cost of each resource type, a resource's
own figures where they differ (and the year a planner set for its replacement), and the organisation's
forecast settings.

Everything else (health, risk, the end-of-life year, the forecast) is computed from these and from the
work-order history whenever it is shown (``investment.health``, ``investment.forecast``): nothing derived
is stored, so a closed breakdown or a new inspection result counts at once.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assets.models import Resource, ResourceType
from people.models import CURRENCY_VALIDATOR

LIFE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(100)]
MONEY_VALIDATORS = [MinValueValidator(Decimal(0))]
YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]
HORIZON_MIN, HORIZON_MAX, HORIZON_DEFAULT = 10, 20, 15
DEFAULT_INFLATION = Decimal("3.00")


class Consequence(models.IntegerChoices):
    """How bad a failure of the resource would be (rows of the 5x5 risk matrix)."""

    NEGLIGIBLE = 1, _("1 · Negligible")
    MINOR = 2, _("2 · Minor")
    MODERATE = 3, _("3 · Moderate")
    MAJOR = 4, _("4 · Major")
    SEVERE = 5, _("5 · Severe")


class Likelihood(models.IntegerChoices):
    """How likely a failure is (columns of the 5x5 risk matrix), before the health adjustment."""

    RARE = 1, _("1 · Rare")
    UNLIKELY = 2, _("2 · Unlikely")
    POSSIBLE = 3, _("3 · Possible")
    LIKELY = 4, _("4 · Likely")
    ALMOST_CERTAIN = 5, _("5 · Almost certain")


class TypeLifecycle(models.Model):
    """How long resources of one type last, what replacing one costs today, and how critical a failure
    of one usually is: the defaults every resource of the type takes unless it has its own figures."""

    resource_type = models.OneToOneField(
        ResourceType, verbose_name=_("resource type"), on_delete=models.CASCADE, related_name="lifecycle"
    )
    expected_life_years = models.PositiveSmallIntegerField(
        _("expected life (years)"), validators=LIFE_VALIDATORS, help_text=_("From installation to replacement.")
    )
    replacement_cost = models.DecimalField(
        _("replacement cost"),
        max_digits=14,
        decimal_places=2,
        validators=MONEY_VALIDATORS,
        help_text=_("At today's prices; the forecast adds the inflation setting for later years."),
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    consequence = models.PositiveSmallIntegerField(
        _("consequence of failure"), choices=Consequence.choices, default=Consequence.MODERATE
    )
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood of failure"), choices=Likelihood.choices, default=Likelihood.POSSIBLE
    )
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("type lifecycle")
        verbose_name_plural = _("type lifecycles")
        ordering = ["resource_type__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_life_years__gte=1) & Q(expected_life_years__lte=100),
                name="typelifecycle_life_sensible",
            ),
            models.CheckConstraint(condition=Q(replacement_cost__gte=0), name="typelifecycle_cost_not_negative"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="typelifecycle_currency_iso"),
            models.CheckConstraint(condition=Q(consequence__in=Consequence.values), name="typelifecycle_consequence"),
            models.CheckConstraint(condition=Q(likelihood__in=Likelihood.values), name="typelifecycle_likelihood"),
        ]

    def __str__(self) -> str:
        return str(
            _("%(type)s: %(years)s years, %(cost)s %(currency)s")
            % {
                "type": self.resource_type,
                "years": self.expected_life_years,
                "cost": self.replacement_cost,
                "currency": self.currency,
            }
        )


class ResourceLifecycle(models.Model):
    """One resource's own figures where they differ from its type's (blank: the type's), and the year a
    planner has set for its replacement (blank: the year the forecast computes)."""

    resource = models.OneToOneField(
        Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="lifecycle"
    )
    expected_life_years = models.PositiveSmallIntegerField(
        _("expected life (years)"), null=True, blank=True, validators=LIFE_VALIDATORS, help_text=_("Blank: the type's.")
    )
    replacement_cost = models.DecimalField(
        _("replacement cost"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=MONEY_VALIDATORS,
        help_text=_("At today's prices. Blank: the type's."),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        validators=[CURRENCY_VALIDATOR],
        help_text=_("Of this resource's own replacement cost. Blank: the type's."),
    )
    consequence = models.PositiveSmallIntegerField(
        _("consequence of failure"), choices=Consequence.choices, null=True, blank=True
    )
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood of failure"), choices=Likelihood.choices, null=True, blank=True
    )
    planned_replacement_year = models.PositiveSmallIntegerField(
        _("planned replacement year"),
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
        help_text=_("Set by a planner; blank: the year the forecast computes."),
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    planned_at = models.DateTimeField(_("planned at"), null=True, blank=True, editable=False)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("resource lifecycle")
        verbose_name_plural = _("resource lifecycles")
        ordering = ["resource__tag"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_life_years__isnull=True)
                | (Q(expected_life_years__gte=1) & Q(expected_life_years__lte=100)),
                name="resourcelifecycle_life_sensible",
            ),
            models.CheckConstraint(
                condition=Q(replacement_cost__isnull=True) | Q(replacement_cost__gte=0),
                name="resourcelifecycle_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(currency="") | Q(currency__regex=r"^[A-Z]{3}$"), name="resourcelifecycle_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(consequence__isnull=True) | Q(consequence__in=Consequence.values),
                name="resourcelifecycle_consequence",
            ),
            models.CheckConstraint(
                condition=Q(likelihood__isnull=True) | Q(likelihood__in=Likelihood.values),
                name="resourcelifecycle_likelihood",
            ),
            models.CheckConstraint(
                condition=Q(planned_replacement_year__isnull=True)
                | (Q(planned_replacement_year__gte=2000) & Q(planned_replacement_year__lte=2100)),
                name="resourcelifecycle_year_sensible",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Lifecycle of %(resource)s") % {"resource": self.resource})

    def clean(self) -> None:
        super().clean()
        if self.replacement_cost is not None and not self.currency and not self._type_has_cost():
            raise ValidationError(
                {"currency": _("Give the currency of the replacement cost: the resource's type has none.")}
            )

    def _type_has_cost(self) -> bool:
        type_id = Resource.objects.filter(pk=self.resource_id).values_list("resource_type_id", flat=True).first()
        return type_id is not None and TypeLifecycle.objects.filter(resource_type_id=type_id).exists()


class AssessedResource(Resource):
    """A resource as investment planning sees it: its health, risk and replacement (computed, see
    ``investment.health``). No table of its own; its view permission (``view_assessedresource``) says who
    sees health, risk and the replacement forecast, on the screens and in the API."""

    class Meta:
        proxy = True
        verbose_name = _("assessed resource")
        verbose_name_plural = _("assessed resources")


SETTINGS_ID = 1


class InvestmentSettings(models.Model):
    """The organisation's forecast settings (one row, id 1): how fast prices rise, how many years the
    forecast looks ahead and from which year. Without a row the defaults apply (``InvestmentSettings.load``)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=SETTINGS_ID, editable=False)
    inflation_rate = models.DecimalField(
        _("inflation (% per year)"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_INFLATION,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Replacement costs are at today's prices and rise by this much every year after the base year."),
    )
    horizon_years = models.PositiveSmallIntegerField(
        _("forecast horizon (years)"),
        default=HORIZON_DEFAULT,
        validators=[MinValueValidator(HORIZON_MIN), MaxValueValidator(HORIZON_MAX)],
    )
    base_year = models.PositiveSmallIntegerField(
        _("base year"),
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
        help_text=_("The forecast's first year. Blank: the current year."),
    )
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("investment settings")
        verbose_name_plural = _("investment settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=SETTINGS_ID), name="investmentsettings_single_row"),
            models.CheckConstraint(
                condition=Q(inflation_rate__gte=0) & Q(inflation_rate__lte=100), name="investmentsettings_inflation"
            ),
            models.CheckConstraint(
                condition=Q(horizon_years__gte=HORIZON_MIN) & Q(horizon_years__lte=HORIZON_MAX),
                name="investmentsettings_horizon",
            ),
            models.CheckConstraint(
                condition=Q(base_year__isnull=True) | (Q(base_year__gte=2000) & Q(base_year__lte=2100)),
                name="investmentsettings_base_year",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Investment planning settings"))

    @classmethod
    def load(cls) -> InvestmentSettings:
        """The organisation's settings: the saved row, or the defaults (unsaved) before anyone saved them."""
        return cls.objects.filter(pk=SETTINGS_ID).first() or cls(pk=SETTINGS_ID)

    def first_year(self, today: datetime.date) -> int:
        """The forecast's first year: the base year, or the current one when none is set."""
        return self.base_year or today.year

    def forecast_years(self, today: datetime.date) -> range:
        """The years the forecast covers: ``horizon_years`` of them from the first."""
        first = self.first_year(today)
        return range(first, first + self.horizon_years)
