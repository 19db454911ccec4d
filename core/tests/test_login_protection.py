"""Brute-force protection (django-axes) on the login page and the admin's door to it: a username is locked
out at one address after LOGIN_FAILURE_LIMIT failures, answered with the lockout page (429, Retry-After),
and opens again after the cool-off; other addresses and other usernames are not locked; a right password
resets the count."""

from __future__ import annotations

import datetime

import pytest
from axes.exceptions import AxesBackendRequestParameterRequired
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from core.login_protection import client_ip
from core.testing import TEST_PASSWORD, UserFactory, force_update
from mms import settings as production_settings

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT
COOL_OFF = settings.AXES_COOLOFF_TIME
HOME = reverse("home")


def post_login(client: Client, username: str, password: str, address: str = "10.0.0.1", next_url: str = ""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data, REMOTE_ADDR=address)


def fail(client: Client, username: str, times: int, address: str = "10.0.0.1") -> list[int]:
    return [post_login(client, username, "wrong-password", address).status_code for _ in range(times)]


def test_settings_lock_by_username_and_address_for_the_cool_off():
    assert production_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert LIMIT == 5
    assert datetime.timedelta(minutes=15) == COOL_OFF
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_production_backend_refuses_an_authenticate_without_request():
    """Code that checks a password must pass the request, or axes could not count it: it raises."""
    UserFactory(username="ana")
    with (
        override_settings(AUTHENTICATION_BACKENDS=production_settings.AUTHENTICATION_BACKENDS),
        pytest.raises(AxesBackendRequestParameterRequired),
    ):
        authenticate(username="ana", password=TEST_PASSWORD)


def test_the_test_client_login_still_works():
    UserFactory(username="ana")
    assert Client().login(username="ana", password=TEST_PASSWORD)


def test_login_locks_out_after_the_limit_and_opens_after_the_cool_off(client):
    UserFactory(username="ana")
    assert fail(client, "ana", LIMIT - 1) == [200] * (LIMIT - 1)  # the form with its error
    locked = post_login(client, "ana", "wrong-password")
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(int(COOL_OFF.total_seconds()))
    assert locked["Content-Type"].startswith("text/html")
    html = locked.content.decode()
    assert "Account locked for now" in html
    assert f"for {int(COOL_OFF.total_seconds() // 60)} minutes" in html
    # Locked: even the right password is refused, and nobody is logged in.
    assert post_login(client, "ana", TEST_PASSWORD).status_code == 429
    assert client.get(HOME).status_code == 302

    # The cool-off runs from the last failure: move it into the past.
    attempt = AccessAttempt.objects.get(username="ana", ip_address="10.0.0.1")
    assert attempt.failures_since_start == LIMIT + 1
    force_update(AccessAttempt.objects.filter(pk=attempt.pk), attempt_time=attempt.attempt_time - COOL_OFF)
    response = post_login(client, "ana", TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    assert client.get(HOME).status_code == 200
    assert not AccessAttempt.objects.filter(username="ana").exists()  # a right password resets the count


def test_the_lock_holds_one_username_at_one_address(client):
    UserFactory(username="ana")
    UserFactory(username="ben")
    fail(client, "ana", LIMIT)
    assert post_login(client, "ana", TEST_PASSWORD).status_code == 429
    # Ben at the same address, and Ana from another address, are not locked.
    assert post_login(Client(), "ben", TEST_PASSWORD).status_code == 302
    assert post_login(Client(), "ana", TEST_PASSWORD, address="10.0.0.2").status_code == 302


def test_a_right_password_resets_the_failures(client):
    UserFactory(username="ana")
    fail(client, "ana", LIMIT - 1)
    assert post_login(client, "ana", TEST_PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert fail(client, "ana", LIMIT - 1) == [200] * (LIMIT - 1)
    assert post_login(client, "ana", TEST_PASSWORD).status_code == 302


@override_settings(AXES_COOLOFF_TIME=None)
def test_without_cool_off_the_lockout_waits_for_an_administrator(client):
    UserFactory(username="ana")
    fail(client, "ana", LIMIT - 1)
    locked = post_login(client, "ana", "wrong-password")
    assert locked.status_code == 403
    assert "Retry-After" not in locked
    assert "ask an administrator to unlock" in locked.content.decode()
    AccessAttempt.objects.filter(username="ana").delete()  # what an administrator does in the admin
    assert post_login(client, "ana", TEST_PASSWORD).status_code == 302


def test_the_admin_logs_in_through_the_login_page_and_its_lockout(client):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    admin_index = reverse("admin:index")
    # The admin has no password form of its own: its login sends to the login page, back to the admin.
    response = client.get(reverse("admin:login"), {"next": admin_index})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={admin_index}"
    # A POST of credentials to the admin's login logs nobody in.
    client.post(reverse("admin:login"), {"username": "root", "password": TEST_PASSWORD})
    assert client.get(admin_index).status_code == 302

    statuses = [post_login(client, "root", "wrong-password", next_url=admin_index).status_code for _ in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]
    assert post_login(client, "root", TEST_PASSWORD, next_url=admin_index).status_code == 429
    assert client.get(admin_index).status_code == 302

    attempt = AccessAttempt.objects.get(username="root")
    force_update(AccessAttempt.objects.filter(pk=attempt.pk), attempt_time=attempt.attempt_time - COOL_OFF)
    response = post_login(client, "root", TEST_PASSWORD, next_url=admin_index)
    assert response.status_code == 302
    assert response["Location"] == admin_index
    assert client.get(admin_index).status_code == 200


def test_a_signed_in_staff_user_on_the_admin_login_goes_to_the_admin(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy trusted: the header is the client's to forge
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # the client wrote the first entry itself
        (2, "198.51.100.7, 203.0.113.9", "198.51.100.7"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer entries than proxies: not what our proxies send
    ],
)
def test_client_address_trusts_only_our_proxies(proxies, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(LOGIN_TRUSTED_PROXIES=proxies):
        assert client_ip(request) == expected


def test_session_age_follows_the_setting(client):
    UserFactory(username="ana")
    post_login(client, "ana", TEST_PASSWORD)
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


@override_settings(SESSION_COOKIE_AGE=900, SESSION_EXPIRE_AT_BROWSER_CLOSE=True)
def test_session_may_end_with_the_browser(client):
    UserFactory(username="ana")
    post_login(client, "ana", TEST_PASSWORD)
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""  # a browser-session cookie
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 900  # the server forgets it after that, browser closed or not


def test_password_validators_refuse_weak_passwords_on_the_change_screen(client):
    user = UserFactory(username="ana", first_name="Anastasia")
    client.force_login(user)
    names = [validator["NAME"].rsplit(".", 1)[1] for validator in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
    for weak, message in [
        ("short1", "This password is too short. It must contain at least 10 characters."),
        ("1234567890123", "This password is entirely numeric."),
        ("password1234", "This password is too common."),
        ("anastasia-x", "The password is too similar to the first name."),
    ]:
        response = client.post(
            reverse("password_change"), {"old_password": TEST_PASSWORD, "new_password1": weak, "new_password2": weak}
        )
        assert response.status_code == 200, weak
        assert message in response.content.decode(), weak
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
