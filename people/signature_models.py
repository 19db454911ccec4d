"""Electronic signatures (21 CFR Part 11 style) and the per-user count of failed signing attempts.

A ``Signature`` says who signed which record, when (server time, UTC), meaning what, how the signer
re-authenticated, and the SHA-256 of the record's content as it was signed (``people.signatures``
computes it). Signatures are append-only: the model refuses to save an existing row or to delete one,
and so does its QuerySet; the admin and the API only read them. They live in ``people`` because the
signer's printed name is an employee's name, and every app that signs (inventory, plans, orders) stands
above ``people``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SignatureMeaning(models.TextChoices):
    """What a signature states (Part 11 §11.50: the meaning is part of the signature)."""

    APPROVED = "approved", _("Approved")
    REVIEWED = "reviewed", _("Reviewed")
    PERFORMED = "performed", _("Performed")
    ACCEPTED = "accepted", _("Accepted")


class SignatureMethod(models.TextChoices):
    """How the signer proved it was them at the moment of signing."""

    PASSWORD = "password", _("Password")
    TOTP = "totp", _("Authenticator code (TOTP)")


class SignatureImmutable(Exception):
    """A signature was about to be changed or deleted: they are kept as signed, forever."""


class SignatureQuerySet(models.QuerySet["Signature"]):
    def update(self, **kwargs: Any) -> int:
        raise SignatureImmutable(_("Signatures cannot be changed."))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise SignatureImmutable(_("Signatures cannot be deleted."))

    def of(self, record: models.Model) -> SignatureQuerySet:
        """The signatures of one record, oldest first."""
        content_type = ContentType.objects.get_for_model(type(record))
        return self.filter(content_type=content_type, object_id=record.pk).order_by("signed_at", "pk")


class Signature(models.Model):
    """One electronic signature of one record (a work order, a change set, a stock movement...)."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of record"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    action = models.CharField(
        _("signed action"), max_length=40, help_text=_("What was done with the signature, e.g. acceptance.")
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signer"), on_delete=models.PROTECT, related_name="signatures"
    )
    # The printed name at signing time: a later change of the employee's name does not rewrite it.
    signer_name = models.CharField(_("signer's name"), max_length=200)
    signed_at = models.DateTimeField(_("signed at (UTC)"), default=timezone.now)
    meaning = models.CharField(_("meaning"), max_length=12, choices=SignatureMeaning.choices)
    statement = models.CharField(_("statement"), max_length=300, blank=True)
    method = models.CharField(_("re-authenticated by"), max_length=10, choices=SignatureMethod.choices)
    content = models.TextField(_("signed content (canonical JSON)"))
    content_hash = models.CharField(_("SHA-256 of the signed content"), max_length=64)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("electronic signature")
        verbose_name_plural = _("electronic signatures")
        ordering = ["-signed_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="signature_record")]
        constraints = [
            models.CheckConstraint(condition=Q(meaning__in=SignatureMeaning.values), name="signature_meaning_valid"),
            models.CheckConstraint(condition=Q(method__in=SignatureMethod.values), name="signature_method_valid"),
            models.CheckConstraint(condition=Q(content_hash__regex=r"^[0-9a-f]{64}$"), name="signature_hash_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.signer_name}: {self.get_meaning_display()} ({self.signed_at:%Y-%m-%d %H:%M} UTC)"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise SignatureImmutable(_("Signatures cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise SignatureImmutable(_("Signatures cannot be deleted."))


class SigningAttempts(models.Model):
    """Failed signing attempts of one user since their last good signature, and until when signing is
    locked. In the database, so every server process and worker sees the same count."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="signing_attempts",
    )
    failures = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    last_failure_at = models.DateTimeField(_("last failed attempt"), null=True, blank=True)
    # Which refusal was counted last: the same refusal seen again (after its transaction rolled back the
    # first count, see ``people.signatures.counting_failed_signatures``) is not counted twice.
    last_failure_key = models.CharField(max_length=32, blank=True)
    locked_until = models.DateTimeField(_("signing locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing attempts")
        verbose_name_plural = _("signing attempts")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.failures}"
