"""The planner's journey in real Chromium: create a plan, fill its draft, submit, approve, make effective, apply."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from assets.factories import AreaFactory, ResourceFactory
from core.roles import PLANNER, SUPERVISOR
from core.testing import TEST_PASSWORD
from people.factories import make_role_user
from plans.models import PlanInstance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def works(role_groups):
    """A site with two buildings of pumps, a planner and a supervisor who are members of it."""
    from assets.factories import SiteFactory

    site = SiteFactory(name="Kisumu water works")
    intake = AreaFactory(parent=site, code="INTAKE", name="Intake building")
    booster = AreaFactory(parent=site, code="BOOST", name="Booster station")
    for number in (1, 2):
        ResourceFactory(tag=f"P-010{number}", name=f"Raw water pump {number}", area=intake)
    ResourceFactory(tag="BP-01", name="Booster pump 1", area=booster)
    return {
        "site": site,
        "intake": intake,
        "planner": make_role_user(PLANNER, site=site, username="paula-planner"),
        "supervisor": make_role_user(SUPERVISOR, site=site, username="samuel-supervisor"),
    }


def log_in(page: Page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/")


def open_plans(page: Page) -> None:
    """Through the main navigation, which is a "Menu" on a phone."""
    menu = page.locator(".nav-narrow")
    if menu.is_visible():
        menu.get_by_text("Menu", exact=True).click()
        menu.get_by_role("link", name="Plans").click()
    else:
        page.locator(".nav-wide").get_by_role("link", name="Plans").click()
    expect(page.get_by_role("heading", name="Maintenance plans")).to_be_visible()


def assert_no_horizontal_scroll(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"page is {scroll_width} px wide in a {width} px viewport"


def test_plan_journey_create_submit_approve_make_effective_apply(page: Page, live_server, works, screenshot):
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    log_in(page, base, "paula-planner")
    open_plans(page)
    expect(page.get_by_text("There are no maintenance plans yet.")).to_be_visible()
    screenshot("plans-list-empty")

    # A new plan: its first version is a draft, and the editor opens.
    page.get_by_role("button", name="New plan").click()
    page.get_by_label("Code").fill("PUMP-M")
    page.get_by_label("Name").fill("Pump monthly inspection")
    page.get_by_label("Description").fill("Raw water pumps at the intake.")
    page.get_by_role("button", name="Create plan").click()
    expect(page.get_by_role("heading", name=re.compile("PUMP-M version 1"))).to_be_visible()
    expect(page.get_by_text("No activities yet.")).to_be_visible()

    # An activity: fields of other triggers are hidden while "Time" is chosen.
    page.get_by_role("button", name="Add activity").click()
    page.get_by_label("Code").fill("monthly")
    page.get_by_label("Name", exact=True).fill("Monthly inspection")
    page.get_by_label("Trigger").select_option("time")
    expect(page.get_by_label("Counter watched")).to_be_hidden()
    page.get_by_label("Time interval").fill("1")
    page.get_by_label("Time unit").select_option("months")
    page.get_by_label("Schedule next").select_option("fixed")
    page.get_by_label("Executing role").select_option(label="Technician")
    page.get_by_label("Trigger").select_option("usage")
    expect(page.get_by_label("Counter watched")).to_be_visible()
    expect(page.get_by_label("Time interval")).to_be_hidden()
    screenshot("plans-activity-form-usage")
    page.get_by_label("Trigger").select_option("time")
    page.get_by_role("button", name="Save activity").click()
    expect(page.get_by_role("heading", name="1. Monthly inspection")).to_be_visible()

    # A checklist item, added in place by htmx; a refused one shows its error in the same place.
    checklist = page.locator("section.rows-checklist")
    checklist.get_by_text("Add checklist item").click()
    checklist.get_by_label("Text").fill("Check the mechanical seal for leaks")
    checklist.get_by_role("button", name="Add").click()
    expect(checklist.get_by_text("Check the mechanical seal for leaks")).to_be_visible()
    checklist = page.locator("section.rows-checklist")
    checklist.get_by_text("Add checklist item").click()
    checklist.get_by_label("Text").fill("Discharge pressure")
    checklist.get_by_label("Kind").select_option("number")
    checklist.get_by_label("Lower limit").fill("6")
    checklist.get_by_label("Upper limit").fill("2")
    checklist.get_by_role("button", name="Add").click()
    expect(page.get_by_text("The upper limit must not be below the lower limit.")).to_be_visible()
    screenshot("plans-editor-row-error")
    page.locator("section.rows-checklist").get_by_label("Upper limit").fill("8")
    page.locator("section.rows-checklist").get_by_role("button", name="Add").click()
    expect(page.locator("section.rows-checklist").get_by_text("Discharge pressure")).to_be_visible()
    screenshot("plans-editor-draft")
    page.set_viewport_size(PHONE)
    page.locator("section.rows-actions").get_by_text("Add action").click()
    page.locator("section.rows-actions").get_by_label("Action", exact=True).select_option("notify")
    expect(page.locator("section.rows-actions").get_by_label("Webhook URL")).to_be_hidden()
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("plans-editor-phone")
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name=re.compile("Submit change set")).click()
    expect(page.get_by_text(re.compile("submitted for approval"))).to_be_visible()
    expect(page.get_by_text(re.compile("This version is read-only"))).to_be_visible()
    expect(page.get_by_role("button", name="Add activity")).to_have_count(0)

    # The supervisor approves from the approval queue.
    log_in(page, base, "samuel-supervisor")
    open_plans(page)
    page.get_by_role("link", name="1 change set is waiting for approval.").click()
    expect(page.get_by_role("link", name="PUMP-M version 1")).to_be_visible()
    screenshot("plans-changesets-queue")
    page.get_by_text("Approve and sign…").click()
    page.get_by_label("Your password (signature)").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign and approve").click()
    expect(page.get_by_text(re.compile(r"Change set .* approved and signed\."))).to_be_visible()

    # The planner makes it effective, on a phone.
    page.set_viewport_size(PHONE)
    log_in(page, base, "paula-planner")
    open_plans(page)
    page.get_by_role("link", name=re.compile("PUMP-M")).click()
    page.get_by_role("button", name="Make effective").click()
    expect(page.get_by_text("PUMP-M v1 is now effective.")).to_be_visible()
    expect(page.get_by_text("Version 1 is effective.")).to_be_visible()
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("plans-plan-page-phone")

    # Apply to the pumps of the intake building: filter by area, tick all on the page.
    page.get_by_role("button", name="Apply to entities").click()
    page.get_by_label("In area").select_option(str(works["intake"].pk))
    page.get_by_role("button", name="Show entities").click()
    expect(page.get_by_text("P-0101")).to_be_visible()
    expect(page.get_by_text("BP-01")).to_have_count(0)
    page.get_by_label("Select all on this page").check()
    expect(page.locator("input[name=entities]:checked")).to_have_count(2)
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("plans-apply-phone")
    page.get_by_role("button", name="Apply the plan to the ticked entities").click()

    expect(page.get_by_text("PUMP-M applied to 2 entities.")).to_be_visible()
    expect(page.get_by_role("heading", name="Where PUMP-M is applied")).to_be_visible()
    expect(page.get_by_text("P-0101 Raw water pump 1")).to_be_visible()
    expect(page.get_by_text("P-0102 Raw water pump 2")).to_be_visible()
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("plans-instances-phone")
    assert PlanInstance.objects.filter(plan__code="PUMP-M", active=True).count() == 2

    # A new draft, compared with the effective version.
    page.get_by_role("link", name="PUMP-M").click()
    page.get_by_text("New draft version").click()
    page.get_by_role("button", name="Create draft version").click()
    expect(page.get_by_role("heading", name=re.compile("PUMP-M version 2"))).to_be_visible()
    page.get_by_role("button", name="Edit activity").click()
    page.get_by_label("Name", exact=True).fill("Monthly inspection and greasing")
    page.get_by_role("button", name="Save activity").click()
    page.get_by_role("button", name="Plan page").click()
    page.get_by_role("button", name="Compare versions").click()
    expect(page.get_by_text("From version 1 to version 2: 1 activity changed.")).to_be_visible()
    expect(page.get_by_text("Monthly inspection and greasing").first).to_be_visible()
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("plans-diff-phone")
    page.set_viewport_size(DESKTOP)
    screenshot("plans-diff-desktop")
    open_plans(page)
    screenshot("plans-list-desktop")
