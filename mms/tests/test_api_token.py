"""``POST /api/v1/auth/token/``: username and password (and the one-time code where the user has one) for
the user's token, under the same lockout as the login page, answered in JSON."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.roles import ADMINISTRATOR, INTEGRATOR
from core.testing import TEST_PASSWORD, UserFactory, force_update
from core.tests.test_two_factor import code, wrong
from people.factories import make_role_user

pytestmark = pytest.mark.django_db

URL = reverse("api:token_create")
LIMIT = settings.AXES_FAILURE_LIMIT


def ask(client: APIClient, username: str, password: str, **extra: str):
    return client.post(
        URL, {"username": username, "password": password, **extra}, format="json", REMOTE_ADDR="10.0.0.5"
    )


def test_a_right_password_gets_the_users_token_and_it_works():
    user = make_role_user(INTEGRATOR)
    client = APIClient()
    response = ask(client, user.username, TEST_PASSWORD)
    assert response.status_code == 200
    key = response.json()["token"]
    assert key == Token.objects.get(user=user).key
    assert ask(client, user.username, TEST_PASSWORD).json()["token"] == key  # the same token, not a new one each time
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert reader.get("/api/v1/orders/").status_code == 200


def test_bad_input_answers_400_with_field_errors():
    client = APIClient()
    assert set(client.post(URL, {}, format="json").json()) == {"username", "password"}
    UserFactory(username="ana")
    response = ask(client, "ana", "wrong-password")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with these credentials."]}
    assert not Token.objects.exists()


def test_token_creation_locks_out_in_json_and_opens_after_the_cool_off():
    UserFactory(username="ana")
    client = APIClient()
    statuses = [ask(client, "ana", "wrong-password").status_code for _ in range(LIMIT)]
    assert statuses == [400] * (LIMIT - 1) + [429]
    locked = ask(client, "ana", TEST_PASSWORD)
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert locked.json()["code"] == "locked_out"
    assert "Too many failed attempts" in locked.json()["detail"]
    assert locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert not Token.objects.exists()

    attempts = AccessAttempt.objects.filter(username="ana", ip_address="10.0.0.5")
    force_update(attempts, attempt_time=attempts.get().attempt_time - settings.AXES_COOLOFF_TIME)
    assert ask(client, "ana", TEST_PASSWORD).status_code == 200
    assert not AccessAttempt.objects.filter(username="ana").exists()  # the right password reset the count


@override_settings(AXES_COOLOFF_TIME=None)
def test_a_permanent_lockout_answers_403_json():
    UserFactory(username="ana")
    client = APIClient()
    for _ in range(LIMIT):
        ask(client, "ana", "wrong-password")
    locked = ask(client, "ana", TEST_PASSWORD)
    assert locked.status_code == 403
    assert locked.json()["code"] == "locked_out"


def test_a_user_with_two_factor_gives_the_code():
    user = UserFactory(username="ana")
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    client = APIClient()
    assert ask(client, "ana", TEST_PASSWORD).json() == {
        "otp_code": ["This user logs in with two factors: give the code of the authenticator app."]
    }
    bad = ask(client, "ana", TEST_PASSWORD, otp_code=wrong(code(device)))
    assert bad.status_code == 400
    assert "otp_code" in bad.json()
    assert AccessAttempt.objects.get(username="ana").failures_since_start == 1  # a wrong code counts
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert ask(client, "ana", TEST_PASSWORD, otp_code=code(device)).status_code == 200


@override_settings(OTP_REQUIRED_FOR_ADMINS=True)
def test_an_administrator_without_two_factor_gets_no_token_when_it_is_required():
    user = make_role_user(ADMINISTRATOR)
    response = ask(APIClient(), user.username, TEST_PASSWORD)
    assert response.status_code == 403
    assert "set up two-factor" in response.json()["detail"]
    assert not Token.objects.exists()
