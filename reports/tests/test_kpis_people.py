"""Technician and adoption KPIs on a hand-made February 2026 at a Nairobi site (UTC+3)."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.testing import UserFactory
from inventory.factories import location, part
from inventory.models import MovementKind, StockMovement
from orders.models import Assignment, Comment, ExecutionState, LabourEntry, OrderKind, WorkOrder
from people.factories import EmployeeFactory
from reports.kpis import people
from reports.kpis.common import Scope, period_containing

NAIROBI = zoneinfo.ZoneInfo("Africa/Nairobi")
FEBRUARY = period_containing("month", datetime.date(2026, 2, 1))
D = Decimal


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=NAIROBI)


def order_on(number: str, site: Any, resource: Any, *, requester: Any = None, created: Any = None) -> WorkOrder:
    return WorkOrder.objects.create(
        number=number,
        kind=OrderKind.CORRECTIVE,
        site=site,
        resource=resource,
        title=number,
        requester=requester,
        created_at=created or at(2025, 12, 1, 8),
    )


def close(order: WorkOrder, when: datetime.datetime) -> None:
    WorkOrder.objects.filter(pk=order.pk).update(execution_state=ExecutionState.CLOSED, closed_at=when)


def labour(order: WorkOrder, employee: Any, hours: str, via: str, when: datetime.datetime) -> None:
    LabourEntry.objects.create(order=order, employee=employee, hours=D(hours), entered_via=via, recorded_at=when)


@pytest.fixture
def history(db: Any) -> dict[str, Any]:
    site_a, site_b = SiteFactory(), SiteFactory()
    r1, r2 = ResourceFactory(area=AreaFactory(parent=site_a)), ResourceFactory(area=AreaFactory(parent=site_a))
    alice = EmployeeFactory(name="Alice", user=UserFactory(username="alice"))
    bob = EmployeeFactory(name="Bob", user=UserFactory(username="bob"))
    carol = EmployeeFactory(name="Carol", active=False)  # left, recorded nothing: not listed
    dan = EmployeeFactory(name="Dan", user=UserFactory(username="dan"))
    for member in (alice, bob, carol):
        member.sites.add(site_a)
    dan.sites.add(site_b)
    requester = UserFactory(username="requester")
    keeper = UserFactory(username="keeper")
    o1, o2 = order_on("WO-1", site_a, r1), order_on("WO-2", site_a, r2)
    # WO-3 on R1 was requested in February and closed in February: Alice was assigned, recorded no hours.
    o3 = order_on("WO-3", site_a, r1, requester=requester, created=at(2026, 2, 2, 9))
    o4, o5 = order_on("WO-4", site_a, r1), order_on("WO-5", site_a, r2)
    close(o3, at(2026, 2, 15, 12))
    close(o4, at(2026, 3, 2, 12))  # closed in March: not February's
    for order in (o3, o4, o5):
        Assignment.objects.create(order=order, employee=alice)
    # Alice in February: WO-1 2 h phone, 1 h desktop, 1.5 h unknown (an old row); WO-2 1 h phone:
    # 5.5 h in 4 entries, 2 of the 3 with a known channel by phone = 66.7 %. January's 3 h do not count.
    labour(o1, alice, "2", "phone", at(2026, 2, 10, 9))
    labour(o1, alice, "1", "desktop", at(2026, 2, 11, 9))
    labour(o1, alice, "1.5", "", at(2026, 2, 12, 9))
    labour(o2, alice, "1", "phone", at(2026, 2, 20, 9))
    labour(o1, alice, "3", "phone", at(2026, 1, 15, 9))
    ob = order_on("WO-B", site_b, ResourceFactory(area=AreaFactory(parent=site_b)))
    labour(ob, dan, "4", "phone", at(2026, 2, 10, 9))  # site B
    Comment.objects.create(order=o1, author=alice.user, text="seal", created_at=at(2026, 2, 25, 16))
    Comment.objects.create(order=o2, author=bob.user, text="ok", created_at=at(2026, 2, 26, 8))
    StockMovement.objects.create(
        kind=MovementKind.ISSUE,
        part=part(),
        location=location(area=AreaFactory(parent=site_a)),
        site=site_a,
        quantity=D(-1),
        unit_cost=D(1),
        reference="WO-1",
        occurred_at=at(2026, 2, 9, 10),
        recorded_by=keeper,
    )
    return {"site_a": site_a, "r1": r1, "alice": alice, "bob": bob, "o2": o2}


def test_technicians_table(history: dict[str, Any], django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(3):
        rows = people.employee_activity(Scope(site_id=history["site_a"].pk), FEBRUARY)
    assert [row.name for row in rows] == ["Alice", "Bob"]  # Carol left and did nothing; Dan is at site B
    alice, bob = rows
    # WO-1 and WO-2 by hours, WO-3 assigned and closed in February; WO-4 closed in March, WO-5 open.
    assert alice.orders_worked == 3
    assert (alice.labour_hours, alice.labour_entries, alice.phone_entries, alice.known_channel_entries) == (
        D("5.5"),
        4,
        2,
        3,
    )
    assert alice.phone_share == D("66.7")
    assert alice.last_activity == at(2026, 2, 25, 16)  # her comment, after her last hours (20 Feb)
    assert (bob.orders_worked, bob.labour_hours, bob.phone_share) == (0, D(0), None)
    assert bob.last_activity == at(2026, 2, 26, 8)


def test_organisation_totals(history: dict[str, Any], django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(3):
        kpis = people.people_kpis(Scope(site_id=history["site_a"].pk), FEBRUARY)
    # Alice (hours, comment), Bob (comment), the requester (WO-3), the storekeeper (an issue).
    assert kpis["active_users"] == 4
    assert (kpis["labour_hours"], kpis["labour_entries"], kpis["phone_share"]) == (D("5.5"), 4, D("66.7"))
    everywhere = people.people_kpis(Scope(), FEBRUARY)
    # + Dan at site B: 9.5 h in 5 entries, 3 of 4 known by phone = 75 %.
    assert (everywhere["active_users"], everywhere["labour_hours"], everywhere["phone_share"]) == (
        5,
        D("9.5"),
        D("75.0"),
    )


def test_narrowed_to_a_resource(history: dict[str, Any]) -> None:
    scope = Scope(site_id=history["site_a"].pk, resource_id=history["r1"].pk)
    kpis = people.people_kpis(scope, FEBRUARY)
    # On R1: Alice's WO-1 hours (4.5 h, 3 entries, 1 of 2 known by phone) and comment, the WO-3 request.
    # Bob's comment is on R2 and a stock movement is no order's: both out.
    assert kpis["active_users"] == 2
    assert (kpis["labour_hours"], kpis["labour_entries"], kpis["phone_share"]) == (D("4.5"), 3, D("50.0"))
    alice = next(row for row in people.employee_activity(scope, FEBRUARY) if row.name == "Alice")
    assert alice.orders_worked == 2  # WO-1, WO-3


def test_query_count_does_not_grow_with_employees(history: dict[str, Any], django_assert_num_queries: Any) -> None:
    for n in range(4):
        extra = EmployeeFactory(name=f"Extra {n}", user=UserFactory(username=f"extra{n}"))
        extra.sites.add(history["site_a"])
        labour(history["o2"], extra, "1", "desktop", at(2026, 2, 3, 9))
    with django_assert_num_queries(3):
        rows = people.employee_activity(Scope(site_id=history["site_a"].pk), FEBRUARY)
    assert len(rows) == 6
    with django_assert_num_queries(3):
        assert people.people_kpis(Scope(site_id=history["site_a"].pk), FEBRUARY)["active_users"] == 8


def test_empty_scope_and_drilldown(db: Any) -> None:
    assert people.employee_activity(Scope(site_ids=[]), FEBRUARY) == []
    assert people.people_kpis(Scope(site_ids=[]), FEBRUARY)["active_users"] == 0
    assert people.drilldown("phone_share", Scope(), FEBRUARY) == ""
    with pytest.raises(KeyError):
        people.drilldown("mtbf", Scope(), FEBRUARY)


def test_labour_drilldown_lists_the_orders_labour_was_recorded_on(
    history: dict[str, Any], role_user: Any, client: Any
) -> None:
    site = history["site_a"]
    client.force_login(role_user("Supervisor", site=site))
    # February at site A: Alice's hours on WO-1 and WO-2 (WO-3 was only assigned; WO-B is site B's).
    for key in ("labour_hours", "labour_entries"):
        url = people.drilldown(key, Scope(site_id=site.pk), FEBRUARY)
        assert url.startswith(reverse("orders:order_list") + "?")
        assert {order.number for order in client.get(url).context["orders"]} == {"WO-1", "WO-2"}
    # Narrowed to R2: WO-2 only.
    url = people.drilldown("labour_hours", Scope(site_id=site.pk, resource_id=history["o2"].resource_id), FEBRUARY)
    assert {order.number for order in client.get(url).context["orders"]} == {"WO-2"}
