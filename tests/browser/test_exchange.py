"""Data exchange in real Chromium: an administrator uploads the Duplex COBie workbook, reviews the dry run,
imports it, puts its pump on the map with a GeoJSON file, finds it there, and finds the workbook's Job as a
plan waiting for approval.

The Duplex workbook is a design-stage handover without Job rows; the test adds one (a pump service every
6 months, as a maintainer's handover would) to a copy in a temporary folder before uploading it. Where the
shared data is not on the machine, the journey runs on the small clinic workbook the COBie tests make, so
the browser test still runs (it is never skipped in CI).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from core.roles import ADMINISTRATOR
from core.testing import TEST_PASSWORD
from exchange.tests.conftest import shared_data_dir
from people.factories import make_role_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class Handover:
    path: Path
    components: int
    pump: str
    job: str


@pytest.fixture
def handover(tmp_path: Path) -> Handover:
    source = shared_data_dir() / "cobie" / "2012-03-23-Duplex-Design.xlsx"
    if not source.is_file():
        from exchange.tests.cobie_workbooks import facility, write

        sheets = facility()
        path = write(tmp_path / "Clinic-handover.xlsx", sheets)
        return Handover(path, len(sheets["Component"]), "Pump 1", "Inspect pump")
    path = tmp_path / "Duplex-handover.xlsx"
    shutil.copy(source, path)
    book = openpyxl.load_workbook(path)
    sheet = book["Job"]
    headers = [cell.value for cell in sheet[1]]
    row = dict.fromkeys(headers, "n/a")
    row.update(
        {
            "Name": "Inline pump service",
            "CreatedBy": "constan2@illinois.edu",
            "CreatedOn": "2011-05-25T19:06:43",
            "Category": "PM",
            "Status": "Not Yet Started",
            "TypeName": "Inline Pump",
            "Description": "Check the seal, bearings and coupling; clean the strainer.",
            "Duration": 2,
            "DurationUnit": "hour",
            "Frequency": 6,
            "FrequencyUnit": "month",
            "TaskNumber": "1",
            "ResourceNames": "Plumber",
        }
    )
    sheet.append([row[header] for header in headers])
    book.save(path)
    return Handover(path, 232, "Inline Pump-1", "Inline pump service")


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/")


def import_through_the_screen(page: Page, base_url: str, format: str, path: Path, site: int | None = None) -> None:
    page.goto(f"{base_url}/exchange/")
    form = page.locator("#import-form")
    form.get_by_label("Format").select_option(format)
    form.get_by_label("File").set_input_files(str(path))
    if site:
        form.get_by_label("Site").select_option(value=str(site))
    form.get_by_label("Run").select_option("dry_run")
    page.locator("#import-submit").click()
    expect(page.locator("#run-outcome")).to_be_visible()


def test_an_administrator_imports_the_duplex_handover_and_finds_its_pump_and_job(
    page: Page, live_server, role_groups, handover: Handover, tmp_path: Path, screenshot
) -> None:
    from assets.models import Resource
    from plans.models import ChangeSetState, MaintenancePlan

    make_role_user(ADMINISTRATOR, username="ada-admin")
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server.url, "ada-admin")

    # The dry run: what each sheet becomes, and nothing written yet.
    import_through_the_screen(page, live_server.url, "cobie", handover.path)
    expect(page.locator("#run-outcome")).to_contain_text("Checked")
    components = page.locator('.outcome-row[data-sheet="Component"][data-record="resource"]')
    expect(components.locator(".created")).to_have_text(str(handover.components))
    expect(page.locator('.outcome-row[data-sheet="Job"]').first).to_be_visible()
    screenshot("exchange-cobie-dry-run")
    assert not Resource.objects.exists()

    page.locator("#confirm-import").click()
    expect(page.locator("#run-outcome")).to_contain_text("Written")
    pump = Resource.objects.get(name=handover.pump)
    site = pump.area.site

    # Put the pump on the map: a GeoJSON point matched by the pump's name.
    geojson = tmp_path / "pump.geojson"
    geojson.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": handover.pump},
                        "geometry": {"type": "Point", "coordinates": [-88.2434, 40.1164]},
                    }
                ],
            }
        )
    )
    import_through_the_screen(page, live_server.url, "geojson", geojson, site=site.pk)
    expect(page.locator("#run-outcome")).to_contain_text("Checked")
    page.locator("#confirm-import").click()
    expect(page.locator("#run-outcome")).to_contain_text("Written")

    # The map: the pump's marker and its list entry, which leads to its page.
    page.goto(f"{live_server.url}/exchange/map/?site={site.pk}")
    expect(page.locator("#map-status")).to_contain_text("on the map")
    expect(page.locator(f'.map-marker[data-tag="{pump.tag}"]')).to_have_count(1)
    entry = page.locator(f"#map-feature-{pump.tag.replace(' ', '_')}")
    expect(entry).to_contain_text(handover.pump)
    screenshot("exchange-map-pump")
    entry.get_by_role("link", name=handover.pump).first.click()
    expect(page.locator("h1")).to_contain_text(handover.pump)

    # The Job: a plan of the pump's type, in a change set waiting for approval.
    plan = MaintenancePlan.objects.get(versions__activities__name__icontains=handover.job)
    change_set = plan.versions.get().change_set
    assert change_set.state == ChangeSetState.IN_APPROVAL
    page.goto(f"{live_server.url}/plans/change-sets/?state=in_approval")
    expect(page.locator("main")).to_contain_text(plan.code)
    screenshot("exchange-job-plan-in-approval")
