"""A tile's trend: which way the number moved against the previous period, and whether that is good
(``KpiDefinition.better``); and how the numbers are written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reports.dashboard import Tile, as_number
from reports.kpis.common import KpiDefinition
from reports.templatetags.kpi_format import kpi_change, kpi_value

BACKLOG = KpiDefinition("backlog_orders", "Open orders", "count", "Orders open at the end.", "lower")
COMPLIANCE = KpiDefinition("pm_compliance", "PM compliance", "%", "Closed by late due.", "higher")
BREAKDOWNS = KpiDefinition("breakdowns", "Breakdowns", "count", "Corrective orders.", "neither")


@pytest.mark.parametrize(
    ("definition", "value", "previous", "trend", "quality", "change"),
    [
        (BACKLOG, 12, 9, "up", "bad", 3),  # 12 - 9 = +3 open orders: worse
        (BACKLOG, 7, 9, "down", "good", -2),
        (COMPLIANCE, 92.5, 90, "up", "good", 2.5),
        (COMPLIANCE, 80, 90, "down", "bad", -10),
        (BREAKDOWNS, 5, 3, "up", "neutral", 2),
        (BACKLOG, 4, 4, "same", "neutral", 0),
        (BACKLOG, 4, None, "", "neutral", None),
        (COMPLIANCE, None, 90, "", "neutral", None),  # no PM due this period: nothing to compare
    ],
)
def test_trend_and_whether_it_is_good(definition, value, previous, trend, quality, change) -> None:
    tile = Tile(definition, as_number(value), as_number(previous), "/orders/")
    assert (tile.trend, tile.trend_quality, tile.change) == (trend, quality, change)


def test_kpi_values_come_as_numbers_of_any_kind() -> None:
    assert as_number(Decimal("12.50")) == 12.5
    assert as_number(3) == 3.0
    assert as_number(None) is None
    with pytest.raises(TypeError):
        as_number("12")


def test_how_numbers_are_written() -> None:
    assert kpi_value(1234.0, "count") == "1,234"
    assert kpi_value(87.24, "%") == "87.2 %"
    assert kpi_value(12.0, "h") == "12 h"
    assert kpi_value(1500.5, "money") == "1,500.50"
    assert kpi_value(None, "h") == "—"
    assert kpi_change(-1.5, "h") == "\u22121.5 h"
    assert kpi_change(3.0, "count") == "+3"
    assert kpi_change(0.0, "count") == "±0"


@pytest.mark.django_db
def test_a_dashboard_reads_its_sites_time_zones_once(django_assert_num_queries) -> None:
    from assets.factories import SiteFactory
    from reports.dashboard import zone_cached
    from reports.kpis.common import Scope

    nairobi, berlin = SiteFactory(time_zone="Africa/Nairobi"), SiteFactory(time_zone="Europe/Berlin")
    scope = zone_cached(Scope(site_ids=[nairobi.pk, berlin.pk]))
    with django_assert_num_queries(1):
        first = list(scope.zone_groups())
        assert list(scope.zone_groups()) == first
    assert [(str(zone), ids) for zone, ids in first] == [
        ("Africa/Nairobi", [nairobi.pk]),
        ("Europe/Berlin", [berlin.pk]),
    ]
    narrowed = scope.with_site(berlin.pk)  # a new scope reads its own
    with django_assert_num_queries(1):
        assert [ids for _zone, ids in narrowed.zone_groups()] == [[berlin.pk]]
    assert zone_cached(scope) is scope
