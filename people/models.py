"""Labour: employees, their site memberships and certifications."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assets.models import Area, AreaKind

CURRENCY_VALIDATOR = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code, e.g. USD, EUR, KES."))


class EmployeeQuerySet(models.QuerySet["Employee"]):
    def active(self) -> EmployeeQuerySet:
        return self.filter(active=True)

    def in_sites(self, site_ids: list[int] | None) -> EmployeeQuerySet:
        return self if site_ids is None else self.filter(sites__in=site_ids).distinct()


class Employee(models.Model):
    """A person who does or directs maintenance work; optionally a user who logs in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employee",
    )
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    trade = models.CharField(
        _("trade"), max_length=100, blank=True, help_text=_("e.g. mechanic, electrician, biomedical technician")
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    hourly_rate = models.DecimalField(
        _("hourly rate"),
        max_digits=10,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    sites = models.ManyToManyField(
        Area, verbose_name=_("sites"), blank=True, related_name="members", limit_choices_to={"kind": AreaKind.SITE}
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(m2m_fields=[sites])

    objects = EmployeeQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="employee_rate_not_negative"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="employee_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def valid_certifications(self, on: datetime.date | None = None) -> models.QuerySet[EmployeeCertification]:
        return self.certifications.valid_on(on or timezone.localdate())


class Certification(models.Model):
    """A qualification work may require: confined space entry, HV switching, autoclave operator."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    issuing_body = models.CharField(_("issuing body"), max_length=200, blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"), null=True, blank=True, help_text=_("Usual validity; empty if it does not expire.")
    )
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_months__isnull=True) | Q(validity_months__gt=0),
                name="certification_validity_positive",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.validity_months is not None and self.validity_months <= 0:
            raise ValidationError({"validity_months": _("Give a validity of at least one month, or leave it empty.")})


class EmployeeCertificationQuerySet(models.QuerySet["EmployeeCertification"]):
    def valid_on(self, day: datetime.date) -> EmployeeCertificationQuerySet:
        return self.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))

    def expiring_within(self, days: int, today: datetime.date | None = None) -> EmployeeCertificationQuerySet:
        today = today or timezone.localdate()
        return self.filter(valid_to__gte=today, valid_to__lte=today + datetime.timedelta(days=days))


class EmployeeCertification(models.Model):
    """An employee holds a certification from ``valid_from`` to ``valid_to`` (inclusive; empty: no expiry)."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="certifications"
    )
    certification = models.ForeignKey(
        Certification, verbose_name=_("certification"), on_delete=models.PROTECT, related_name="holders"
    )
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    history = HistoricalRecords()

    objects = EmployeeCertificationQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("employee certification")
        verbose_name_plural = _("employee certifications")
        ordering = ["employee", "certification", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "certification", "valid_from"], name="employee_certification_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="employee_certification_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee.name}: {self.certification.name}"

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of validity cannot be before its start.")})

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def status(self) -> str:
        today = timezone.localdate()
        if self.valid_from > today:
            return "future"
        if self.valid_to is None or self.valid_to >= today:
            return "valid"
        return "expired"


class RoleStamp(models.Model):
    """One row whose value the database changes whenever anyone's roles, permissions or sites change.

    Triggers (``people/migrations/0004_role_stamp.py``) write a new random value after every insert,
    update or delete (and, on PostgreSQL, truncate) of the tables those come from. Token-authenticated API
    requests read the stamp in the same query as their user, and reuse what a process already loaded
    about that user's roles while the stamp is unchanged (``people.scoping.prime_roles``). A change is
    seen by the next request once it is committed; a rolled-back one leaves the old stamp.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("role stamp")
        verbose_name_plural = _("role stamps")

    def __str__(self) -> str:
        return self.value


# Electronic signatures are people's records too (the signer's name is an employee's): defined in their own
# module, imported here so the people app registers them.
# Personal data (consents, location traces, people in photos, the privacy log) live in their own module;
# imported last because they point at Employee.
from people.privacy_models import (  # noqa: E402, F401
    ConsentPurpose,
    ConsentRecord,
    LocationTrace,
    PersonInPhoto,
    PrivacyAction,
    PrivacyLog,
)
from people.signature_models import Signature, SigningAttempts  # noqa: E402, F401
