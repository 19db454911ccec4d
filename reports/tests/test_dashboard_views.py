"""The dashboard screens: who sees them, which sites, the period picker and filters, tiles linking to
their lists, charts with their tables, the empty state and a query count that does not grow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.roles import ADMINISTRATOR, PLANNER, REQUESTER, STOREKEEPER, SUPERVISOR, TECHNICIAN
from orders.models import OrderKind, WorkOrder
from orders.services import allocate_order_numbers

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory(name="North works", time_zone="Africa/Nairobi")


@pytest.fixture
def other_site():
    return SiteFactory(name="South works", time_zone="Europe/Berlin")


def site_url(site) -> str:
    return reverse("reports:site_dashboard", args=[site.pk])


@pytest.mark.parametrize("role", [TECHNICIAN, REQUESTER, STOREKEEPER])
def test_other_roles_are_refused(client, role_user, site, role) -> None:
    client.force_login(role_user(role, site=site))
    for url in (site_url(site), reverse("reports:dashboard"), reverse("reports:kpi_table")):
        assert client.get(url).status_code == 403


def test_anonymous_goes_to_log_in(client, site) -> None:
    response = client.get(site_url(site))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("role", [SUPERVISOR, PLANNER, ADMINISTRATOR])
def test_the_roles_that_decide_see_their_sites_dashboard(client, role_user, site, role) -> None:
    client.force_login(role_user(role, site=site))
    response = client.get(site_url(site))
    assert response.status_code == 200
    assert response.context["site"] == site
    assert response.context["scope"].site_id == site.pk
    assert "North works" in response.content.decode()


def test_another_sites_dashboard_is_not_found(client, role_user, site, other_site) -> None:
    client.force_login(role_user(SUPERVISOR, site=site))
    assert client.get(site_url(other_site)).status_code == 404
    assert client.get(reverse("reports:site_kpi_table", args=[other_site.pk])).status_code == 404
    building = AreaFactory(parent=site)  # an area that is not a site
    assert client.get(site_url(building)).status_code == 404


def test_the_organisation_dashboard_shows_only_visible_sites(client, role_user, site, other_site) -> None:
    client.force_login(role_user(PLANNER, site=site))
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    assert [row["site"] for row in response.context["site_rows"]] == [site]
    body = response.content.decode()
    assert site_url(site) in body
    assert site_url(other_site) not in body
    assert response.context["scope"].site_ids == [site.pk]


def test_an_administrator_sees_every_site(client, role_user, site, other_site) -> None:
    client.force_login(role_user(ADMINISTRATOR))
    response = client.get(reverse("reports:dashboard"))
    assert [row["site"] for row in response.context["site_rows"]] == [site, other_site]


def test_the_period_defaults_to_the_current_month_at_the_site(client, role_user, site) -> None:
    from reports.views import site_today

    client.force_login(role_user(SUPERVISOR, site=site))
    period = client.get(site_url(site)).context["period"]
    today = site_today(site)
    assert period.grain == "month"
    assert period.first_day == today.replace(day=1)


def test_the_period_picker_and_its_neighbours(client, role_user, site) -> None:
    client.force_login(role_user(SUPERVISOR, site=site))
    response = client.get(site_url(site), {"grain": "quarter", "day": "2025-05-17"})
    period = response.context["period"]
    assert (period.label, period.first_day.isoformat(), period.end_day.isoformat()) == (
        "2025-Q2",
        "2025-04-01",
        "2025-07-01",
    )
    links = response.context["period_links"]
    assert "day=2025-01-01" in links["previous"]
    assert "day=2025-07-01" in links["next"]
    assert "grain=quarter" in links["previous"]


def test_filters_build_the_scope_and_bad_input_is_shown(client, role_user, site, other_site) -> None:
    building = AreaFactory(parent=site)
    foreign = AreaFactory(parent=other_site)
    client.force_login(role_user(SUPERVISOR, site=site))
    scope = client.get(site_url(site), {"area": building.pk, "criticality": "3"}).context["scope"]
    assert (scope.area_path, scope.criticality, scope.site_id) == (building.path, 3, site.pk)
    response = client.get(site_url(site), {"area": foreign.pk, "criticality": "9", "day": "not a day"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"area", "criticality", "day"}
    assert response.context["scope"].area_path is None  # the bad filters count as not given
    assert 'aria-invalid="true"' in response.content.decode()
    for day in ("0001-01-01", "9999-12-31"):  # periods whose neighbours would not be dates
        response = client.get(site_url(site), {"grain": "year", "day": day})
        assert response.status_code == 200
        assert "day" in response.context["form"].errors


def test_tiles_link_to_their_lists_and_say_how_they_are_counted(client, role_user, site) -> None:
    from reports.kpis.orders import ORDER_KPIS

    client.force_login(role_user(SUPERVISOR, site=site))
    response = client.get(site_url(site))
    tiles = {tile.key: tile for tile in response.context["tiles"]}
    assert set(ORDER_KPIS) <= set(tiles)
    body = response.content.decode()
    for key in ("backlog_orders", "overdue_orders", "pm_compliance"):
        tile = tiles[key]
        assert tile.link, key
        assert f'href="{tile.link}"'.replace("&", "&amp;") in body
        assert str(ORDER_KPIS[key].definition)[:40] in body.replace("&#x27;", "'")


def test_every_chart_has_its_table_or_its_empty_state(client, role_user, site) -> None:
    client.force_login(role_user(SUPERVISOR, site=site))
    response = client.get(site_url(site))
    body = response.content.decode()
    charts = response.context["charts"]
    assert {"backlog", "pm-compliance", "top-downtime", "failure-causes"} <= {c.key for c in charts}
    assert body.count("<svg") == len(charts)
    for chart in charts:
        if chart.is_empty:
            continue
        figure = body.split(f'id="chart-{chart.key}-figure"')[1].split("</figure>")[0]
        assert "<table" in figure, chart.key


def test_with_no_orders_the_charts_say_there_is_no_data(client, role_user) -> None:
    empty = SiteFactory(name="Empty works")
    client.force_login(role_user(SUPERVISOR, site=empty))
    body = client.get(site_url(empty), {"day": "2001-03-03"}).content.decode()
    assert "No data for this period" in body


def make_orders(site, count: int) -> None:
    resource = ResourceFactory(area=AreaFactory(parent=site))
    numbers = allocate_order_numbers(count)
    for number in numbers:
        WorkOrder.objects.create(number=number, kind=OrderKind.CORRECTIVE, site=site, resource=resource, title="Leak")


def test_the_query_count_does_not_grow_with_the_orders(client, role_user, site) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(role_user(SUPERVISOR, site=site))
    urls = [site_url(site), reverse("reports:dashboard"), reverse("reports:site_kpi_table", args=[site.pk])]
    for url in urls:
        client.get(url)  # sessions, content types: warm
    counts: dict[str, list[int]] = {url: [] for url in urls}
    for extra in (3, 27):  # 3 orders, then 30
        make_orders(site, extra)
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[url].append(len(queries))
    for url, (few, many) in counts.items():
        assert few == many, (url, few, many)


def test_the_dashboards_css_has_no_width_over_360px() -> None:
    css = (Path(__file__).resolve().parents[2] / "static/css/mms.css").read_text()
    block = css.split("/* === Dashboards and charts")[1].split("/* === end of dashboards and charts")[0]
    block = re.sub(r"@media[^{]*\{", "", block)  # the wider screens' conditions are no widths
    widths = re.findall(r"(?<![-\w])(width|min-width|flex-basis)\s*:\s*([^;]+);", block)
    widths += [("minmax", m) for m in re.findall(r"minmax\(([^,]+),", block)]
    assert widths, "the block sizes something"
    for prop, value in widths:
        for number, unit in re.findall(r"([\d.]+)(px|rem|em)", value):
            pixels = float(number) * (1 if unit == "px" else 16)
            assert pixels <= 360, (prop, value)


def test_the_backlog_tile_on_a_small_history(client, role_user, site) -> None:
    import datetime
    import zoneinfo

    nairobi = zoneinfo.ZoneInfo("Africa/Nairobi")
    resource = ResourceFactory(area=AreaFactory(parent=site))
    numbers = iter(allocate_order_numbers(3))
    for day in (datetime.date(2025, 1, 10), datetime.date(2025, 3, 5), datetime.date(2025, 3, 20)):
        WorkOrder.objects.create(
            number=next(numbers),
            kind=OrderKind.CORRECTIVE,
            site=site,
            resource=resource,
            title="Leak",
            created_at=datetime.datetime.combine(day, datetime.time(9), tzinfo=nairobi),
        )
    client.force_login(role_user(SUPERVISOR, site=site))
    response = client.get(site_url(site), {"grain": "month", "day": "2025-03-15"})
    tile = next(t for t in response.context["tiles"] if t.key == "backlog_orders")
    # Open at the end of March: the January order and both March ones = 3; at the end of February only
    # the January one = 1; so +2, and more open orders is worse.
    assert (tile.value, tile.previous, tile.change) == (3, 1, 2)
    assert (tile.trend, tile.trend_quality) == ("up", "bad")
    # The tile opens the order list with the same scope, at the same point in time.
    assert tile.link.startswith(reverse("orders:order_list") + "?")
    assert f"site={site.pk}" in tile.link
    assert "open_at=2025-04-01" in tile.link
    assert f'href="{tile.link}"'.replace("&", "&amp;") in response.content.decode()
    assert "+2 on the previous period" in response.content.decode()


def test_the_kpi_table_has_a_row_per_period_and_exports_csv(client, role_user, site) -> None:
    import csv
    import io

    import openpyxl

    from reports.kpis.orders import ORDER_KPIS

    client.force_login(role_user(PLANNER, site=site))
    url = reverse("reports:site_kpi_table", args=[site.pk])
    response = client.get(url, {"grain": "year", "day": "2025-06-01"})
    table = response.context["table"]
    assert [p.label for p in table.periods] == [str(year) for year in range(2014, 2026)]  # 12 years, 2025 last
    assert {c.key for c in table.columns} >= set(ORDER_KPIS)
    assert "export=csv" in response.context["csv_query"]
    download = client.get(url, {"grain": "year", "day": "2025-06-01", "export": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Period"
    assert [row[0] for row in rows[1:]] == [str(year) for year in range(2014, 2026)]
    assert len(rows[0]) == len(table.columns) + 1
    workbook = client.get(url, {"grain": "year", "day": "2025-06-01", "export": "xlsx"})
    assert workbook["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0] == rows[0]  # the same header
    assert [row[0] for row in cells[1:]] == [str(year) for year in range(2014, 2026)]
    assert all(isinstance(value, int | float) for value in cells[-1][1:] if value is not None)  # numbers, not text


@pytest.mark.parametrize(
    ("role", "shown"),
    [(SUPERVISOR, True), (PLANNER, True), (ADMINISTRATOR, True), (TECHNICIAN, False), (REQUESTER, False)],
)
def test_the_navigation_links_the_dashboards_for_the_roles_that_see_them(client, role_user, site, role, shown) -> None:
    client.force_login(role_user(role, site=site))
    html = client.get(reverse("home")).content.decode()
    nav = html.split('class="nav-wide"', 1)[1].split("</ul>", 1)[0]
    assert (f'href="{reverse("reports:dashboard")}"' in nav) is shown
    if role == PLANNER:  # the planner's sites link to their dashboards
        assert f'href="{site_url(site)}"' in html


def test_cost_tiles_and_chart_on_a_small_history(client, role_user, site) -> None:
    import datetime
    from decimal import Decimal

    from inventory.models import CostEntry, CostKind

    for day, amount in ((datetime.date(2025, 2, 10), "300"), (datetime.date(2025, 3, 10), "1200")):
        CostEntry.objects.create(
            kind=CostKind.EXTERNAL,
            site=site,
            description="Crane hire",
            amount=Decimal(amount),
            currency="KES",
            incurred_on=day,
        )
    user = role_user(SUPERVISOR, site=site)
    client.force_login(user)
    response = client.get(site_url(site), {"grain": "month", "day": "2025-03-15"})
    tiles = {tile.key: tile for tile in response.context["tiles"]}
    # March: 1,200 KES of external work; February: 300; so +900, and more cost is worse.
    external = tiles["cost_external-KES"]
    assert (external.value, external.previous, external.change, external.trend_quality) == (1200, 300, 900, "bad")
    assert tiles["cost_total-KES"].value == 1200  # nothing else was booked
    chart = next(c for c in response.context["charts"] if c.kind == "stacked_bar")
    header, rows = chart.table()
    assert rows[-1][0] == "2025-03"
    assert rows[-1][header.index("External")] == 1200
    assert rows[-2][header.index("External")] == 300
    body = client.get(reverse("reports:dashboard"), {"grain": "month", "day": "2025-03-15"}).content.decode()
    assert "1,200 KES" in body  # the site's row of the organisation's table


def test_the_failure_pareto_on_a_small_history(client, role_user, site) -> None:
    import datetime
    import zoneinfo

    from core.testing import force_update
    from orders.models import ExecutionState, FailureCode, FailureKind

    nairobi = zoneinfo.ZoneInfo("Africa/Nairobi")
    resource = ResourceFactory(area=AreaFactory(parent=site))
    wear = FailureCode.objects.create(kind=FailureKind.CAUSE, code="WEAR", name="Wear")
    seal = FailureCode.objects.create(kind=FailureKind.CAUSE, code="SEAL", name="Seal failure")
    for day, cause in ((3, seal), (10, wear), (12, wear), (20, wear)):
        order = WorkOrder.objects.create(
            number=allocate_order_numbers(1)[0], kind=OrderKind.CORRECTIVE, site=site, resource=resource, title="Leak"
        )
        closed = datetime.datetime(2025, 3, day, 12, tzinfo=nairobi)
        force_update(
            WorkOrder.objects.filter(pk=order.pk),
            execution_state=ExecutionState.CLOSED,
            closed_at=closed,
            failure_cause=cause,
        )
    client.force_login(role_user(SUPERVISOR, site=site))
    response = client.get(site_url(site), {"grain": "month", "day": "2025-03-15"})
    chart = next(c for c in response.context["charts"] if c.key == "failure-causes")
    # Wear 3 orders, seal failure 1: most first.
    assert chart.categories == ("Wear", "Seal failure")
    assert chart.series[0].values == (3.0, 1.0)
    assert all(link.startswith(reverse("orders:order_list")) for link in chart.series[0].links)
