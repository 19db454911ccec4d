"""The storekeeper's journey in real Chromium on a phone: receive part of a purchase order, see the stock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from mms.roles import STOREKEEPER, SUPERVISOR
from mms.testing import TEST_PASSWORD, AreaFactory, PartFactory, SiteFactory, VendorFactory, make_role_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def ordered(role_groups):
    """A purchase order placed with a vendor for two parts, to be delivered to the main store."""
    from inventory import services
    from inventory.factories import location

    site = SiteFactory(name="Kisumu water works")
    store = location(code="MAIN", name="Main store", area=AreaFactory(parent=site, name="Workshop"))
    keeper = make_role_user(STOREKEEPER, site=site, username="stella-storekeeper")
    approver = make_role_user(SUPERVISOR, site=site, username="samuel-supervisor")
    order = services.purchase_order_create(
        vendor=VendorFactory(name="Pumps & Seals Ltd"), deliver_to=store, user=keeper
    )
    seal = PartFactory(part_number="SEAL-40", description="Mechanical seal 40 mm")
    filter_part = PartFactory(part_number="FLT-10", description="Oil filter")
    services.purchase_order_line_add(order=order, part=seal, quantity=6, unit_price="18.50", user=keeper)
    services.purchase_order_line_add(order=order, part=filter_part, quantity=4, unit_price="7.20", user=keeper)
    services.purchase_order_submit(order=order, user=keeper)
    services.purchase_order_approve(order=order, user=approver)
    services.purchase_order_place(order=order, user=keeper, vendor_reference="SO-7731")
    return {"order": order, "seal": seal}


def log_in(page: Page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/")


def assert_no_horizontal_scroll(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"page is {scroll_width} px wide in a {width} px viewport"


def test_a_storekeeper_receives_part_of_a_delivery_and_sees_it_in_stock(page: Page, live_server, ordered, screenshot):
    from inventory.models import PurchaseOrderState, StockBalance

    order = ordered["order"]
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "stella-storekeeper")
    menu = page.locator(".nav-narrow")
    menu.get_by_text("Menu", exact=True).click()
    menu.get_by_role("link", name="Stores").click()
    expect(page.get_by_role("heading", name="Stock")).to_be_visible()
    expect(page.get_by_text("Nothing is stocked in your sites yet.")).to_be_visible()

    page.get_by_role("link", name="Purchase orders").click()
    page.get_by_role("link", name=f"{order.number} Pumps & Seals Ltd").click()
    expect(page.locator("#order-state")).to_have_text("Ordered")
    page.get_by_label("SEAL-40 Mechanical seal 40 mm").fill("4")  # two seals will come later
    screenshot("inventory-receive-form-phone")
    page.get_by_role("button", name="Receive", exact=True).click()

    expect(page.get_by_text("1 line received into MAIN.")).to_be_visible()
    expect(page.locator("#order-state")).to_have_text("Partially received")
    expect(page.locator("#receipts")).to_contain_text("+4 pcs SEAL-40")
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("inventory-order-partially-received-phone")

    page.get_by_role("link", name="Stock", exact=True).click()
    row = page.locator(".stock-row", has_text="SEAL-40")
    expect(row.locator(".on-hand")).to_have_text("4 pcs")
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("inventory-stock-phone")

    order.refresh_from_db()
    assert order.state == PurchaseOrderState.PARTIALLY_RECEIVED
    assert StockBalance.objects.get(part=ordered["seal"]).on_hand == Decimal(4)
