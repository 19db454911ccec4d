"""A supervisor on a phone downloads a list as XLSX and the site's monthly report as PDF, and both open."""

from __future__ import annotations

import io

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
