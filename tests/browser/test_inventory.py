"""The storekeeper's journey in real Chromium on a phone: receive part of a purchase order, see the stock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.roles import STOREKEEPER, SUPERVISOR
from core.testing import TEST_PASSWORD
from inventory.factories import PartFactory, VendorFactory
from people.factories import make_role_user

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
    # Work released before the seals arrived: its 2 seals are short, and wait for the delivery.
    from orders import services as order_services
    from orders.factories import planned_order
    from orders.models import PlannedPart

    work = planned_order(ResourceFactory(area=AreaFactory(parent=site), tag="RWP-01", name="Raw-water pump 1"))
    PlannedPart.objects.create(order=work, part=seal, quantity=Decimal(2))
    order_services.order_approve(order=work, user=approver)
    work = order_services.order_release(order=work, user=approver, location=store)
    return {"order": order, "seal": seal, "work": work, "store": store}


def log_in(page: Page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/")


def assert_no_horizontal_scroll(page: Page, width: int) -> None:
    page.wait_for_load_state()
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
    expect(page.locator(".stock-row", has_text="SEAL-40").locator(".on-hand")).to_have_text("0 pcs")

    work = ordered["work"]
    page.get_by_role("link", name="Issue to an order").click()
    held = page.locator("#reservations li", has_text=work.number)
    expect(held).to_contain_text("2 pcs short")
    expect(held.get_by_label("Hold at")).to_have_value(str(ordered["store"].pk))
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("inventory-issue-shortage-phone")

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
    expect(row.locator(".reserved")).to_have_text("2 pcs")  # the waiting work got its seals first
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("inventory-stock-phone")

    page.get_by_role("link", name="Budgets").click()
    expect(page.get_by_text("No budget and no spending recorded for")).to_be_visible()
    assert_no_horizontal_scroll(page, PHONE["width"])

    # The supervisor sees on the order page what the stores hold for the work, and what it cost.
    log_in(page, live_server.url, "samuel-supervisor")
    page.goto(f"{live_server.url}/orders/{work.pk}/")
    panel = page.locator("#stock")
    expect(panel).to_contain_text("needs 2 pcs · held 2 · issued 0")
    expect(panel).to_contain_text("at MAIN")
    expect(panel.get_by_text("No cost recorded yet.")).to_be_visible()
    assert_no_horizontal_scroll(page, PHONE["width"])
    panel.scroll_into_view_if_needed()
    screenshot("inventory-order-page-stock-phone")

    order.refresh_from_db()
    assert order.state == PurchaseOrderState.PARTIALLY_RECEIVED
    assert StockBalance.objects.get(part=ordered["seal"]).on_hand == Decimal(4)
