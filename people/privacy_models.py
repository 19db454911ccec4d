"""Personal data of employees: their consents, the location traces kept with consent, the photos marked
as showing them, and the log of what was done with their data (exports, anonymisation).

Consents and the log are evidence: rows are only ever added (``save`` refuses to change one, ``delete``
refuses to remove one, the admin shows them read-only). The current state of a consent is its latest
record. Services are in ``people.privacy``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people.models import Employee


class AppendOnly(models.Model):
    """A record kept as evidence: written once, never changed nor deleted one by one."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are append-only: add a new record instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError(f"{type(self).__name__} rows are append-only and cannot be deleted.")


class ConsentPurpose(models.TextChoices):
    """What a person may consent to. A new purpose is a new choice here (and a migration of the check)."""

    LOCATION = "location", _("Location tracking")
    PHOTOS = "photos", _("Photos of the person")


class ConsentRecordQuerySet(models.QuerySet["ConsentRecord"]):
    def current(self) -> ConsentRecordQuerySet:
        """The latest record of each (employee, purpose): the state in force."""
        latest = (
            ConsentRecord.objects.filter(employee=OuterRef("employee"), purpose=OuterRef("purpose"))
            .order_by("-at", "-id")
            .values("id")[:1]
        )
        return self.filter(id=Subquery(latest))

    def given(self) -> ConsentRecordQuerySet:
        return self.filter(given=True)


class ConsentRecord(AppendOnly):
    """One statement of an employee about one purpose: consent given, or withdrawn, at a time, against a
    version of the privacy notice they were shown; who recorded it and when."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    given = models.BooleanField(_("consent given"), help_text=_("Unticked: consent withdrawn (or refused)."))
    at = models.DateTimeField(_("given or withdrawn at"), default=timezone.now)
    notice_version = models.CharField(_("notice version"), max_length=50)
    notice_text = models.TextField(_("notice text"), blank=True, help_text=_("The notice as the person saw it."))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["employee", "purpose", "-at", "-id"]
        indexes = [models.Index(fields=["employee", "purpose", "at"], name="consent_latest")]
        constraints = [
            models.CheckConstraint(condition=Q(purpose__in=ConsentPurpose.values), name="consent_purpose_valid"),
            models.CheckConstraint(condition=~Q(notice_version=""), name="consent_notice_version_given"),
        ]

    def __str__(self) -> str:
        state = _("given") if self.given else _("withdrawn")
        return f"{self.get_purpose_display()}: {state} {self.at:%Y-%m-%d %H:%M}"


class LocationTrace(models.Model):
    """Where an employee was when they did something (e.g. started their clock on a work order), kept
    only with their location consent (``people.privacy.location_record``) and for
    ``RETENTION_LOCATION_DAYS`` (``people.privacy.apply_retention``)."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="location_traces"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=30, help_text=_("What recorded it, e.g. clock start."))
    reference = models.CharField(_("reference"), max_length=50, blank=True, help_text=_("e.g. a work order number"))

    class Meta:
        verbose_name = _("location trace")
        verbose_name_plural = _("location traces")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["at"], name="location_trace_at")]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90), name="location_latitude_range"),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180), name="location_longitude_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.latitude}, {self.longitude} @ {self.at:%Y-%m-%d %H:%M}"


class PersonInPhotoQuerySet(models.QuerySet["PersonInPhoto"]):
    def without_consent(self) -> PersonInPhotoQuerySet:
        """Marks whose person's photo consent is no longer in force (withdrawn after the photo was marked):
        the photos to review and remove."""
        current = ConsentRecord.objects.current().filter(
            employee=OuterRef("employee"), purpose=ConsentPurpose.PHOTOS, given=True
        )
        return self.exclude(models.Exists(current))


class PersonInPhoto(models.Model):
    """An attachment (photo) marked as showing an employee. A mark needs the person's photo consent when it
    is made (``people.privacy.photo_mark_person``); if they withdraw it later, the mark is flagged
    (``PersonInPhoto.objects.without_consent()``) and anonymising them deletes the photo."""

    attachment = models.ForeignKey(
        "assets.Attachment", verbose_name=_("photo"), on_delete=models.CASCADE, related_name="people_shown"
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("person shown"), on_delete=models.CASCADE, related_name="photos"
    )
    consent = models.ForeignKey(
        ConsentRecord,
        verbose_name=_("consent in force"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The consent record that allowed the mark."),
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    marked_at = models.DateTimeField(_("marked at"), auto_now_add=True)

    objects = PersonInPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("person in a photo")
        verbose_name_plural = _("people in photos")
        constraints = [models.UniqueConstraint(fields=["attachment", "employee"], name="person_in_photo_once")]

    def __str__(self) -> str:
        return f"{self.employee} in {self.attachment}"


class PrivacyAction(models.TextChoices):
    EXPORTED = "exported", _("Personal data exported")
    ANONYMISED = "anonymised", _("Anonymised")


class PrivacyLog(AppendOnly):
    """That something was done with a person's data: by whom and when, and how many rows it touched.
    After an anonymisation it names no one: the employee row it points at is anonymised itself."""

    action = models.CharField(_("action"), max_length=20, choices=PrivacyAction.choices)
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), null=True, on_delete=models.SET_NULL, related_name="privacy_log"
    )
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    performed_at = models.DateTimeField(_("performed at"), default=timezone.now)
    counts = models.JSONField(_("rows"), default=dict, blank=True, help_text=_("Rows touched, per kind."))

    class Meta:
        verbose_name = _("privacy log entry")
        verbose_name_plural = _("privacy log")
        ordering = ["-performed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=PrivacyAction.values), name="privacy_action_valid")
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.performed_at:%Y-%m-%d %H:%M}"
