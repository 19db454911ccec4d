"""Log in through the form, land on the role's home page, log out with the button: in real Chromium."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.roles import (
    ADMINISTRATOR,
    INTEGRATOR,
    PLANNER,
    REQUESTER,
    ROLE_LABELS,
    ROLES,
    STOREKEEPER,
    SUPERVISOR,
    TECHNICIAN,
)
from core.testing import TEST_PASSWORD
from people.factories import EmployeeCertificationFactory, make_role_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# A line of each role's section that shows its data reached the page.
ROLE_CONTENT = {
    TECHNICIAN: "Raw water pump 1",
    SUPERVISOR: "Grace Achieng",
    PLANNER: "Kisumu water works",
    STOREKEEPER: "Deep groove ball bearing 6201-2RS",
    REQUESTER: "Find a resource of your sites by tag or name",
    ADMINISTRATOR: "Users per role",
    INTEGRATOR: "celery@mms-worker",
}


def log_in(page: Page, base_url: str, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def assert_no_horizontal_scroll(page: Page, width: int) -> None:
    page.wait_for_load_state()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"page is {scroll_width} px wide in a {width} px viewport"


@pytest.mark.parametrize("role", ROLES)
def test_role_logs_in_sees_its_home_and_logs_out_on_a_phone(page: Page, live_server, site, screenshot, role):
    user = make_role_user(role, site=site, username=f"{role.lower()}-ana")
    if role == TECHNICIAN:
        today = timezone.localdate()
        EmployeeCertificationFactory(employee=user.employee, certification__name="HV switching")
        EmployeeCertificationFactory(
            employee=user.employee,
            certification__name="Autoclave operator",
            valid_to=today + datetime.timedelta(days=20),
        )
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, user.username)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name=str(ROLE_LABELS[role]), exact=True)).to_be_visible()
    expect(page.get_by_text(ROLE_CONTENT[role]).first).to_be_visible()
    for other in ROLES:
        if other != role:
            expect(page.get_by_role("heading", name=str(ROLE_LABELS[other]), exact=True)).to_have_count(0)
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot(f"home-{role.lower()}-phone")

    # The small-screen menu opens without JavaScript and holds the user's roles and the logout button.
    expect(page.get_by_role("button", name="Log out")).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(page.get_by_text(f"Roles: {ROLE_LABELS[role]}").filter(visible=True)).to_be_visible()
    assert_no_horizontal_scroll(page, PHONE["width"])
    if role in (TECHNICIAN, ADMINISTRATOR):
        screenshot(f"home-{role.lower()}-phone-menu")
    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_administrator_on_a_desktop_uses_the_user_menu(page: Page, live_server, site, screenshot):
    user = make_role_user(ADMINISTRATOR, site=site, username="admin-ana", first_name="Ana", last_name="Lima")
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server.url, user.username)

    expect(page.get_by_role("heading", name="Administrator", exact=True)).to_be_visible()
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="System status")).to_be_visible()
    expect(navigation.get_by_role("link", name="Admin", exact=True)).to_be_visible()
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    screenshot("home-administrator-desktop")

    page.get_by_text("Ana Lima", exact=True).filter(visible=True).click()
    expect(page.get_by_text("Roles: Administrator").filter(visible=True)).to_be_visible()
    screenshot("home-administrator-desktop-user-menu")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")


def test_bad_password_shows_the_error_on_a_phone(page: Page, live_server, role_groups, screenshot):
    make_role_user(TECHNICIAN, username="tech-ana")
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "tech-ana", password="not-the-password")

    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    expect(page.get_by_label("Username")).to_have_value("tech-ana")
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("login-bad-password-phone")


def test_requester_search_updates_as_they_type(page: Page, live_server, site, screenshot):
    user = make_role_user(REQUESTER, site=site, username="requester-ana")
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, user.username)

    page.get_by_label("Find a resource of your sites by tag or name").press_sequentially("booster")
    results = page.locator("#resource-search-results")
    expect(results).to_contain_text("3 resources found")
    expect(results).to_contain_text("BP-02")
    expect(page).to_have_url(f"{live_server.url}/?q=booster")  # htmx pushed the search into the address
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("home-requester-search-phone")

    page.get_by_label("Find a resource of your sites by tag or name").fill("no such thing")
    page.get_by_role("button", name="Search").click()
    expect(results).to_contain_text("No resource of your sites matches “no such thing”.")


def test_technician_changes_password_from_the_menu_on_a_phone(page: Page, live_server, site, screenshot):
    user = make_role_user(TECHNICIAN, site=site, username="tech-ben")
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, user.username)

    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("link", name="Change password").filter(visible=True).click()
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    page.get_by_label("Old password").fill(TEST_PASSWORD)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password confirmation").fill("short")
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_text("This password is too short.")).to_be_visible()
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("password-change-errors-phone")

    new = "a-new-long-passphrase-42"
    page.get_by_label("Old password").fill(TEST_PASSWORD)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("New password confirmation").fill(new)
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    user.refresh_from_db()
    assert user.check_password(new)
