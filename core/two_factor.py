"""One-time passwords (TOTP, django-otp) as a second factor: enrolment, confirmation, removal, checking a code.

A user has at most one TOTP device here. Enrolment makes an unconfirmed device (its secret shown once,
as a QR code and as text); the first right code confirms it, and from then on the login asks for a code
after the password. Removing it asks for the password. ``OTP_REQUIRED_FOR_ADMINS`` makes the second
factor compulsory for staff, superusers and Administrators (``two_factor_required``).

Electronic signatures re-authenticate with ``totp_check`` where a user has a confirmed device.
"""

from __future__ import annotations

import io
from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.scoping import is_administrator

DEVICE_NAME = "Authenticator app"


def confirmed_device(user: Any) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if any (one query)."""
    if getattr(user, "pk", None) is None:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def pending_device(user: Any) -> TOTPDevice | None:
    """The device enrolment made and the user has not confirmed yet."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("-pk").first()


def two_factor_required(user: Any) -> bool:
    """Whether this user must have a second factor: administrators when ``OTP_REQUIRED_FOR_ADMINS`` is on."""
    if not settings.OTP_REQUIRED_FOR_ADMINS or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or is_administrator(user))


@transaction.atomic
def totp_enrol_start(*, user: Any) -> TOTPDevice:
    """A fresh unconfirmed device with a new secret, replacing any earlier unconfirmed one (an abandoned
    enrolment's secret, perhaps seen by someone else, never becomes valid)."""
    TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_enrol_confirm(*, device: TOTPDevice, code: str) -> bool:
    """Confirm ``device`` with a code from the app; ``False`` when the code is wrong. The user's earlier
    confirmed device, if any, is removed: one device per user."""
    locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)  # two confirmations at once: one wins
    if locked.confirmed or not locked.verify_token(code.strip()):
        return False
    TOTPDevice.objects.filter(user_id=locked.user_id, confirmed=True).delete()
    locked.confirmed = True
    locked.save(update_fields=["confirmed"])
    device.confirmed = True
    return True


@transaction.atomic
def totp_disable(*, user: Any) -> int:
    """Remove the user's TOTP devices (confirmed or not); the number removed."""
    removed, _by_model = TOTPDevice.objects.filter(user_id=user.pk).delete()
    return removed


def totp_check(*, user: Any, code: str) -> TOTPDevice | None:
    """The user's confirmed device when ``code`` is its current code, else ``None``.

    django-otp refuses a code already used (so a code seen over a shoulder cannot be replayed) and
    throttles a device after wrong codes (each wrong code doubles the wait before the next is tried).
    """
    device = confirmed_device(user)
    if device is None:
        return None
    verified: TOTPDevice | None = verify_token(user, device.persistent_id, code.strip())
    return verified


def totp_qr_svg(device: TOTPDevice) -> bytes:
    """The device's ``otpauth://`` URL as a QR code (SVG), for the authenticator app to scan."""
    qr = segno.make(device.config_url, error="m")
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=5, border=2, light="#fff", title="otpauth", xmldecl=True)
    return out.getvalue()


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app that cannot scan."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
