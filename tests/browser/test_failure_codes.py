"""A technician completes a breakdown on a phone in real Chromium: what failed, why and what was done,
picked from the default ISO 14224-like codes; without a cause the form says so on its field."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.roles import REQUESTER, SUPERVISOR, TECHNICIAN
from core.testing import TEST_PASSWORD
from people.factories import make_role_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def test_technician_codes_a_breakdown_on_a_phone(page: Page, live_server, role_groups, screenshot):
    from orders import services
    from orders.failures import failure_codes_load_defaults
    from orders.models import ExecutionState, WorkOrder

    failure_codes_load_defaults()
    site = SiteFactory(name="Kisumu water works")
    pump = ResourceFactory(tag="P-0101", name="Raw water pump 1", area=AreaFactory(parent=site))
    technician = make_role_user(TECHNICIAN, site=site, username="tom-technician")
    supervisor = make_role_user(SUPERVISOR, site=site, username="samuel-supervisor")
    requester = make_role_user(REQUESTER, site=site, username="rose-requester")
    order = services.order_request_corrective(entity=pump, user=requester, title="Pump leaks at the seal")
    services.order_approve(order=order, user=supervisor)
    services.order_release(order=order, user=supervisor)
    services.order_begin(order=order, user=technician)

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("tom-technician")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/orders/{order.pk}/")

    page.get_by_role("button", name="Complete", exact=True).click()
    page.get_by_label("What failed (problem)").select_option(label="ELP · External leakage – process medium")
    page.get_by_role("button", name="Complete the work").click()
    # Back with the cause missing, on its field; nothing completed.
    expect(page.locator(".transition-complete")).to_contain_text("This field is required.")
    assert WorkOrder.objects.get(pk=order.pk).execution_state == ExecutionState.IN_PROGRESS
    page.get_by_label("Why (cause)").select_option(label="WEAR · Wear")
    page.get_by_label("What was done (remedy)").select_option(label="REPLACE · Replace")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"], f"page is {scroll_width} px wide in a {PHONE['width']} px viewport"
    screenshot("orders-complete-failure-codes-phone")
    page.get_by_role("button", name="Complete the work").click()

    expect(page.get_by_text(f"{order.number} completed; it now waits for acceptance.")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text(re.compile(r"ELP · External leakage.*cause WEAR · Wear.*REPLACE"))
    order.refresh_from_db()
    assert (order.failure_problem.code, order.failure_cause.code, order.failure_remedy.code) == (
        "ELP",
        "WEAR",
        "REPLACE",
    )
