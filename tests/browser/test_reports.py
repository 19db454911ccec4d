"""A supervisor on a phone: downloads a list as XLSX and the monthly report as PDF, and drills down from a
dashboard tile to its orders; every file downloaded opens."""

from __future__ import annotations

import io
import re

import openpyxl
import pypdf
import pytest
from playwright.sync_api import Page, expect

from assets.factories import AreaFactory, ResourceFactory
from core.roles import SUPERVISOR
from core.testing import TEST_PASSWORD
from people.factories import make_role_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/")


def test_a_supervisor_downloads_the_equipment_xlsx_and_the_monthly_pdf(page: Page, live_server, site) -> None:
    make_role_user(SUPERVISOR, site=site, username="samuel-supervisor")
    ResourceFactory(tag="=CMD()", name="A tag that looks like a formula", area=AreaFactory(parent=site))
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "samuel-supervisor")

    page.goto(f"{live_server.url}/assets/?q=pump")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export XLSX").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Tag"
    assert {row[0] for row in rows[1:]} >= {"P-0101", "P-0102", "BP-01"}

    page.goto(f"{live_server.url}/reports/monthly/")
    expect(page.get_by_role("heading", name="Monthly maintenance reports")).to_be_visible()
    with page.expect_download() as download_info:
        page.locator(f"#site-{site.pk}").get_by_role("link").click()
    download = download_info.value
    assert download.suggested_filename.startswith("monthly-report-")
    content = download.path().read_bytes()
    assert content.startswith(b"%PDF")
    text = "\n".join(page_.extract_text() for page_ in pypdf.PdfReader(io.BytesIO(content)).pages)
    assert "Kisumu water works" in text


def test_a_supervisor_drills_down_from_a_dashboard_tile_and_downloads_its_xlsx_and_pdf(
    page: Page, live_server, site
) -> None:
    """The dashboard on a phone: the backlog tile counts the site's open orders and opens exactly them; the
    KPI table downloads as an XLSX that opens, and the month's report as a PDF that opens."""
    from django.utils import timezone

    from orders.models import OrderKind, WorkOrder
    from orders.services import allocate_order_numbers

    make_role_user(SUPERVISOR, site=site, username="samuel-supervisor")
    pump = ResourceFactory(tag="RWP-07", name="Raw-water pump 7", area=AreaFactory(parent=site))
    already_open = WorkOrder.objects.filter(site=site).open().count()
    for number in allocate_order_numbers(3):
        WorkOrder.objects.create(
            number=number,
            kind=OrderKind.CORRECTIVE,
            site=site,
            resource=pump,
            title="Seal leaking",
            created_at=timezone.now(),
        )
    expected = already_open + 3
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "samuel-supervisor")

    page.goto(f"{live_server.url}/reports/sites/{site.pk}/")
    tile = page.locator("#kpi-backlog_orders")
    expect(tile.locator(".kpi-value")).to_have_text(str(expected))
    expect(page.locator("svg.mms-chart").first).to_be_visible()
    tile.locator("a.kpi-link").click()
    expect(page).to_have_url(re.compile(r"/orders/all/\?.*open_at="))
    expect(page.locator("#orders .order-row")).to_have_count(expected)
    expect(page.get_by_text("Seal leaking").first).to_be_visible()

    page.go_back()
    page.get_by_role("link", name="KPI table and exports").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export XLSX").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(download.path().read_bytes())).active.iter_rows(values_only=True))
    assert rows[0][0] == "Period"
    assert len(rows) == 13  # the header and the last 12 months

    page.go_back()
    with page.expect_download() as download_info:
        page.locator("#monthly-pdf").click()
    content = download_info.value.path().read_bytes()
    assert content.startswith(b"%PDF")
    text = "\n".join(page_.extract_text() for page_ in pypdf.PdfReader(io.BytesIO(content)).pages)
    assert "Kisumu water works" in text
