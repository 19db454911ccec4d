"""The requester portal and the inbox in real Chromium.

A requester scans a pump's QR label (opens its page), reports a breakdown with a photo, and finds it in
"My requests"; a supervisor approves it, and the requester's unread count in the header goes down as
the notification is read.
"""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from PIL import Image
from playwright.sync_api import Page, expect

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from assets.models import Attachment
from core.roles import REQUESTER, SUPERVISOR
from core.testing import TEST_PASSWORD
from orders import services
from orders.models import ExecutionState, WorkOrder
from people.factories import make_role_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def clinic(role_groups):
    site = SiteFactory(name="Kibera health centre")
    sterile = AreaFactory(parent=site, code="CSSD", name="Sterile services")
    autoclave = ResourceFactory(tag="AC-01", name="Steam autoclave", area=sterile, manufacturer="Tuttnauer")
    ResourceFactory(tag="AC-02", name="Bench-top autoclave", area=sterile)
    return {
        "site": site,
        "autoclave": autoclave,
        "requester": make_role_user(REQUESTER, site=site, username="rita-requester"),
        "supervisor": make_role_user(SUPERVISOR, site=site, username="sam-supervisor"),
    }


def log_in(page: Page, base_url: str, username: str, next_url: str = "/") -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}{next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}{next_url}")


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def assert_no_horizontal_scroll(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"page is {scroll_width} px wide in a {width} px viewport"


def test_requester_reports_from_the_qr_page_with_a_photo_and_follows_it(
    page: Page, live_server, clinic, screenshot, settings
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    autoclave = clinic["autoclave"]
    page.set_viewport_size(PHONE)

    # Scanning the label opens the resource page (after signing in).
    label_url = f"{base}/assets/resources/{autoclave.pk}/"
    log_in(page, base, "rita-requester", next_url=f"/assets/resources/{autoclave.pk}/")
    expect(page).to_have_url(label_url)
    expect(page.get_by_role("heading", name="AC-01 · Steam autoclave")).to_be_visible()
    page.get_by_role("button", name="Report a problem").click()

    # The autoclave is already chosen; an empty title is refused on its field, and the chosen one is kept.
    expect(page.locator(".chosen-resource")).to_contain_text("AC-01")
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("portal-report-phone")
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator("ul.errorlist")).to_contain_text("This field is required.")
    expect(page.locator(".chosen-resource")).to_contain_text("AC-01")

    page.get_by_label("What is wrong?").fill("Door gasket leaks steam")
    page.get_by_label("Details").fill("Started this morning during the second cycle.")
    page.get_by_label("How urgent is it?").select_option(label="Urgent")
    page.get_by_label("Photo (optional)").set_input_files(
        files=[{"name": "gasket.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    page.get_by_role("button", name="Send the report").click()

    expect(page.get_by_role("heading", name="My requests")).to_be_visible()
    order = WorkOrder.objects.get()
    expect(page.get_by_text(re.compile(rf"your request {order.number} was sent"))).to_be_visible()
    expect(page.locator("#requests")).to_contain_text("Door gasket leaks steam")
    expect(page.locator("#requests")).to_contain_text("Waiting for a supervisor to look at it.")
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("portal-my-requests-phone")
    assert order.requester.username == "rita-requester"
    attachment = Attachment.objects.get(content_type=ContentType.objects.get_for_model(WorkOrder), object_id=order.pk)
    assert attachment.original_name == "gasket.jpg"


def test_search_report_then_inbox_count_goes_down_as_notifications_are_read(
    page: Page, live_server, clinic, screenshot
):
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    log_in(page, base, "rita-requester")
    page.locator(".nav-wide").get_by_role("link", name="Report a problem").click()

    # No resource chosen: find it by typing (htmx lists matches as choices).
    page.get_by_label("Find it by tag or name").fill("bench")
    choice = page.get_by_label(re.compile("AC-02 Bench-top autoclave"))
    expect(choice).to_be_checked()  # the only match is chosen
    page.get_by_label("What is wrong?").fill("Display shows error E4")
    screenshot("portal-report-search-desktop")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", name="My requests")).to_be_visible()
    expect(page.locator(".nav-wide .unread-count")).to_have_count(0)
    screenshot("portal-my-requests-desktop")

    # A supervisor approves and releases it: two notifications for the requester.
    order = WorkOrder.objects.get()
    services.order_approve(order=order, user=clinic["supervisor"])
    services.order_release(order=order, user=clinic["supervisor"])
    assert WorkOrder.objects.get().execution_state == ExecutionState.RELEASED
    page.reload()
    badge = page.locator(".nav-wide .unread-count")
    expect(badge).to_contain_text("2")

    page.locator(".nav-wide").get_by_role("link", name=re.compile("Inbox")).click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.locator("li.notification.unread")).to_have_count(2)
    screenshot("inbox-desktop")

    # Mark one read in place (htmx): the header count follows without a reload.
    page.locator("li.notification.unread").first.get_by_role("button", name="Mark read").click()
    expect(page.locator("li.notification.unread")).to_have_count(1)
    expect(badge).to_contain_text("1")

    # Opening the other one reads it and follows its link.
    page.locator("li.notification.unread").first.get_by_role("link").click()
    expect(page).not_to_have_url(re.compile(r"/people/inbox/"))
    expect(page.locator(".nav-wide .unread-count")).to_have_count(0)

    page.set_viewport_size(PHONE)
    page.goto(f"{base}/people/inbox/")
    expect(page.locator("li.notification")).to_have_count(2)
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot("inbox-phone")
