"""Asset pages in real Chromium: a technician finds a pump in the tree, enters a reading and sees it charted."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from assets.factories import AreaFactory, CounterFactory, ReadingFactory, ResourceFactory, SiteFactory
from core.roles import SUPERVISOR, TECHNICIAN
from core.testing import TEST_PASSWORD
from people.factories import make_role_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def works(role_groups):
    """A site with a plant, a pump room and pumps; the pump has an hour meter with a week of readings."""
    site = SiteFactory(name="Kisumu water works")
    plant = AreaFactory(parent=site, code="PLANT", name="Treatment plant")
    room = AreaFactory(parent=plant, kind="space", code="ROOM1", name="Pump room")
    pump = ResourceFactory(
        tag="P-0101", name="Raw water pump 1", area=room, manufacturer="KSB", serial_number="KSB-44871"
    )
    ResourceFactory(tag="P-0102", name="Raw water pump 2", area=room)
    ResourceFactory(tag="CHL-01", name="Chlorinator", area=plant, status="on_hold")
    hours = CounterFactory(resource=pump, name="Operating hours", unit="h")
    now = timezone.now()
    for day in range(7):
        ReadingFactory(counter=hours, value=Decimal(1000 + 18 * day), taken_at=now - datetime.timedelta(days=7 - day))
    hours.__class__.objects.filter(pk=hours.pk).refresh_latest()
    return {
        "site": site,
        "pump": pump,
        "hours": hours,
        "technician": make_role_user(TECHNICIAN, site=site, username="tom-technician"),
        "supervisor": make_role_user(SUPERVISOR, site=site, username="sara-supervisor"),
    }


def log_in(page: Page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/")


def open_nav(page: Page, name: str) -> None:
    menu = page.locator(".nav-narrow")
    if menu.is_visible():
        menu.get_by_text("Menu", exact=True).click()
        menu.get_by_role("link", name=name).click()
    else:
        page.locator(".nav-wide").get_by_role("link", name=name).click()


def assert_no_horizontal_scroll(page: Page, width: int) -> None:
    page.wait_for_load_state()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"page is {scroll_width} px wide in a {width} px viewport"


def test_technician_finds_a_pump_in_the_tree_and_records_a_reading_on_a_phone(
    page: Page, live_server, works, screenshot
):
    base = live_server.url
    page.set_viewport_size(PHONE)
    log_in(page, base, "tom-technician")
    open_nav(page, "Assets")
    expect(page.get_by_role("heading", name="Assets")).to_be_visible()

    # The only site is open; the plant expands (htmx) to show the pump room, which expands to its pumps.
    page.get_by_text("Treatment plant").click()
    expect(page.get_by_text("Pump room")).to_be_visible()
    page.get_by_text("Pump room").click()
    expect(page.get_by_role("link", name="P-0101 Raw water pump 1")).to_be_visible()
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("assets-tree-phone")

    page.get_by_role("link", name="P-0101 Raw water pump 1").click()
    expect(page.get_by_role("heading", name="P-0101 · Raw water pump 1")).to_be_visible()
    counter = page.locator(f"#counter-{works['hours'].pk}")
    expect(counter.locator(".reading")).to_have_text(re.compile(r"1108\s+h"))
    expect(counter.locator("circle.chart-dot")).to_have_count(7)
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("assets-resource-phone")

    # A value below the last one is refused on the field, and nothing is stored.
    counter.get_by_text("Enter a reading").click()
    counter.get_by_label("Value (h)").fill("1100")
    counter.get_by_role("button", name="Save reading").click()
    expect(page.get_by_role("heading", name="New reading: Operating hours")).to_be_visible()
    expect(page.locator("ul.errorlist")).to_contain_text("below the previous reading 1108")
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("assets-reading-error-phone")

    page.get_by_label("Value (h)").fill("1126.5")
    page.get_by_role("button", name="Save reading").click()
    expect(page.get_by_text("Reading 1126.5 h recorded for Operating hours.")).to_be_visible()
    counter = page.locator(f"#counter-{works['hours'].pk}")
    expect(counter.locator(".reading")).to_have_text(re.compile(r"1126.5\s+h"))
    expect(counter.locator("circle.chart-dot")).to_have_count(8)
    expect(counter.locator("table.readings tbody tr").first).to_contain_text("1126.5")
    screenshot("assets-resource-after-reading-phone")


def test_search_resource_page_and_label_on_a_desktop(page: Page, live_server, works, screenshot, settings):
    settings.SITE_URL = live_server.url
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    log_in(page, base, "sara-supervisor")
    page.goto(f"{base}/assets/")
    screenshot("assets-tree-desktop")

    # Live search while typing (htmx swaps the results).
    page.get_by_label("Find a resource by tag or name").fill("pump")
    expect(page.get_by_text("2 resources found")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=pump"))
    screenshot("assets-search-desktop")

    page.get_by_role("link", name="P-0101 Raw water pump 1").click()
    expect(page.get_by_text("KSB-44871")).to_be_visible()
    screenshot("assets-resource-desktop")

    page.get_by_role("button", name="QR label").click()
    expect(page.get_by_role("heading", name="QR label of P-0101")).to_be_visible()
    expect(page.locator(".asset-label svg.qr-code")).to_be_visible()
    screenshot("assets-label-desktop")
    # The label's address is the resource page.
    page.locator(".asset-label-url a").click()
    expect(page.get_by_role("heading", name="P-0101 · Raw water pump 1")).to_be_visible()
