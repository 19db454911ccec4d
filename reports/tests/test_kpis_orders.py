"""Work-order KPIs on a hand-made history: March 2026 at a Nairobi site (UTC+3) and a Lima site (UTC-5).

Every number is worked out in the comments. The history has orders right at the month's edges in each
zone (23:30 on 31 March in Lima is 1 April in UTC, 00:30 on 1 April in Nairobi is 31 March in UTC), so a
KPI that cut the month in UTC would count them wrong. The drill-down tests ask the order list (the API
list, which filters with the same ``WorkOrderFilterSet`` as the screens) for each KPI's rows as an
Administrator and compare them with the orders each number counts.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.factories import AreaFactory, ResourceFactory, ResourceTypeFactory, SiteFactory
from assets.models import Criticality, EntityStatus
from orders import services
from orders.factories import planned_order
from orders.models import DowntimeKind, DowntimePeriod, ExecutionState, OrderKind, WorkOrder
from people.factories import make_role_user
from plans.factories import ActivityFactory
from plans.models import Priority
from reports.kpis.common import Scope, period_containing, periods_ending
from reports.kpis.orders import (
    DRILLDOWN_KEYS,
    ORDER_KPIS,
    SERIES_KEYS,
    backlog_breakdown,
    drilldown,
    drilldown_query,
    order_kpi_series,
    order_kpis,
    order_kpis_by_site,
    top_resources_by_downtime,
)

pytestmark = pytest.mark.django_db

NAIROBI = zoneinfo.ZoneInfo("Africa/Nairobi")
LIMA = zoneinfo.ZoneInfo("America/Lima")
MARCH = period_containing("month", datetime.date(2026, 3, 15))
NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)  # long after March: nothing is "still to come"


def local(zone: zoneinfo.ZoneInfo, *args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=zone)


def make_order(
    resource: Any = None,
    *,
    kind: str = OrderKind.CORRECTIVE,
    area: Any = None,
    created: datetime.datetime,
    state: str = ExecutionState.REQUESTED,
    completed: datetime.datetime | None = None,
    closed: datetime.datetime | None = None,
    early_due: datetime.datetime | None = None,
    due: datetime.datetime | None = None,
    late_due: datetime.datetime | None = None,
    on_time: bool | None = None,
    priority: int = Priority.NORMAL,
    minutes: int | None = None,
    rework_of: WorkOrder | None = None,
) -> WorkOrder:
    """An order with its history set directly (states are protected: set with ``update()``)."""
    if kind == OrderKind.PLANNED:
        order = planned_order(resource, activity=ActivityFactory(estimated_minutes=minutes))
    else:
        entity = {"resource": resource} if resource is not None else {"area": area}
        site = (resource.area if resource is not None else area).site
        order = WorkOrder(
            number=services.allocate_order_numbers(1)[0], kind=kind, site=site, title="Work", rework_of=rework_of
        )
        for name, value in entity.items():
            setattr(order, name, value)
        order.save()
    WorkOrder.objects.filter(pk=order.pk).update(
        created_at=created,
        execution_state=state,
        completed_at=completed,
        closed_at=closed,
        early_due_at=early_due,
        due_at=due,
        late_due_at=late_due,
        closed_on_time=on_time,
        priority=priority,
        state_reason="not needed" if state in (ExecutionState.SKIPPED, ExecutionState.REJECTED) else "",
    )
    order.refresh_from_db()
    return order


def down(resource: Any, start: datetime.datetime, end: datetime.datetime | None, order: Any = None) -> DowntimePeriod:
    return DowntimePeriod.objects.create(
        kind=DowntimeKind.DOWN, resource=resource, started_at=start, ended_at=end, reason="stopped", order=order
    )


@pytest.fixture
def history() -> dict[str, Any]:
    """The hand-made history; the comments give what each order counts for in March."""
    N, L = NAIROBI, LIMA
    nairobi, lima = SiteFactory(time_zone="Africa/Nairobi"), SiteFactory(time_zone="America/Lima")
    hall_n, hall_l = AreaFactory(parent=nairobi), AreaFactory(parent=lima)
    pumps, fans = ResourceTypeFactory(), ResourceTypeFactory()
    p1 = ResourceFactory(area=hall_n, resource_type=pumps, criticality=Criticality.HIGH)
    p2 = ResourceFactory(area=hall_n, resource_type=fans, criticality=Criticality.MEDIUM)
    p3 = ResourceFactory(area=hall_l, resource_type=pumps, criticality=Criticality.LOW)
    # Retired: its time counts for nothing, nor its downtime (3 resources in scope, not 4).
    retired = ResourceFactory(area=hall_l, resource_type=pumps, status=EntityStatus.RETIRED)
    closed, done = ExecutionState.CLOSED, ExecutionState.WAITING_FOR_ACCEPTANCE
    o: dict[str, WorkOrder] = {}
    # --- Breakdowns (corrective orders on a resource) ---
    # B1: March breakdown, repaired: its downtime lasted 12 h (10 Mar 08:00-20:00 Nairobi).
    o["B1"] = make_order(
        p1,
        created=local(N, 2026, 3, 10, 8),
        state=closed,
        completed=local(N, 2026, 3, 10, 19),
        closed=local(N, 2026, 3, 11, 10),
        priority=Priority.HIGH,
    )
    # B2: 23:30 on 31 March in Lima (04:30 UTC on 1 April): a March breakdown; open at the end of March.
    o["B2"] = make_order(p3, created=local(L, 2026, 3, 31, 23, 30), priority=Priority.HIGH)
    # B3: reported in February, repaired in March without downtime: 27 Feb 10:00 to completion 2 Mar 10:00 = 72 h.
    o["B3"] = make_order(
        p2,
        created=local(N, 2026, 2, 27, 10),
        state=closed,
        completed=local(N, 2026, 3, 2, 10),
        closed=local(N, 2026, 3, 3, 9),
    )
    # B4: March breakdown, canceled: a breakdown, not a repair.
    o["B4"] = make_order(
        p1, created=local(N, 2026, 3, 20, 9), state=ExecutionState.CANCELED, closed=local(N, 2026, 3, 20, 10)
    )
    # B7: 23:00 on 28 February in Lima (04:00 UTC on 1 March): February; rejected.
    o["B7"] = make_order(
        p3, created=local(L, 2026, 2, 28, 23), state=ExecutionState.REJECTED, closed=local(L, 2026, 3, 1, 8)
    )
    # B8: 00:30 on 1 April in Nairobi (21:30 UTC on 31 March): April, and not in March's backlog.
    o["B8"] = make_order(p2, created=local(N, 2026, 4, 1, 0, 30), priority=Priority.HIGH)
    # B9: 23:30 on 31 March in Nairobi: March; open at the end of March.
    o["B9"] = make_order(p2, created=local(N, 2026, 3, 31, 23, 30), priority=Priority.HIGH)
    # C5: corrective work on an area (not a resource: no breakdown), accepted in March.
    o["C5"] = make_order(
        area=hall_n,
        created=local(N, 2026, 3, 12, 9),
        state=closed,
        completed=local(N, 2026, 3, 14, 9),
        closed=local(N, 2026, 3, 15, 9),
    )
    # O1: corrective work on an area from November 2025, due 10 Nov (no late due): open, overdue, 150 days old.
    o["O1"] = make_order(
        area=hall_n, created=local(N, 2025, 11, 1, 9), due=local(N, 2025, 11, 10, 9), priority=Priority.URGENT
    )
    # --- Planned orders ---
    planned = {"kind": OrderKind.PLANNED, "minutes": 60}
    # M1: window 5-10 Mar, closed 7 Mar: on time and in its window.
    o["M1"] = make_order(
        p1,
        **planned,
        created=local(N, 2026, 2, 20, 8),
        state=closed,
        early_due=local(N, 2026, 3, 5, 8),
        due=local(N, 2026, 3, 8, 8),
        late_due=local(N, 2026, 3, 10, 12),
        completed=local(N, 2026, 3, 7, 8),
        closed=local(N, 2026, 3, 7, 9),
        on_time=True,
    )
    # M2: window 15-20 Mar, closed 14 Mar: on time (by its late-due point) but before its window.
    o["M2"] = make_order(
        p1,
        **planned,
        created=local(N, 2026, 2, 20, 8),
        state=closed,
        early_due=local(N, 2026, 3, 15, 8),
        due=local(N, 2026, 3, 18, 8),
        late_due=local(N, 2026, 3, 20, 8),
        completed=local(N, 2026, 3, 14, 8),
        closed=local(N, 2026, 3, 14, 9),
        on_time=True,
    )
    # M3: late due 25 Mar, closed 27 Mar: late.
    o["M3"] = make_order(
        p1,
        **planned,
        created=local(N, 2026, 2, 20, 8),
        state=closed,
        due=local(N, 2026, 3, 22, 8),
        late_due=local(N, 2026, 3, 25, 8),
        completed=local(N, 2026, 3, 27, 8),
        closed=local(N, 2026, 3, 27, 9),
        on_time=False,
    )
    # M4: late due 28 Mar, still in progress: missed, overdue at the end of March, 30 days old, 120 min estimated.
    o["M4"] = make_order(
        p1,
        kind=OrderKind.PLANNED,
        minutes=120,
        created=local(N, 2026, 3, 1, 8),
        state=ExecutionState.IN_PROGRESS,
        due=local(N, 2026, 3, 26, 8),
        late_due=local(N, 2026, 3, 28, 8),
    )
    # M5: skipped on 11 Mar before its late due (12 Mar): closed_on_time is set, but skipped work is not done.
    o["M5"] = make_order(
        p1,
        **planned,
        created=local(N, 2026, 2, 20, 8),
        state=ExecutionState.SKIPPED,
        due=local(N, 2026, 3, 11, 8),
        late_due=local(N, 2026, 3, 12, 8),
        closed=local(N, 2026, 3, 11, 9),
        on_time=True,
    )
    # M6 (Lima): due 30 Mar, late due 22:00 on 31 Mar (03:00 UTC on 1 April), completed 20:30 and closed
    # 21:00 on 31 Mar (April in UTC): on time, in its window (no early due), all of it in Lima's March.
    o["M6"] = make_order(
        p3,
        **planned,
        created=local(L, 2026, 3, 1, 8),
        state=closed,
        due=local(L, 2026, 3, 30, 8),
        late_due=local(L, 2026, 3, 31, 22),
        completed=local(L, 2026, 3, 31, 20, 30),
        closed=local(L, 2026, 3, 31, 21),
        on_time=True,
    )
    # M7 (Lima): late due 22:00 on 28 Feb (March in UTC): February's; closed late on 2 Mar.
    o["M7"] = make_order(
        p3,
        **planned,
        created=local(L, 2026, 2, 1, 8),
        state=closed,
        due=local(L, 2026, 2, 27, 8),
        late_due=local(L, 2026, 2, 28, 22),
        completed=local(L, 2026, 3, 2, 7),
        closed=local(L, 2026, 3, 2, 8),
        on_time=False,
    )
    # M8: completed 5 Mar, not accepted: reworked (closed 6 Mar); RW1 redid it, accepted 10 Mar.
    o["M8"] = make_order(
        p2,
        **planned,
        created=local(N, 2026, 3, 2, 8),
        state=ExecutionState.REWORKED,
        completed=local(N, 2026, 3, 5, 8),
        closed=local(N, 2026, 3, 6, 8),
    )
    o["RW1"] = make_order(
        p2,
        kind=OrderKind.REWORK,
        rework_of=o["M8"],
        created=local(N, 2026, 3, 6, 8),
        state=closed,
        completed=local(N, 2026, 3, 9, 8),
        closed=local(N, 2026, 3, 10, 8),
    )
    # O2: planned, created 15 Jan (75 days old on 31 Mar), 90 min, closed only on 5 April: in March's backlog;
    # its late due (3 April) is after March: not overdue then.
    o["O2"] = make_order(
        p1,
        kind=OrderKind.PLANNED,
        minutes=90,
        created=local(N, 2026, 1, 15, 8),
        state=done,
        due=local(N, 2026, 4, 1, 8),
        late_due=local(N, 2026, 4, 3, 8),
        completed=local(N, 2026, 4, 4, 8),
        priority=Priority.LOW,
    )
    WorkOrder.objects.filter(pk=o["O2"].pk).update(execution_state=closed, closed_at=local(N, 2026, 4, 5, 8))
    # --- Downtime in March: 12 + 4 + 4 = 20 h ---
    down(p1, local(N, 2026, 3, 10, 8), local(N, 2026, 3, 10, 20), order=o["B1"])  # 12 h, caused by B1
    down(p2, local(N, 2026, 2, 28, 22), local(N, 2026, 3, 1, 4))  # by hand: 6 h, 4 of them in March
    down(p3, local(L, 2026, 3, 31, 20), local(L, 2026, 4, 1, 2))  # by hand: 6 h, 4 of them in Lima's March
    down(retired, local(L, 2026, 3, 5), local(L, 2026, 3, 6))  # retired: not counted
    return {"orders": o, "nairobi": nairobi, "lima": lima, "hall_n": hall_n, "pumps": pumps, "p1": p1, "p2": p2}


def test_every_kpi_of_march_over_two_time_zones(history):
    kpis = order_kpis(Scope(), MARCH, now=NOW)
    # Resources: P1, P2, P3 (the retired one does not count): 3 x 744 h (31 days) = 2232 h; downtime 20 h.
    assert kpis["downtime_hours"] == pytest.approx(20)
    assert kpis["availability"] == pytest.approx(100 * (2232 - 20) / 2232)  # 99.10 %
    # Breakdowns created in March: B1, B2 (Lima 23:30 on 31 Mar), B4 (canceled), B9 = 4; not B3, B7, B8.
    assert kpis["breakdowns"] == 4
    assert kpis["mtbf_hours"] == pytest.approx((2232 - 20) / 4)  # 553 h
    # Repairs accepted in March: B1 (its downtime: 12 h) and B3 (report to completion: 72 h): 84 / 2 = 42 h.
    assert kpis["mttr_hours"] == pytest.approx(42)
    # PM: late due in March: M1, M2, M3, M4, M5, M6 (M7's is in Lima's February) = 6; on time and accepted:
    # M1, M2, M6 = 3 (M5 was skipped, M3 late, M4 still open): 50 %.
    assert kpis["pm_compliance"] == pytest.approx(50)
    # Schedule: due in March: the same six; in their window: M1, M6 (M2 too early, M3 late, M4 open, M5 skipped).
    assert kpis["schedule_adherence"] == pytest.approx(100 * 2 / 6)
    # Backlog at the end of March: B2, B9, M4, O1, O2 = 5 (B8 came on 1 April); 120 + 90 min = 3.5 h;
    # without an estimate: B2, B9, O1 = 3; overdue: M4 (late due 28 Mar) and O1 (due 10 Nov) = 2.
    assert kpis["backlog_orders"] == 5
    assert kpis["backlog_hours"] == pytest.approx(3.5)
    assert kpis["backlog_unestimated"] == 3
    assert kpis["overdue_orders"] == 2
    # Accepted in March: planned M1, M2, M3, M6, M7 = 5; corrective B1, B3, C5 = 3 (RW1 is rework): 5/8, 3/8.
    assert kpis["planned_share"] == pytest.approx(62.5)
    assert kpis["unplanned_share"] == pytest.approx(37.5)
    # Completed in March: M1, M2, M3, M6 (Lima), M7, B1, B3, C5, M8, RW1 = 10; reworked: M8: 10 %.
    assert kpis["rework_rate"] == pytest.approx(10)
    assert set(ORDER_KPIS) <= set(kpis)


def test_the_kpis_are_local_to_each_site(history):
    nairobi = order_kpis(Scope(site_id=history["nairobi"].pk), MARCH, now=NOW)
    lima = order_kpis(Scope(site_id=history["lima"].pk), MARCH, now=NOW)
    # Lima: B2 at 23:30 on 31 March is March's; B7 at 23:00 on 28 February is not.
    assert lima["breakdowns"] == 1
    # Nairobi: B1, B4, B9 (23:30 on 31 March); B8 (00:30 on 1 April, still March in UTC) is not.
    assert nairobi["breakdowns"] == 3
    # Nairobi: P1, P2: 2 x 744 = 1488 h, downtime 12 + 4 = 16 h: MTBF (1488 - 16) / 3.
    assert nairobi["mtbf_hours"] == pytest.approx((1488 - 16) / 3)
    # Lima: P3 only (the other is retired): 744 h, 4 h down.
    assert lima["availability"] == pytest.approx(100 * 740 / 744)
    # Lima's PM: M6 only (M7's late due, 28 Feb 22:00, is 1 March in UTC): 1 of 1.
    assert lima["pm_compliance"] == pytest.approx(100)
    # Lima completed M6 and M7 in March, none reworked.
    assert lima["rework_rate"] == pytest.approx(0)


def test_scope_narrows_by_area_resource_type_and_criticality(history):
    # Type "pumps": P1 and P3 (the retired pump is out): 2 x 744 = 1488 h; downtime 12 (P1) + 4 (P3) = 16 h;
    # breakdowns B1, B4 (P1), B2 (P3) = 3.
    pumps = order_kpis(Scope(resource_type_id=history["pumps"].pk), MARCH, now=NOW)
    assert pumps["breakdowns"] == 3
    assert pumps["availability"] == pytest.approx(100 * (1488 - 16) / 1488)
    assert pumps["downtime_hours"] == pytest.approx(16)
    # High criticality: P1 only: 744 h, 12 h down, breakdowns B1, B4: MTBF (744 - 12) / 2 = 366 h; repair B1: 12 h.
    high = order_kpis(Scope(criticality=Criticality.HIGH), MARCH, now=NOW)
    assert high["mtbf_hours"] == pytest.approx(366)
    assert high["mttr_hours"] == pytest.approx(12)
    # Its backlog: M4 and O2 (orders on areas, like O1, are out once a criticality is chosen).
    assert high["backlog_orders"] == 2
    # Nairobi's hall: orders on it (C5, O1) and on P1, P2: backlog B9, M4, O1, O2 = 4.
    hall = order_kpis(Scope(area_path=history["hall_n"].path), MARCH, now=NOW)
    assert hall["backlog_orders"] == 4
    # Accepted there in March: planned M1, M2, M3 (P1); corrective B1 (P1), B3 (P2), C5 (the hall): 3 of 6.
    assert hall["unplanned_share"] == pytest.approx(50)
    # One resource: P2: breakdowns B9 (B3 is February's, B8 April's); downtime 4 h.
    p2 = order_kpis(Scope(resource_id=history["p2"].pk), MARCH, now=NOW)
    assert p2["breakdowns"] == 1
    assert p2["downtime_hours"] == pytest.approx(4)


def test_backlog_breakdown_by_age_and_priority(history):
    backlog = backlog_breakdown(Scope(), MARCH, now=NOW)
    assert backlog["day"] == datetime.date(2026, 4, 1)
    assert (backlog["orders"], backlog["hours"], backlog["unestimated"]) == (5, pytest.approx(3.5), 3)
    by_age = {row["key"]: (row["orders"], row["hours"]) for row in backlog["by_age"]}
    # Ages on 31 March: B2, B9 0 days; M4 30 days (1 March), 2 h; O2 75 days (15 January), 1.5 h; O1 150 days.
    assert by_age == {"0-7": (2, 0), "8-30": (1, 2), "31-90": (1, 1.5), "91+": (1, 0)}
    by_priority = {row["key"]: row["orders"] for row in backlog["by_priority"]}
    # Urgent O1; high B2, B9; normal M4; low O2.
    assert by_priority == {"4": 1, "3": 2, "2": 1, "1": 1}
    assert backlog_breakdown(Scope(), datetime.date(2026, 4, 1), now=NOW)["by_age"] == backlog["by_age"]


def test_top_resources_by_downtime(history):
    top = top_resources_by_downtime(Scope(), MARCH, now=NOW)
    # P1 12 h; P2 4 h and P3 4 h (by tag).
    assert [row["hours"] for row in top] == [pytest.approx(12), pytest.approx(4), pytest.approx(4)]
    assert top[0]["resource_id"] == history["p1"].pk
    assert top[0]["url"] == reverse("assets:resource_detail", args=[history["p1"].pk]) + "#downtime"
    assert len(top_resources_by_downtime(Scope(), MARCH, limit=1, now=NOW)) == 1


def test_the_series_gives_each_period_what_order_kpis_gives(history):
    periods = periods_ending("month", datetime.date(2026, 4, 30), 4)  # January to April
    series = order_kpi_series(Scope(), periods, now=NOW)
    for i, period in enumerate(periods):
        single = order_kpis(Scope(), period, now=NOW)
        for key in SERIES_KEYS:
            assert series[key][i] == pytest.approx(single[key]), (period.label, key)
    # Backlog over time: end of January O1, O2 = 2 (M7 came at 08:00 on 1 Feb); end of February O1, O2, B3,
    # B7 (Lima, rejected 1 Mar), M1, M2, M3, M5 (20 Feb), M7 = 9; end of March 5 (above); end of April
    # B2, B9, M4, O1, B8 = 5 (O2 closed on 5 April).
    assert series["backlog_orders"] == [2, 9, 5, 5]
    # PM compliance by month: January none due; February M7 (late) 0 %; March 50 %; April O2 (late due 3 Apr,
    # closed 5 Apr, on_time unset) 0 %.
    assert series["pm_compliance"] == [None, 0, 50, 0]


def test_the_current_period_counts_up_to_now(history):
    now = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=datetime.UTC)  # 15:00 in Nairobi, 07:00 in Lima
    kpis = order_kpis(Scope(), MARCH, now=now)
    # Time so far: Nairobi from 21:00 UTC on 28 Feb = 471 h x 2 resources; Lima from 05:00 UTC on 1 Mar =
    # 463 h x 1: 1405 h. Downtime so far: 12 h (B1) + 4 h (P2 on 1 March); Lima's (31 March) is still to come.
    assert kpis["downtime_hours"] == pytest.approx(16)
    assert kpis["availability"] == pytest.approx(100 * (1405 - 16) / 1405)
    # Breakdowns so far: B1, B4 (09:00 on 20 March in Nairobi): MTBF 1389 / 2.
    assert kpis["mtbf_hours"] == pytest.approx(1389 / 2)
    # Open now: O1, O2, M3 (closed on 27 Mar), M4, M6 (closed on 31 Mar) = 5; overdue now: O1 only.
    assert (kpis["backlog_orders"], kpis["overdue_orders"]) == (5, 1)
    # Late-due points passed so far: M1, M2 (08:00 today in Nairobi), M5: on time M1, M2: 2 of 3.
    assert kpis["pm_compliance"] == pytest.approx(100 * 2 / 3)
    periods = periods_ending("month", datetime.date(2026, 4, 1), 3)  # February, March (now), April (to come)
    series = order_kpi_series(Scope(), periods, now=now)
    for i, period in enumerate(periods):
        single = order_kpis(Scope(), period, now=now)
        for key in SERIES_KEYS:
            assert series[key][i] == pytest.approx(single[key]), (period.label, key)
    assert series["availability"][2] is None  # April has not begun: no time to measure
    assert series["backlog_orders"][2] == 5  # the backlog of a period to come is today's


def test_series_and_tiles_take_a_constant_number_of_queries(history, django_assert_num_queries):
    # One query for the zones, then per zone (2): orders, resources, downtime.
    with django_assert_num_queries(1 + 2 * 3):
        order_kpis(Scope(), MARCH, now=NOW)
    with CaptureQueriesContext(connection) as few:
        order_kpi_series(Scope(), periods_ending("month", datetime.date(2026, 4, 30), 3), now=NOW)
    with CaptureQueriesContext(connection) as many:
        order_kpi_series(Scope(), periods_ending("week", datetime.date(2026, 4, 30), 40), now=NOW)
    # Per zone: eleven grouped queries and one for the backlog and overdue orders at the first period's start.
    assert len(few) == len(many) == 1 + 2 * 12


def test_query_count_does_not_grow_with_the_orders(history, django_assert_num_queries):
    def counts() -> tuple[int, int, int]:
        with CaptureQueriesContext(connection) as tiles:
            order_kpis(Scope(), MARCH, now=NOW)
        with CaptureQueriesContext(connection) as backlog:
            backlog_breakdown(Scope(), MARCH, now=NOW)
        with CaptureQueriesContext(connection) as top:
            top_resources_by_downtime(Scope(), MARCH, now=NOW)
        return len(tiles), len(backlog), len(top)

    before = counts()
    p1 = history["p1"]
    for day in range(1, 28):
        make_order(p1, created=local(NAIROBI, 2026, 3, day, 8))
    assert WorkOrder.objects.count() >= 30
    assert counts() == before == (7, 3, 3)
    assert order_kpis(Scope(), MARCH, now=NOW)["breakdowns"] == 4 + 27


# --- Drill-down: each number's list is exactly the orders it counts ---------------------------------
EXPECTED = {
    "breakdowns": {"B1", "B2", "B4", "B9"},
    "mtbf_hours": {"B1", "B2", "B4", "B9"},
    "mttr_hours": {"B1", "B3"},
    "availability": {"B1"},  # the orders that caused downtime (the by-hand periods are on the resources' pages)
    "downtime_hours": {"B1"},
    "pm_compliance": {"M1", "M2", "M3", "M4", "M5", "M6"},
    "pm_on_time": {"M1", "M2", "M6"},
    "schedule_adherence": {"M1", "M2", "M3", "M4", "M5", "M6"},
    "schedule_in_window": {"M1", "M6"},
    "backlog_orders": {"B2", "B9", "M4", "O1", "O2"},
    "backlog_hours": {"B2", "B9", "M4", "O1", "O2"},
    "backlog_unestimated": {"B2", "B9", "O1"},
    "overdue_orders": {"M4", "O1"},
    "planned_share": {"M1", "M2", "M3", "M6", "M7"},
    "unplanned_share": {"B1", "B3", "C5"},
    "rework_rate": {"M1", "M2", "M3", "M6", "M7", "B1", "B3", "C5", "M8", "RW1"},
    "reworked": {"M8"},
}


@pytest.fixture
def admin_client(client):
    client.force_login(make_role_user("Administrator"))
    return client


def listed(admin_client: Any, params: dict[str, str], orders: dict[str, WorkOrder]) -> set[str]:
    """The orders the order list (the API's, same FilterSet as the screens) answers for ``params``."""
    response = admin_client.get(reverse("api:workorder-list"), {**params, "page_size": 500})
    assert response.status_code == 200, response.content
    numbers = {row["number"] for row in response.json()["results"]}
    return {name for name, order in orders.items() if order.number in numbers} | (
        {"?"} if numbers - {order.number for order in orders.values()} else set()
    )


def test_every_drilldown_lists_exactly_the_counted_orders(history, admin_client):
    orders = history["orders"]
    assert set(EXPECTED) == set(DRILLDOWN_KEYS)
    for key, names in EXPECTED.items():
        assert listed(admin_client, drilldown_query(key, Scope(), MARCH, now=NOW), orders) == names, key


def test_drilldowns_keep_the_scope(history, admin_client):
    orders = history["orders"]
    lima = Scope(site_id=history["lima"].pk)
    assert listed(admin_client, drilldown_query("breakdowns", lima, MARCH, now=NOW), orders) == {"B2"}
    high = Scope(criticality=Criticality.HIGH)
    assert listed(admin_client, drilldown_query("backlog_orders", high, MARCH, now=NOW), orders) == {"M4", "O2"}
    hall = Scope(area_path=history["hall_n"].path)
    assert listed(admin_client, drilldown_query("backlog_orders", hall, MARCH, now=NOW), orders) == {
        "B9",
        "M4",
        "O1",
        "O2",
    }
    pumps = Scope(resource_type_id=history["pumps"].pk)
    assert listed(admin_client, drilldown_query("mtbf_hours", pumps, MARCH, now=NOW), orders) == {"B1", "B2", "B4"}


def test_the_backlog_rows_link_to_their_orders(history, admin_client):
    orders = history["orders"]
    backlog = backlog_breakdown(Scope(), MARCH, now=NOW)
    expected_age = {"0-7": {"B2", "B9"}, "8-30": {"M4"}, "31-90": {"O2"}, "91+": {"O1"}}
    expected_priority = {"4": {"O1"}, "3": {"B2", "B9"}, "2": {"M4"}, "1": {"O2"}}
    for rows, expected in ((backlog["by_age"], expected_age), (backlog["by_priority"], expected_priority)):
        for row in rows:
            assert listed(admin_client, row["query"], orders) == expected[row["key"]], row["key"]


def test_drilldown_opens_the_order_list():
    url = drilldown("breakdowns", Scope(), MARCH, now=NOW)
    assert url.startswith(reverse("orders:order_list") + "?")
    assert "breakdown=true" in url


@pytest.mark.parametrize("now", [NOW, datetime.datetime(2026, 3, 20, 12, 0, tzinfo=datetime.UTC)])
def test_kpis_by_site_are_each_sites_own_in_the_queries_of_one_call(history, now, django_assert_num_queries):
    # The organisation dashboard's table: one grouped call gives what a call per site would.
    sites = Scope().sites()
    assert len(sites) >= 2
    with django_assert_num_queries(1 + 2 * 3):  # the zones, then per zone (2): orders, resources, downtime
        by_site = order_kpis_by_site(Scope(), MARCH, now=now)
    assert set(by_site) == {site.pk for site in sites}
    for site in sites:
        single = order_kpis(Scope(site_id=site.pk), MARCH, now=now)
        assert by_site[site.pk].keys() == single.keys()
        for key, value in single.items():
            assert by_site[site.pk][key] == pytest.approx(value), (site.code, key)
    # Together they make the organisation's numbers (counts add up).
    whole = order_kpis(Scope(), MARCH, now=now)
    assert sum(kpis["backlog_orders"] for kpis in by_site.values()) == whole["backlog_orders"]
    assert sum(kpis["breakdowns"] for kpis in by_site.values()) == whole["breakdowns"]
