"""Two-factor login in real Chromium: set it up from the user menu (QR code shown, the key typed into
an "app", here the test computing the code), log out, and log in with the password and then the code."""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from core.roles import TECHNICIAN
from core.testing import TEST_PASSWORD
from people.factories import make_role_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def code_for(secret: str, steps_ahead: int = 0) -> str:
    key = b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def test_technician_sets_up_two_factor_and_logs_in_with_a_code(page: Page, live_server, site, screenshot):
    user = make_role_user(TECHNICIAN, site=site, username="tech-otp")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("link", name="Two-factor login").filter(visible=True).click()
    expect(page.get_by_role("heading", name="Two-factor login")).to_be_visible()
    page.get_by_role("button", name="Set up two-factor login").click()
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    expect(qr).to_be_visible()
    # The SVG loaded (visible comes first: the image may still be on its way, so wait for its size).
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle(), timeout=10_000)
    secret = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    screenshot("two-factor-enrol-phone")
    page.get_by_label("Code from your authenticator app").fill(code_for(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Two-factor login is on")).to_be_visible()

    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    screenshot("two-factor-code-phone")
    page.get_by_label("Code from your authenticator app").fill(code_for(secret, steps_ahead=1))  # a fresh code
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Technician", exact=True)).to_be_visible()
