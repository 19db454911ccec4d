"""The monthly report document: the site's month in its time zone, its KPIs against the month before,
the sections' charts and tables, and a readable PDF even for a site with no history at all."""

from __future__ import annotations

import datetime
import io
import zoneinfo
from decimal import Decimal

import pypdf
import pytest

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.pdf import render_pdf
from orders.models import LabourEntry, OrderKind, WorkOrder
from people.factories import EmployeeFactory
from reports.kpis.common import period_containing
from reports.kpis.costs import COST_KPIS
from reports.monthly import kpi_tiles, last_complete_month, monthly_report_document

pytestmark = pytest.mark.django_db

NAIROBI = zoneinfo.ZoneInfo("Africa/Nairobi")
NOVEMBER = period_containing("month", datetime.date(2026, 11, 1))
LATER = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)


def pdf_text(pdf: bytes) -> tuple[int, str]:
    assert pdf.startswith(b"%PDF")
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    return len(pages), "\n".join(page.extract_text() for page in pages)


def test_a_site_with_no_history_still_gets_a_readable_report() -> None:
    site = SiteFactory(code="NEW", name="New site", time_zone="Africa/Nairobi")
    document = monthly_report_document(site, NOVEMBER, now=LATER)
    assert [section.heading for section in document.sections] == ["Scope", "Work orders", "Failures", "Cost", "Stock"]
    pages, text = pdf_text(render_pdf(document))
    assert pages >= 1
    assert "Monthly maintenance report" in text
    assert "New site · 2026-11" in text
    assert "New site (NEW), 2026-11-01 to 2026-11-30, in the time zone Africa/Nairobi." in text
    assert "No costs were recorded for this site in the month." in text
    assert "Stock-outs" in text
    assert "No data for this period." in text  # the Pareto of a month without failures
    assert "Generated 2026-12-04 15:00" in text  # 12:00 UTC written in Nairobi time


def test_the_cost_of_the_month_against_the_month_before() -> None:
    site = SiteFactory(code="N1", name="North works", time_zone="Africa/Nairobi")
    pump = ResourceFactory(area=AreaFactory(parent=site), tag="P-7", name="Feed pump")
    order = WorkOrder.objects.create(number="WO-1", kind=OrderKind.CORRECTIVE, site=site, resource=pump, title="Seal")
    fitter = EmployeeFactory(currency="USD")

    def labour(cost: str, when: datetime.datetime) -> None:
        LabourEntry.objects.create(
            order=order, employee=fitter, hours=Decimal(1), cost=Decimal(cost), currency="USD", recorded_at=when
        )

    labour("120.00", datetime.datetime(2026, 11, 3, 9, tzinfo=NAIROBI))
    labour("30.50", datetime.datetime(2026, 11, 30, 23, 30, tzinfo=NAIROBI))  # still November in Nairobi
    labour("80.00", datetime.datetime(2026, 10, 15, 9, tzinfo=NAIROBI))
    labour("999.00", datetime.datetime(2026, 12, 1, 0, 30, tzinfo=NAIROBI))  # December: not in the report
    document = monthly_report_document(site, NOVEMBER, now=LATER)
    cost = next(section for section in document.sections if section.heading == "Cost")
    total = next(tile for tile in cost.tiles if tile.label == COST_KPIS["cost_total"].label)
    # November: 120.00 + 30.50 = 150.50 USD; October: 80.00 USD.
    assert (total.value, total.previous, total.unit) == (Decimal("150.50"), Decimal("80.00"), "USD")
    by_category = next(chart for chart in cost.charts if chart.kind == "stacked_bar")
    assert by_category.categories[-1] == "2026-11"
    assert len(by_category.categories) == 12
    labour_series = next(series for series in by_category.series if series.name == "Labour")
    assert labour_series.values[-2:] == (80.0, 150.5)
    [top] = cost.tables
    assert top.rows == [["P-7", "Feed pump", Decimal("150.50"), 0, 0, 0, Decimal("150.50")]]
    _pages, text = pdf_text(render_pdf(document))
    assert "150.50 USD" in text
    assert "previous period: 80 USD (+70.50)" in text
    assert "P-7 Feed pump" in text  # the top-resources chart's label


def test_tiles_per_currency_and_without_a_previous_period() -> None:
    definitions = {"cost_total": COST_KPIS["cost_total"]}
    tiles = kpi_tiles(definitions, {"cost_total": {"EUR": 5, "USD": 7}}, {"cost_total": {"USD": 3}})
    assert [(t.label, t.value, t.unit, t.previous) for t in tiles] == [
        ("Maintenance cost (EUR)", 5, "EUR", None),
        ("Maintenance cost (USD)", 7, "USD", 3),
    ]
    [none] = kpi_tiles(definitions, {"cost_total": {}}, None)
    assert (none.value, none.trend) == (None, False)


def test_the_report_covers_the_last_month_over_in_the_sites_zone() -> None:
    lima = SiteFactory(time_zone="America/Lima")
    # 03:00 UTC on 1 December is 22:00 on 30 November in Lima: November is not over there yet.
    assert last_complete_month(lima, datetime.datetime(2026, 12, 1, 3, tzinfo=datetime.UTC)).label == "2026-10"
    assert last_complete_month(lima, datetime.datetime(2026, 12, 1, 6, tzinfo=datetime.UTC)).label == "2026-11"


def test_the_report_reads_in_constant_queries_however_much_history() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def site_with_costs(code: str, resources: int):
        site = SiteFactory(code=code, time_zone="Africa/Nairobi")
        fitter = EmployeeFactory(currency="USD")
        for n in range(resources):
            pump = ResourceFactory(area=AreaFactory(parent=site), tag=f"{code}-{n}")
            order = WorkOrder.objects.create(
                number=f"WO-{code}-{n}", kind=OrderKind.CORRECTIVE, site=site, resource=pump, title="Seal"
            )
            LabourEntry.objects.create(
                order=order,
                employee=fitter,
                hours=Decimal(1),
                cost=Decimal(10 + n),
                currency="USD",
                recorded_at=datetime.datetime(2026, 11, 3 + n, 9, tzinfo=NAIROBI),
            )
        return site

    small, large = site_with_costs("S", 1), site_with_costs("L", 8)
    with CaptureQueriesContext(connection) as few:
        monthly_report_document(small, NOVEMBER, now=LATER)
    with CaptureQueriesContext(connection) as many:
        document = monthly_report_document(large, NOVEMBER, now=LATER)
    assert len(many) == len(few)
    cost = next(section for section in document.sections if section.heading == "Cost")
    assert len(cost.tables[0].rows) == 8


def test_the_failure_causes_of_the_month_as_a_pareto() -> None:
    from core.testing import force_update
    from orders.models import ExecutionState, FailureCode, FailureKind

    site = SiteFactory(code="F1", name="Failing works", time_zone="Africa/Nairobi")
    pump = ResourceFactory(area=AreaFactory(parent=site), tag="P-1")
    wear = FailureCode.objects.create(kind=FailureKind.CAUSE, code="WEAR", name="Wear")
    seal = FailureCode.objects.create(kind=FailureKind.CAUSE, code="SEAL", name="Seal failure")

    def closed(number: str, cause, when: datetime.datetime) -> None:
        order = WorkOrder.objects.create(
            number=number, kind=OrderKind.CORRECTIVE, site=site, resource=pump, title=number
        )
        force_update(
            WorkOrder.objects.filter(pk=order.pk),
            execution_state=ExecutionState.CLOSED,
            closed_at=when,
            failure_cause=cause,
        )

    november = datetime.datetime(2026, 11, 10, 9, tzinfo=NAIROBI)
    closed("WO-1", wear, november)
    closed("WO-2", seal, november)
    closed("WO-3", seal, november)
    closed("WO-4", seal, datetime.datetime(2026, 10, 10, 9, tzinfo=NAIROBI))  # October: not counted
    closed("WO-5", None, datetime.datetime(2026, 11, 30, 23, 0, tzinfo=NAIROBI))  # still November in Nairobi
    document = monthly_report_document(site, NOVEMBER, now=LATER)
    failures = next(section for section in document.sections if section.heading == "Failures")
    [chart] = failures.charts
    assert chart.kind == "pareto"
    assert chart.categories == ("SEAL Seal failure", "WEAR Wear", "Not coded")
    assert chart.series[0].values == (2.0, 1.0, 1.0)
    [table] = failures.tables
    # Cumulative shares of the 4 orders: 2/4, 3/4, 4/4.
    assert [row[-1] for row in table.rows] == [50.0, 75.0, 100.0]
    _pages, text = pdf_text(render_pdf(document))
    assert "Seal failure" in text


def test_downtime_and_breakdowns_of_the_month() -> None:
    from orders.models import DowntimeKind, DowntimePeriod
    from reports.kpis.orders import ORDER_KPIS

    site = SiteFactory(code="D1", name="Downtime works", time_zone="Africa/Nairobi")
    building = AreaFactory(parent=site)
    pump, fan = (
        ResourceFactory(area=building, tag="P-1", name="Pump"),
        ResourceFactory(area=building, tag="F-1", name="Fan"),
    )

    def down(resource, start: datetime.datetime, hours: int) -> None:
        order = WorkOrder.objects.create(
            number=f"WO-{resource.tag}-{start:%m%d}",
            kind=OrderKind.CORRECTIVE,
            site=site,
            resource=resource,
            title="x",
            created_at=start,  # reported when it went down
        )
        DowntimePeriod.objects.create(
            resource=resource,
            kind=DowntimeKind.DOWN,
            started_at=start,
            ended_at=start + datetime.timedelta(hours=hours),
            reason="broke",
            order=order,
        )

    down(pump, datetime.datetime(2026, 11, 5, 8, tzinfo=NAIROBI), 5)
    down(pump, datetime.datetime(2026, 11, 20, 8, tzinfo=NAIROBI), 2)
    down(fan, datetime.datetime(2026, 11, 12, 8, tzinfo=NAIROBI), 3)
    document = monthly_report_document(site, NOVEMBER, now=LATER)
    work = next(section for section in document.sections if section.heading == "Work orders")
    top = next(chart for chart in work.charts if chart.key == "top_downtime")
    # The pump: 5 + 2 = 7 h; the fan: 3 h.
    assert top.categories == ("P-1 Pump", "F-1 Fan")
    assert top.series[0].values == (7.0, 3.0)
    tiles = {tile.label: tile for tile in work.tiles}
    assert tiles[ORDER_KPIS["downtime_hours"].label].value == 10.0
    assert tiles[ORDER_KPIS["breakdowns"].label].value == 3  # three corrective orders reported in November
    backlog = next(chart for chart in work.charts if chart.key == "backlog")
    assert backlog.kind == "line"
    assert len(backlog.categories) == 12
    _pages, text = pdf_text(render_pdf(document))
    assert "Top 10 resources by downtime" in text
    assert "MTBF" in text
