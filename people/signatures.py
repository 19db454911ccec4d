"""Signing a record electronically, and telling later whether it still is what was signed.

- ``sign(record, user, password=..., otp_token=..., meaning=...)``: the signer re-authenticates (the
  password, or the code of a confirmed TOTP device of django-otp) and a ``Signature`` is written with the
  SHA-256 of the record's *signed content*: the fields its model lists in ``SIGNED_FIELDS`` (declared once,
  on the model; volatile fields such as ``updated_at`` are left out), as canonical JSON.
- ``verify(signature)``: does the record still hash the same? ``check`` also says which fields changed.
- Three failed attempts lock signing for the user for 15 minutes (``SigningAttempts``, in the database);
  a good signature resets the count.

The signed actions call ``sign`` inside their own transaction, after the record is saved, so the
signature and the action are written or refused together. A refused signature rolls that transaction
back, and with it the count of the failure: ``counting_failed_signatures`` wraps the action (and
``sign`` itself) and counts the failure again once the transaction is gone, at most once per refusal.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionForbidden, ActionNotAllowed
from people.signature_models import Signature, SignatureMeaning, SignatureMethod, SigningAttempts

MAX_FAILED_ATTEMPTS = 3
LOCK_DURATION = datetime.timedelta(minutes=15)
F = TypeVar("F", bound=Callable[..., Any])


class SignatureRefused(ValidationError):
    """The signature was not given or not right; ``field`` names the form field to show it on.

    ``counted`` refusals (a wrong password or code) count towards the lock; ``key`` makes counting the
    same refusal twice (once inside a rolled-back transaction, once after) count it once.
    """

    def __init__(self, field_name: str, message: str, *, user: Any = None, key: str = "") -> None:
        super().__init__({field_name: [message]})
        self.field_name, self.text, self.user, self.key = field_name, message, user, key

    @property
    def counted(self) -> bool:
        return self.user is not None and bool(self.key)

    def now_locked(self, until: datetime.datetime) -> SignatureRefused:
        """The same refusal, saying that it locked signing."""
        message = _("%(refusal)s After %(count)s failed attempts signing is locked until %(until)s UTC.") % {
            "refusal": self.text,
            "count": MAX_FAILED_ATTEMPTS,
            "until": _utc_text(until),
        }
        return SignatureRefused(self.field_name, message, user=self.user, key=self.key)


class SigningLocked(ActionNotAllowed):
    """Signing is locked for the user after failed attempts (the API answers 423 Locked)."""

    http_status = 423

    def __init__(self, until: datetime.datetime) -> None:
        super().__init__(
            _("Signing is locked until %(until)s UTC after %(count)s failed attempts; try again then.")
            % {"until": _utc_text(until), "count": MAX_FAILED_ATTEMPTS}
        )
        self.until = until


def _utc_text(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M")


# --- Signed content ----------------------------------------------------------------------------
def signed_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The concrete fields of ``model`` that its signatures cover (its ``SIGNED_FIELDS``)."""
    names = getattr(model, "SIGNED_FIELDS", None)
    if not names:
        raise TypeError(f"{model._meta.label} declares no SIGNED_FIELDS: its records cannot be signed.")
    return [cast("models.Field[Any, Any]", model._meta.get_field(name)) for name in names]


def _plain(value: Any) -> Any:
    """A value as JSON, the same whether it was read from the database or is still in memory."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def content_of(record: models.Model, *, fresh: bool = True) -> dict[str, Any]:
    """The signed content of ``record``: read again from the database (``fresh``), or from the instance
    as it is (a page that has just loaded the row, to verify without a query per signature)."""
    model = type(record)
    attnames = [model_field.attname for model_field in signed_fields(model)]
    if fresh:
        values = model._base_manager.filter(pk=record.pk).values(*attnames).first()
        if values is None:
            raise ActionNotAllowed(_("The record to sign no longer exists."))
    else:
        values = {name: getattr(record, name) for name in attnames}
    return {
        "model": model._meta.label_lower,
        "id": record.pk,
        "fields": {name: _plain(values[name]) for name in attnames},
    }


def canonical_json(content: dict[str, Any]) -> str:
    """One text for one content: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Re-authentication and the lock ------------------------------------------------------------
def totp_devices(user: Any) -> list[Any]:
    """The user's confirmed TOTP devices (django-otp)."""
    from django_otp import devices_for_user
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return [device for device in devices_for_user(user, confirmed=True) if isinstance(device, TOTPDevice)]


def has_totp(user: Any) -> bool:
    return bool(getattr(user, "pk", None)) and bool(totp_devices(user))


def signing_locked_until(user: Any) -> datetime.datetime | None:
    """Until when the user may not sign, or None."""
    until = SigningAttempts.objects.filter(user=user).values_list("locked_until", flat=True).first()
    return until if until is not None and until > timezone.now() else None


def _reauthenticate(user: Any, password: str | None, otp_token: str | None) -> str:
    """The method by which the user proved it is them now; ``SignatureRefused`` if they did not."""
    key = uuid.uuid4().hex
    if otp_token:
        devices = totp_devices(user)
        if not devices:
            raise SignatureRefused("otp_token", _("You have no authenticator app set up: sign with your password."))
        token = otp_token.strip().replace(" ", "")
        if any(device.verify_token(token) for device in devices):
            return SignatureMethod.TOTP
        raise SignatureRefused("otp_token", _("The authenticator code is wrong or has expired."), user=user, key=key)
    if password:
        if user.check_password(password):
            return SignatureMethod.PASSWORD
        raise SignatureRefused("password", _("The password is wrong."), user=user, key=key)
    if has_totp(user):
        raise SignatureRefused("password", _("Sign with your password or your authenticator code."))
    raise SignatureRefused("password", _("Sign with your password: enter it again."))


def failure_record(user: Any, key: str) -> datetime.datetime | None:
    """Count one failed attempt (once per ``key``); until when signing is now locked, if it is."""
    with transaction.atomic():
        # Two failed attempts at once are counted one after the other.
        attempts, _created = SigningAttempts.objects.select_for_update().get_or_create(user=user)
        now = timezone.now()
        if attempts.last_failure_key != key:
            if attempts.last_failure_at is not None and now - attempts.last_failure_at > LOCK_DURATION:
                attempts.failures = 0  # a slip long ago does not add to today's
            attempts.failures += 1
            attempts.last_failure_at, attempts.last_failure_key = now, key
            if attempts.failures >= MAX_FAILED_ATTEMPTS:
                attempts.failures, attempts.locked_until = 0, now + LOCK_DURATION
            attempts.save()
    return attempts.locked_until if attempts.locked_until and attempts.locked_until > now else None


def counting_failed_signatures(function: F) -> F:
    """Count a wrong password or code that ``function`` (a signed action) refused, after its transaction
    rolled back; on the third, the refusal says until when signing is locked."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except SignatureRefused as refusal:
            if not refusal.counted:
                raise
            until = failure_record(refusal.user, refusal.key)
            if until is not None:
                raise refusal.now_locked(until) from None
            raise

    return cast(F, wrapper)


# --- Signing and verifying ---------------------------------------------------------------------
def signer_name(user: Any) -> str:
    """The printed name: the employee's name of the user, else the user's full name, else the login."""
    employee = getattr(user, "employee", None)
    if employee is not None and employee.name:
        return str(employee.name)
    return str(user.get_full_name() or user.get_username())


@counting_failed_signatures
def sign(
    record: models.Model,
    user: Any,
    *,
    password: str | None = None,
    otp_token: str | None = None,
    meaning: str,
    statement: str = "",
    action: str = "",
) -> Signature:
    """Sign ``record`` as ``user``: re-authenticate, then keep who, when, meaning and the content's hash.

    Call it in the signed action's transaction, after the record is saved. Refuses with
    ``SignatureRefused`` (a ``ValidationError`` on ``password``, ``otp_token`` or ``meaning``),
    ``SigningLocked`` or ``ActionForbidden`` (nobody signed in).
    """
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        raise ActionForbidden(_("Only a signed-in user can sign."))
    if meaning not in SignatureMeaning.values:
        raise SignatureRefused("meaning", _("Choose what your signature means."))
    until = signing_locked_until(user)
    if until is not None:
        raise SigningLocked(until)
    method = _reauthenticate(user, password, otp_token)
    SigningAttempts.objects.filter(user=user, failures__gt=0).update(failures=0, last_failure_key="")
    text = canonical_json(content_of(record))
    return Signature.objects.create(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        action=action[:40],
        signer=user,
        signer_name=signer_name(user)[:200],
        signed_at=timezone.now(),
        meaning=meaning,
        statement=statement.strip()[:300],
        method=method,
        content=text,
        content_hash=content_hash(text),
    )


@dataclass
class SignatureCheck:
    """A signature and whether its record still hashes the same; ``changed`` names the fields that differ."""

    signature: Signature
    valid: bool
    changed: list[str] = field(default_factory=list)


def check(signature: Signature, record: models.Model | None = None) -> SignatureCheck:
    """Compare the signed content with the record now (``record``: the row just read, else read again)."""
    model = signature.content_type.model_class()
    if model is None:
        return SignatureCheck(signature, False, [_("the kind of record no longer exists")])
    if record is None:
        record = model._base_manager.filter(pk=signature.object_id).first()
        if record is None:
            return SignatureCheck(signature, False, [_("the record was deleted")])
    now = content_of(record, fresh=False)
    text = canonical_json(now)
    if content_hash(text) == signature.content_hash:
        return SignatureCheck(signature, True)
    try:
        then = json.loads(signature.content).get("fields", {})
    except ValueError:
        then = {}
    fields_now = now["fields"]
    changed = sorted(name for name in set(then) | set(fields_now) if then.get(name) != fields_now.get(name))
    labels = {model_field.attname: str(model_field.verbose_name) for model_field in model._meta.concrete_fields}
    return SignatureCheck(signature, False, [labels.get(name, name) for name in changed])


def verify(signature: Signature, record: models.Model | None = None) -> bool:
    """Whether the record still has the content that was signed (its hash matches)."""
    return check(signature, record).valid


def checks_of(records: Iterable[models.Model]) -> dict[Any, list[SignatureCheck]]:
    """The signatures of these records (one model), checked against the rows as loaded: one query."""
    records = list(records)
    if not records:
        return {}
    content_type = ContentType.objects.get_for_model(type(records[0]))
    by_pk = {record.pk: record for record in records}
    result: dict[Any, list[SignatureCheck]] = {pk: [] for pk in by_pk}
    signatures = (
        Signature.objects.filter(content_type=content_type, object_id__in=list(by_pk))
        .select_related("content_type")
        .order_by("signed_at", "pk")
    )
    for signature in signatures:
        result[signature.object_id].append(check(signature, by_pk[signature.object_id]))
    return result
