"""Optional TOTP for anyone, compulsory for administrators when OTP_REQUIRED_FOR_ADMINS says so.

- enrolment: a new secret (QR code served as SVG by a view, and as text), confirmed by a right code;
- the login asks for the code after the password, and only then logs in (the session verified);
- wrong codes count towards the lockout; turning it off asks for the password;
- with the setting on, staff, superusers and Administrators without a verified session reach only the
  Two-factor screen (the admin and the session API refuse them), others are not affected.
"""

from __future__ import annotations

import time
from base64 import b32decode

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.account_views import PENDING_KEY, PENDING_SECONDS
from core.roles import ADMINISTRATOR, TECHNICIAN
from core.testing import TEST_PASSWORD, UserFactory
from people.factories import make_role_user

pytestmark = pytest.mark.django_db

HOME = reverse("home")


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The device's code now (or ``steps_ahead`` 30-second steps later: a code is accepted once only)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def wrong(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


def log_in_password(client: Client, username: str, address: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": TEST_PASSWORD}, REMOTE_ADDR=address)


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


# --- Enrolment --------------------------------------------------------------------------------
def test_enrolment_shows_a_qr_code_and_confirms_with_a_code(client):
    user = UserFactory(username="ana")
    client.force_login(user)
    page = client.get(reverse("two_factor")).content.decode()
    assert "Off." in page
    assert "Set up two-factor login" in page
    # No enrolment started: no QR code to show.
    assert client.get(reverse("two_factor_qr")).status_code == 404

    response = client.post(reverse("two_factor_enrol"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_enrol")
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    page = client.get(reverse("two_factor_enrol")).content.decode()
    assert f'src="{reverse("two_factor_qr")}"' in page
    secret = page.split('id="two-factor-secret">')[1].split("</code>")[0].replace(" ", "")
    assert b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    qr = client.get(reverse("two_factor_qr"))
    assert qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    assert "no-store" in qr["Cache-Control"]

    bad = client.post(reverse("two_factor_enrol"), {"code": wrong(code(device))})
    assert bad.status_code == 200
    assert "That code is not right" in bad.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed

    # The wrong code throttles the device for a second (django-otp): a person types the next code later.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    done = client.post(reverse("two_factor_enrol"), {"code": code(device)})
    assert done.status_code == 302
    assert done["Location"] == reverse("two_factor")
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id  # this session is verified
    assert "On." in client.get(reverse("two_factor")).content.decode()


def test_a_new_enrolment_replaces_the_old_device_once_confirmed(client):
    user = UserFactory(username="ana")
    old = enrolled(user)
    client.force_login(user)
    client.post(reverse("two_factor_enrol"))
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    assert TOTPDevice.objects.filter(pk=old.pk).exists()  # until the new one is confirmed
    client.post(reverse("two_factor_enrol"), {"code": code(new)})
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", "confirmed")) == [(new.pk, True)]


# --- Two-step login ---------------------------------------------------------------------------
def test_login_asks_for_the_code_after_the_password(client):
    user = UserFactory(username="ana")
    device = enrolled(user)
    response = log_in_password(client, "ana")
    assert response.status_code == 302
    assert response["Location"] == reverse("login_code")
    assert client.get(HOME).status_code == 302  # not logged in with the password alone

    page = client.get(reverse("login_code")).content.decode()
    assert 'autocomplete="one-time-code"' in page
    bad = client.post(reverse("login_code"), {"code": wrong(code(device))})
    assert bad.status_code == 200
    assert "That code is not right" in bad.content.decode()
    assert client.get(HOME).status_code == 302
    garbage = client.post(reverse("login_code"), {"code": "12ab"})
    assert "Enter the 6 digits" in garbage.content.decode()

    # The wrong code throttles the device for a second (django-otp); the next step's code is accepted then.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    done = client.post(reverse("login_code"), {"code": code(device)})
    assert done.status_code == 302
    assert done["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    assert client.get(HOME).status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert PENDING_KEY not in client.session
    # The same code cannot be used again (replay).
    other = Client()
    log_in_password(other, "ana")
    assert other.post(reverse("login_code"), {"code": code(device)}).status_code == 200
    assert other.get(HOME).status_code == 302


def test_login_keeps_next_through_the_code_step(client):
    device = enrolled(UserFactory(username="ana"))
    client.post(reverse("login"), {"username": "ana", "password": TEST_PASSWORD, "next": "/inventory/"})
    response = client.post(reverse("login_code"), {"code": code(device)})
    assert response["Location"] == "/inventory/"


def test_the_code_step_expires(client):
    device = enrolled(UserFactory(username="ana"))
    log_in_password(client, "ana")
    session = client.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "at": time.time() - PENDING_SECONDS - 1}
    session.save()
    response = client.post(reverse("login_code"), {"code": code(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(HOME).status_code == 302
    # Without the password step at all, the code step sends to the login page.
    assert Client().get(reverse("login_code"))["Location"] == reverse("login")


def test_wrong_codes_lock_out_like_wrong_passwords(client):
    device = enrolled(UserFactory(username="ana"))
    log_in_password(client, "ana")
    right = code(device)
    statuses = [
        client.post(reverse("login_code"), {"code": wrong(right)}, REMOTE_ADDR="10.0.0.1").status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    # Locked: the right code is refused too, and so is the password from this address.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert client.post(reverse("login_code"), {"code": right}, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert log_in_password(Client(), "ana").status_code == 429


def test_turning_off_asks_for_the_password(client):
    user = UserFactory(username="ana")
    enrolled(user)
    client.force_login(user)
    refused = client.post(reverse("two_factor_disable"), {"password": "not-it"})
    assert refused.status_code == 400
    assert "That is not your password." in refused.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()
    done = client.post(reverse("two_factor_disable"), {"password": TEST_PASSWORD})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    # Without a device the login is one step again.
    client.post(reverse("logout"))
    assert log_in_password(client, "ana")["Location"] == reverse(settings.LOGIN_REDIRECT_URL)


# --- Required for administrators --------------------------------------------------------------
@override_settings(OTP_REQUIRED_FOR_ADMINS=True)
@pytest.mark.parametrize("kind", ["administrator", "staff", "superuser"])
def test_administrators_must_enrol_before_anything_else(client, kind):
    if kind == "administrator":
        user = make_role_user(ADMINISTRATOR)
        user.is_staff = False  # the role alone makes it required
        user.save()
    else:
        user = UserFactory(username=kind, is_staff=True, is_superuser=kind == "superuser")
    client.force_login(user)
    for url in (HOME, reverse("admin:index"), reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('two_factor')}?next={url.replace('/', '%2F')}"
    api = client.get("/api/v1/orders/")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"
    page = client.get(reverse("two_factor"), {"next": HOME}).content.decode()
    assert "Your role must log in with a one-time code" in page

    client.post(reverse("two_factor_enrol"), {"next": HOME})
    device = TOTPDevice.objects.get(user=user)
    assert client.get(reverse("two_factor_qr")).status_code == 200
    response = client.post(reverse("two_factor_enrol"), {"code": code(device), "next": HOME})
    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200
    if user.is_staff:
        assert client.get(reverse("admin:index")).status_code == 200
    # Required: it cannot be turned off.
    client.post(reverse("two_factor_disable"), {"password": TEST_PASSWORD})
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@override_settings(OTP_REQUIRED_FOR_ADMINS=True)
def test_an_enrolled_administrator_session_without_the_code_verifies_on_the_screen(client):
    user = make_role_user(ADMINISTRATOR)
    device = enrolled(user)
    client.force_login(user)  # a session that skipped the code step (logged in before enrolling elsewhere)
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("two_factor"))
    assert "Verify this session" in client.get(reverse("two_factor")).content.decode()
    client.post(reverse("two_factor_verify"), {"code": wrong(code(device))})
    assert client.get(HOME).status_code == 302
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = client.post(reverse("two_factor_verify"), {"code": code(device), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


@override_settings(OTP_REQUIRED_FOR_ADMINS=True)
def test_other_roles_are_not_asked(client):
    client.force_login(make_role_user(TECHNICIAN))
    assert client.get(HOME).status_code == 200


def test_administrators_are_not_asked_when_the_setting_is_off(client):
    assert settings.OTP_REQUIRED_FOR_ADMINS is False
    client.force_login(make_role_user(ADMINISTRATOR))
    assert client.get(HOME).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200
