"""The order-list filters the KPI drill-downs use: time bounds read at each order's site (a date is
midnight in the site's time zone), open/overdue at a point, breakdowns, resource type and criticality,
closed on time or within the window, estimated, and downtime caused in a period."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from assets.factories import AreaFactory, ResourceFactory, ResourceTypeFactory, SiteFactory
from assets.models import Criticality
from orders import services
from orders.factories import planned_order
from orders.filters import WorkOrderFilterSet
from orders.models import DowntimeKind, DowntimePeriod, ExecutionState, OrderKind, WorkOrder
from people.factories import make_role_user
from plans.factories import ActivityFactory

pytestmark = pytest.mark.django_db

NAIROBI = zoneinfo.ZoneInfo("Africa/Nairobi")
LIMA = zoneinfo.ZoneInfo("America/Lima")


def corrective(entity: Any, created: datetime.datetime, **fields: Any) -> WorkOrder:
    order = WorkOrder(
        number=services.allocate_order_numbers(1)[0],
        kind=OrderKind.CORRECTIVE,
        site=entity.area.site if hasattr(entity, "resource_type") else entity.site,
        title="Work",
        **({"resource": entity} if hasattr(entity, "resource_type") else {"area": entity}),
    )
    order.save()
    WorkOrder.objects.filter(pk=order.pk).update(created_at=created, **fields)
    return order


@pytest.fixture
def world() -> dict[str, Any]:
    nairobi, lima = SiteFactory(time_zone="Africa/Nairobi"), SiteFactory(time_zone="America/Lima")
    pumps = ResourceTypeFactory()
    pump_n = ResourceFactory(area=AreaFactory(parent=nairobi), resource_type=pumps, criticality=Criticality.HIGH)
    fan_l = ResourceFactory(area=AreaFactory(parent=lima), criticality=Criticality.LOW)
    return {"nairobi": nairobi, "lima": lima, "pumps": pumps, "pump_n": pump_n, "fan_l": fan_l}


@pytest.fixture
def admin_rf(rf):
    request = rf.get("/")
    request.user = make_role_user("Administrator")
    return request


def names(request: Any, data: dict[str, Any], orders: dict[str, WorkOrder]) -> set[str]:
    filterset = WorkOrderFilterSet(data, queryset=WorkOrder.objects.all(), request=request)
    assert filterset.is_valid(), filterset.errors
    numbers = set(filterset.qs.values_list("number", flat=True))
    return {name for name, order in orders.items() if order.number in numbers}


def test_a_date_is_midnight_at_each_orders_site(world, admin_rf):
    orders = {
        # 23:30 on 31 March in Lima is 04:30 UTC on 1 April: still March at its site.
        "lima_late": corrective(world["fan_l"], datetime.datetime(2026, 3, 31, 23, 30, tzinfo=LIMA)),
        # 00:30 on 1 April in Nairobi is 21:30 UTC on 31 March: April at its site.
        "nairobi_early": corrective(world["pump_n"], datetime.datetime(2026, 4, 1, 0, 30, tzinfo=NAIROBI)),
    }
    march = {"created_after": "2026-03-01", "created_before": "2026-04-01"}
    assert names(admin_rf, march, orders) == {"lima_late"}
    assert names(admin_rf, {"created_after": "2026-04-01"}, orders) == {"nairobi_early"}
    # An instant is the same instant everywhere: 1 April 00:00 UTC.
    assert names(admin_rf, {"created_after": "2026-04-01T00:00:00+00:00"}, orders) == {"lima_late"}
    assert names(admin_rf, {"created_before": "2026-04-01T00:00:00Z"}, orders) == {"nairobi_early"}


def test_time_bounds_refuse_what_is_not_a_date(world, admin_rf):
    filterset = WorkOrderFilterSet({"closed_after": "last tuesday"}, queryset=WorkOrder.objects.all(), request=admin_rf)
    assert not filterset.is_valid()
    assert "closed_after" in filterset.errors
    assert not WorkOrderFilterSet({"open_at": "2026-02-30"}, queryset=WorkOrder.objects.all()).is_valid()
    # Midnight of 1 January of the year 1 in Nairobi is before the first date and time there is in UTC.
    far = WorkOrderFilterSet({"created_after": "0001-01-01"}, queryset=WorkOrder.objects.all())
    assert not far.is_valid()
    assert "created_after" in far.errors


def test_the_api_answers_400_for_a_bad_time_bound(world, client):
    client.force_login(make_role_user("Administrator"))
    response = client.get(reverse("api:workorder-list"), {"late_due_before": "soon"})
    assert response.status_code == 400
    assert "late_due_before" in response.json()


def test_open_and_overdue_at_a_point(world, admin_rf):
    N = NAIROBI
    pump = world["pump_n"]
    orders = {
        "open": corrective(pump, datetime.datetime(2026, 3, 1, tzinfo=N)),
        "closed_after": corrective(
            pump,
            datetime.datetime(2026, 3, 1, tzinfo=N),
            execution_state=ExecutionState.CLOSED,
            closed_at=datetime.datetime(2026, 4, 2, tzinfo=N),
        ),
        "closed_before": corrective(
            pump,
            datetime.datetime(2026, 3, 1, tzinfo=N),
            execution_state=ExecutionState.CANCELED,
            closed_at=datetime.datetime(2026, 3, 20, tzinfo=N),
        ),
        "later": corrective(pump, datetime.datetime(2026, 4, 1, 0, 30, tzinfo=N)),
        "late": corrective(
            pump, datetime.datetime(2026, 3, 1, tzinfo=N), late_due_at=datetime.datetime(2026, 3, 20, tzinfo=N)
        ),
        "due_only": corrective(
            pump, datetime.datetime(2026, 3, 1, tzinfo=N), due_at=datetime.datetime(2026, 3, 30, tzinfo=N)
        ),
        "not_yet": corrective(
            pump,
            datetime.datetime(2026, 3, 1, tzinfo=N),
            due_at=datetime.datetime(2026, 3, 30, tzinfo=N),
            late_due_at=datetime.datetime(2026, 4, 3, tzinfo=N),
        ),
    }
    assert names(admin_rf, {"open_at": "2026-04-01"}, orders) == {
        "open",
        "closed_after",
        "late",
        "due_only",
        "not_yet",
    }
    assert names(admin_rf, {"overdue_at": "2026-04-01"}, orders) == {"late", "due_only"}


def test_overdue_at_a_point_still_to_come_is_overdue_now(world, admin_rf):
    pump = world["pump_n"]
    now = timezone.now()
    orders = {
        "past": corrective(pump, now - datetime.timedelta(days=3), due_at=now - datetime.timedelta(hours=1)),
        "later_today": corrective(pump, now - datetime.timedelta(days=3), due_at=now + datetime.timedelta(minutes=5)),
    }
    tomorrow = (now.astimezone(NAIROBI) + datetime.timedelta(days=1)).date().isoformat()
    assert names(admin_rf, {"overdue_at": tomorrow}, orders) == {"past"}
    assert names(admin_rf, {"open_at": tomorrow}, orders) == {"past", "later_today"}


def test_breakdown_type_criticality_and_estimate(world, admin_rf):
    pump, fan = world["pump_n"], world["fan_l"]
    day = datetime.datetime(2026, 3, 5, tzinfo=NAIROBI)
    planned = planned_order(pump, activity=ActivityFactory(estimated_minutes=45))
    orders = {
        "pump": corrective(pump, day),
        "fan": corrective(fan, day),
        "area": corrective(pump.area, day),
        "planned": planned,
    }
    assert names(admin_rf, {"breakdown": "true"}, orders) == {"pump", "fan"}
    assert names(admin_rf, {"breakdown": "false"}, orders) == {"area", "planned"}
    assert names(admin_rf, {"resource_type": world["pumps"].pk}, orders) == {"pump", "planned"}
    assert names(admin_rf, {"criticality": Criticality.LOW}, orders) == {"fan"}
    assert names(admin_rf, {"estimated": "true"}, orders) == {"planned"}
    assert names(admin_rf, {"estimated": "false"}, orders) == {"pump", "fan", "area"}


def test_closed_on_time_in_window_and_window_passed(world, admin_rf):
    pump = world["pump_n"]
    N = NAIROBI

    def at(day: int) -> datetime.datetime:
        return datetime.datetime(2026, 3, day, 12, tzinfo=N)

    def pm(**fields: Any) -> WorkOrder:
        order = planned_order(pump)
        WorkOrder.objects.filter(pk=order.pk).update(**fields)
        return order

    closed = {"execution_state": ExecutionState.CLOSED}
    window = {"early_due_at": at(5), "due_at": at(8), "late_due_at": at(10)}
    orders = {
        "in_window": pm(**window, **closed, closed_at=at(7), closed_on_time=True),
        "too_early": pm(**window, **closed, closed_at=at(3), closed_on_time=True),
        "late": pm(**window, **closed, closed_at=at(12), closed_on_time=False),
        "by_due": pm(due_at=at(8), **closed, closed_at=at(8)),  # no early or late point: by its due point
        "open_future": pm(due_at=datetime.datetime(2099, 1, 1, tzinfo=N)),
    }
    assert names(admin_rf, {"closed_in_window": "true"}, orders) == {"in_window", "by_due"}
    assert names(admin_rf, {"closed_in_window": "false"}, orders) == {"too_early", "late", "open_future"}
    assert names(admin_rf, {"closed_on_time": "true"}, orders) == {"in_window", "too_early"}
    assert names(admin_rf, {"window_passed": "true"}, orders) == {"in_window", "too_early", "late", "by_due"}
    assert names(admin_rf, {"window_passed": "false"}, orders) == {"open_future"}
    assert names(admin_rf, {"late_due_after": "2026-03-10", "late_due_before": "2026-03-11"}, orders) == {
        "in_window",
        "too_early",
        "late",
    }


def test_downtime_caused_in_a_period_uses_one_period_for_both_bounds(world, admin_rf):
    pump, N = world["pump_n"], NAIROBI
    orders = {name: corrective(pump, datetime.datetime(2026, 2, 1, tzinfo=N)) for name in ("in", "two", "none")}

    def period(order: WorkOrder, start: datetime.datetime, end: datetime.datetime) -> None:
        DowntimePeriod.objects.create(
            kind=DowntimeKind.DOWN, resource=pump, started_at=start, ended_at=end, reason="stop", order=order
        )

    period(orders["in"], datetime.datetime(2026, 2, 28, 22, tzinfo=N), datetime.datetime(2026, 3, 1, 2, tzinfo=N))
    # Two periods, one before March and one after it: neither is in March.
    period(orders["two"], datetime.datetime(2026, 2, 10, tzinfo=N), datetime.datetime(2026, 2, 11, tzinfo=N))
    period(orders["two"], datetime.datetime(2026, 4, 10, tzinfo=N), datetime.datetime(2026, 4, 11, tzinfo=N))
    march = {"downtime_after": "2026-03-01", "downtime_before": "2026-04-01"}
    assert names(admin_rf, march, orders) == {"in"}
    assert names(admin_rf, {"downtime_after": "2026-04-01"}, orders) == {"two"}
    assert names(admin_rf, {"downtime_before": "2026-03-01"}, orders) == {"in", "two"}
    mixed = {"downtime_after": "2026-03-01", "downtime_before": "2026-04-01T00:00:00+03:00"}
    assert names(admin_rf, mixed, orders) == {"in"}
