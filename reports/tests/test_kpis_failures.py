"""The Pareto of failure causes on a hand-made history over two sites in two time zones: which orders
count (corrective, closed or reworked in the period at their site's local time), the downtime they
caused, the cumulative shares, the scope, the drill-down, and a query count that does not grow."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.testing import force_update
from orders.filters import WorkOrderFilterSet
from orders.models import DowntimeKind, DowntimePeriod, ExecutionState, FailureCode, FailureKind, OrderKind, WorkOrder
from orders.services import allocate_order_numbers
from reports.kpis.common import Scope, period_containing
from reports.kpis.failures import FAILURE_KPIS, ParetoRow, drilldown_query, failure_pareto

pytestmark = pytest.mark.django_db

NAIROBI = zoneinfo.ZoneInfo("Africa/Nairobi")  # UTC+3
LIMA = zoneinfo.ZoneInfo("America/Lima")  # UTC-5
MARCH = period_containing("month", datetime.date(2026, 3, 1))


def at(zone: zoneinfo.ZoneInfo, day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=zone)


@pytest.fixture
def history():
    nairobi = SiteFactory(name="Nairobi", time_zone="Africa/Nairobi")
    lima = SiteFactory(name="Lima", time_zone="America/Lima")
    pump = ResourceFactory(area=AreaFactory(parent=nairobi))
    blower = ResourceFactory(area=AreaFactory(parent=lima))
    codes = {
        value: FailureCode.objects.create(kind=kind, code=value, name=name)
        for kind, value, name in [
            (FailureKind.CAUSE, "WEAR", "Wear"),
            (FailureKind.CAUSE, "CORR", "Corrosion"),
            (FailureKind.CAUSE, "SEAL", "Seal failure"),
            (FailureKind.PROBLEM, "LEAK", "Leakage"),
        ]
    }
    orders: dict[str, WorkOrder] = {}

    def order(name, resource, closed_at, cause=None, *, problem=None, state=ExecutionState.CLOSED, kind=None, down=()):
        made = WorkOrder(
            number=allocate_order_numbers(1)[0],
            kind=OrderKind.CORRECTIVE,
            site=resource.area.site,
            resource=resource,
            title=name,
            created_at=closed_at - datetime.timedelta(days=2),
        )
        made.save()
        force_update(
            WorkOrder.objects.filter(pk=made.pk),
            execution_state=state,
            closed_at=closed_at,
            failure_cause=codes.get(cause),
            failure_problem=codes.get(problem),
            # A rework order (of another kind) with a cause counts nothing either.
            **({"kind": OrderKind.REWORK} if kind == "rework" else {}),
        )
        for start, hours in down:
            DowntimePeriod.objects.create(
                resource=resource,
                kind=DowntimeKind.DOWN,
                started_at=start,
                ended_at=start + datetime.timedelta(hours=hours),
                reason=name,
                order=made,
            )
        orders[name] = made

    # Nairobi (March there: 2026-02-28 21:00 UTC to 2026-03-31 21:00 UTC).
    order("N1", pump, at(NAIROBI, 10, 12), "WEAR", problem="LEAK", down=[(at(NAIROBI, 10, 6), 4)])
    order("N2", pump, at(NAIROBI, 31, 23, 30), "WEAR")  # 20:30 UTC: still March in Nairobi
    order(
        "N3", pump, at(NAIROBI, 1, 0, 30), "CORR", down=[(at(NAIROBI, 28, 20, month=2), 1.5), (at(NAIROBI, 1, 0), 0.5)]
    )
    order("N4", pump, at(NAIROBI, 1, 0, 10, month=4), "WEAR")  # 31 March 21:10 UTC: April in Nairobi
    order("N5", pump, at(NAIROBI, 27, 9, month=2), "SEAL")  # February
    # Lima.
    order("L1", blower, at(LIMA, 31, 22), "CORR", problem="LEAK", down=[(at(LIMA, 31, 12), 6)])  # 1 April 03:00 UTC
    order("L2", blower, at(LIMA, 15, 9), "WEAR", state=ExecutionState.REWORKED)  # found, sent back: counts
    order("L3", blower, at(LIMA, 20, 9))  # closed without a cause
    order("L4", blower, at(LIMA, 5, 9), "SEAL", state=ExecutionState.CANCELED)  # a canceled request: no failure
    order("L5", blower, at(LIMA, 6, 9), "SEAL", kind="rework")  # not corrective
    return {"nairobi": nairobi, "lima": lima, "pump": pump, "codes": codes, "orders": orders}


def test_pareto_of_causes(history, django_assert_num_queries):
    codes = history["codes"]
    # Counted: N1, N2, N3 (Nairobi) and L1, L2, L3 (Lima) = 6 orders.
    # WEAR: N1, N2, L2 = 3 orders, downtime 4 h (N1)                      -> cumulative 3/6 = 0.5
    # CORR: N3, L1 = 2 orders, downtime 0.5 + 1.5 (N3) + 6 (L1) = 8 h      -> cumulative 5/6
    # Not coded: L3 = 1 order, no downtime                                  -> cumulative 6/6 = 1
    # (N4 closed in April in Nairobi, N5 in February; L4 canceled; L5 a rework order.)
    # Queries: the sites' time zones, then one per zone (two).
    with django_assert_num_queries(3):
        rows = failure_pareto(Scope(), MARCH)
    assert rows == [
        ParetoRow(codes["WEAR"].pk, "WEAR", "Wear", 3, 4.0, 0.5),
        ParetoRow(codes["CORR"].pk, "CORR", "Corrosion", 2, 8.0, 5 / 6),
        ParetoRow(None, "", "Not coded", 1, 0.0, 1.0),
    ]


def test_pareto_of_problems(history):
    # LEAK on N1 (4 h down) and L1 (6 h): 2 of the 6 orders, 10 h -> cumulative 2/6;
    # the other four have no problem code: N3's 2 h of downtime among them -> cumulative 1.
    rows = failure_pareto(Scope(), MARCH, level="problem")
    assert rows == [
        ParetoRow(history["codes"]["LEAK"].pk, "LEAK", "Leakage", 2, 10.0, 2 / 6),
        ParetoRow(None, "", "Not coded", 4, 2.0, 1.0),
    ]
    assert failure_pareto(Scope(), MARCH, level="remedy") == [ParetoRow(None, "", "Not coded", 6, 12.0, 1.0)]
    with pytest.raises(ValueError, match="unknown level"):
        failure_pareto(Scope(), MARCH, level="symptom")  # type: ignore[arg-type]


def test_pareto_of_one_site_and_one_resource(history, django_assert_num_queries):
    codes = history["codes"]
    # Nairobi only: WEAR N1, N2 (4 h) -> 2/3; CORR N3 (2 h) -> 3/3. One time zone: two queries.
    with django_assert_num_queries(2):
        rows = failure_pareto(Scope(site_id=history["nairobi"].pk), MARCH)
    assert rows == [
        ParetoRow(codes["WEAR"].pk, "WEAR", "Wear", 2, 4.0, 2 / 3),
        ParetoRow(codes["CORR"].pk, "CORR", "Corrosion", 1, 2.0, 1.0),
    ]
    # The user sees Lima only; the Lima blower by resource gives the same.
    lima = [history["lima"].pk]
    expected = [
        ParetoRow(codes["CORR"].pk, "CORR", "Corrosion", 1, 6.0, 1 / 3),
        ParetoRow(codes["WEAR"].pk, "WEAR", "Wear", 1, 0.0, 2 / 3),  # a tie on orders: more downtime first
        ParetoRow(None, "", "Not coded", 1, 0.0, 1.0),
    ]
    assert failure_pareto(Scope(site_ids=lima), MARCH) == expected
    blower = history["orders"]["L1"].resource_id
    assert failure_pareto(Scope(resource_id=blower), MARCH) == expected
    # April in Nairobi: N4 only.
    april = failure_pareto(Scope(site_id=history["nairobi"].pk), MARCH.next())
    assert april == [ParetoRow(codes["WEAR"].pk, "WEAR", "Wear", 1, 0.0, 1.0)]
    assert failure_pareto(Scope(site_id=history["nairobi"].pk), MARCH.previous().previous()) == []


def test_query_count_does_not_grow_with_orders(history, django_assert_num_queries):
    pump = history["pump"]
    for day in range(2, 20):
        made = WorkOrder(
            number=allocate_order_numbers(1)[0],
            kind=OrderKind.CORRECTIVE,
            site=pump.area.site,
            resource=pump,
            title="x",
        )
        made.save()
        force_update(
            WorkOrder.objects.filter(pk=made.pk),
            execution_state=ExecutionState.CLOSED,
            closed_at=at(NAIROBI, day, 10),
            failure_cause=history["codes"]["SEAL"],
        )
    with django_assert_num_queries(3):
        rows = failure_pareto(Scope(), MARCH)
    # SEAL: 18 more orders, first now; 18 of 24.
    assert (rows[0].code, rows[0].orders, rows[0].cumulative_share) == ("SEAL", 18, 18 / 24)


def test_drilldown_lists_the_orders_of_a_row(history):
    codes = history["codes"]
    scope = Scope(site_id=history["nairobi"].pk)
    query = drilldown_query(scope, MARCH, codes["WEAR"].pk)
    assert query == {
        "site": str(history["nairobi"].pk),
        "kind": "corrective",
        "execution_state": ["closed", "reworked"],
        "closed_after": "2026-03-01",
        "closed_before": "2026-04-01",
        "failure_cause": str(codes["WEAR"].pk),
    }
    assert drilldown_query(Scope(), MARCH, None, level="problem")["failure_problem"] == "none"
    # The cause filter of the order list: every WEAR order (the period is the list's closing-date filter).
    wear = WorkOrderFilterSet({"failure_cause": str(codes["WEAR"].pk)}, queryset=WorkOrder.objects.all())
    assert sorted(o.title for o in wear.qs) == ["L2", "N1", "N2", "N4"]
    uncoded = WorkOrderFilterSet({"failure_cause": "none", "status": "closed"}, queryset=WorkOrder.objects.all())
    assert sorted(o.title for o in uncoded.qs) == ["L3"]
    refused = WorkOrderFilterSet({"failure_cause": "wear"}, queryset=WorkOrder.objects.all())
    assert not refused.is_valid()
    assert "failure_cause" in refused.errors


def test_definition_is_written():
    kpi = FAILURE_KPIS["failure_pareto"]
    assert kpi.unit == "count"
    assert "closed in the period" in str(kpi.definition)
