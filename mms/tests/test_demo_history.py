"""The demo history: two years of closed work behind the demo's today, every month of the last 24 with
breakdowns, downtime, labour and parts at Riverside; the rows the services would write; loaded once; and
order numbers that go on from it."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from assets.models import Area, EntityStatus, Resource
from inventory.models import Budget, CostEntry, CostKind, MovementKind, StockMovement
from mms.demo import load_demo
from mms.demo.constants import DEMO_TODAY, SITE_CLINIC, SITE_HILLTOP, SITE_RIVERSIDE
from mms.demo.history_rows import HISTORY_START, NOW, ZONE, covered_months
from orders.models import (
    CLOSED_STATES,
    OPEN_STATES,
    DowntimePeriod,
    ExecutionState,
    LabourEntry,
    OrderKind,
    UsedPart,
    WorkOrder,
)
from orders.services import order_request_corrective

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def first_load(django_db_setup, django_db_blocker) -> dict[str, int]:
    """The demo, loaded once for the module in a transaction rolled back at the end (as ``test_demo``)."""
    with django_db_blocker.unblock(), transaction.atomic():
        counts = load_demo()
        yield counts
        transaction.set_rollback(True)


def months_with(queryset, field: str) -> set[datetime.date]:
    """The local calendar months (their first days) in which ``queryset`` has rows, by ``field``."""
    is_date = queryset.model._meta.get_field(field).get_internal_type() == "DateField"
    month = TruncMonth(field) if is_date else TruncMonth(field, tzinfo=ZONE)
    rows = queryset.annotate(month=month).values_list("month", flat=True).distinct()
    return {month.date() if isinstance(month, datetime.datetime) else month for month in rows}


def test_two_years_of_closed_orders_of_every_kind():
    closed = WorkOrder.objects.filter(execution_state__in=CLOSED_STATES)
    first = closed.order_by("created_at").first()
    assert first is not None
    assert first.created_at <= HISTORY_START + datetime.timedelta(days=31)
    assert closed.filter(closed_at__gte=NOW).count() == 0  # all of it before the demo's today
    assert {SITE_RIVERSIDE, SITE_HILLTOP, SITE_CLINIC} <= set(closed.values_list("site__code", flat=True))
    states = dict(closed.values_list("execution_state").annotate(n=Count("id")))
    for state in CLOSED_STATES:
        assert states.get(state, 0) > 0, state
    kinds = set(closed.values_list("kind", flat=True))
    assert kinds == {OrderKind.PLANNED, OrderKind.CORRECTIVE, OrderKind.REWORK}
    # Reworks point at an order closed as reworked, duplicates at the order they were joined into.
    for rework in WorkOrder.objects.filter(kind=OrderKind.REWORK).select_related("rework_of"):
        assert rework.rework_of.execution_state == ExecutionState.REWORKED
        assert rework.created_at == rework.rework_of.closed_at
    joined = WorkOrder.objects.filter(execution_state=ExecutionState.CLOSED_AS_JOINED)
    assert all(order.joined_into.resource_id == order.resource_id for order in joined.select_related("joined_into"))


def test_preventive_orders_mostly_on_time_some_late_some_skipped():
    planned = WorkOrder.objects.filter(kind=OrderKind.PLANNED, execution_state__in=CLOSED_STATES)
    counts = planned.aggregate(
        on_time=Count("id", filter=Q(closed_on_time=True)),
        late=Count("id", filter=Q(closed_on_time=False)),
        skipped=Count("id", filter=Q(execution_state=ExecutionState.SKIPPED)),
        total=Count("id"),
    )
    assert counts["total"] > 150  # two chlorinators checked weekly for two years, and more
    assert counts["on_time"] > 0.7 * counts["total"]
    assert 0 < counts["late"] < 0.2 * counts["total"]
    assert 0 < counts["skipped"] < 0.1 * counts["total"]
    assert not planned.filter(execution_state=ExecutionState.SKIPPED, state_reason="").exists()
    # Late means closed after the late-due point; on time, by it.
    assert not planned.filter(closed_on_time=True, closed_at__gt=F("late_due_at")).exists()
    assert not planned.filter(closed_on_time=False, late_due_at__isnull=False, closed_at__lte=F("late_due_at")).exists()
    # Floating: each weekly check is due a week after the previous one closed (the scheduler's rule).
    checks = list(
        WorkOrder.objects.filter(plan_instance__resource__tag="RIV-CHL-01")
        .order_by("sequence")
        .values_list("sequence", "closed_at", "due_at")
    )
    assert [sequence for sequence, _closed, _due in checks] == list(range(1, len(checks) + 1))
    for (_s, closed_at, _d), (_s2, _c2, due_at) in itertools.pairwise(checks):
        assert due_at.astimezone(ZONE).date() == closed_at.astimezone(ZONE).date() + datetime.timedelta(days=7)


def test_every_month_of_the_last_two_years_has_breakdowns_downtime_labour_and_parts_at_riverside():
    riverside = Area.objects.get(code=SITE_RIVERSIDE)
    months = set(covered_months())
    assert len(months) == 24
    breakdowns = WorkOrder.objects.filter(site=riverside, kind=OrderKind.CORRECTIVE, execution_state="closed")
    assert months <= months_with(breakdowns, "created_at")
    downtime = DowntimePeriod.objects.filter(resource__area__site=riverside, ended_at__isnull=False)
    assert months <= months_with(downtime, "started_at")
    labour = LabourEntry.objects.filter(order__site=riverside)
    assert months <= months_with(labour, "started_at")
    parts = StockMovement.objects.filter(site=riverside, kind=MovementKind.DIRECT, reference__startswith="WO-")
    assert months <= months_with(parts, "occurred_at")
    posted = CostEntry.objects.filter(site=riverside, kind=CostKind.LABOUR)
    assert months <= months_with(posted, "incurred_on")


def test_the_rows_are_the_ones_the_services_write():
    closed = WorkOrder.objects.filter(execution_state__in=CLOSED_STATES)
    # Labour at the employee's rate, and its cost posted once per closed order (``labour_cost_post``).
    for entry in LabourEntry.objects.select_related("employee")[:200]:
        assert entry.hourly_rate == entry.employee.hourly_rate
        assert entry.cost == (entry.hours * entry.hourly_rate).quantize(Decimal("0.01"))
    labour_by_order = dict(
        LabourEntry.objects.filter(order__in=closed).values_list("order__number").annotate(total=Sum("cost"))
    )
    posted = dict(CostEntry.objects.filter(kind=CostKind.LABOUR).values_list("reference", "amount"))
    assert posted == {number: total for number, total in labour_by_order.items() if total > 0}
    assert not CostEntry.objects.filter(kind=CostKind.LABOUR, reference__in=WorkOrder.objects.open().values("number"))
    # Every used part has its ledger line against the order's number at the part's cost.
    used = UsedPart.objects.select_related("order", "part")
    assert used.count() > 40
    for row in used:
        line = StockMovement.objects.get(reference=row.order.number, part=row.part, occurred_at=row.recorded_at)
        assert (line.quantity, line.unit_cost, line.currency) == (-row.quantity, row.unit_cost, row.currency)
    # External costs against order numbers (contractors) and contract numbers (their invoices).
    external = CostEntry.objects.filter(kind=CostKind.EXTERNAL)
    assert external.filter(reference__startswith="WO-").count() > 10
    assert external.filter(reference="S-LPE-2025-01").count() > 20
    # A reported breakdown's downtime lasts from its report to its acceptance (the demo's own past
    # breakdown, which nobody reported in MMS, has its own note).
    periods = DowntimePeriod.objects.filter(
        order__execution_state=ExecutionState.CLOSED, opened_by__isnull=False
    ).select_related("order")
    assert periods.count() > 40
    for period in periods:
        assert period.started_at == period.order.created_at
        assert period.ended_at == period.order.closed_at
        assert period.close_note == f"repaired: {period.order.number} accepted"
    # Only what is down or on hold today has an open period, each pointing at the order behind it.
    open_periods = DowntimePeriod.objects.filter(ended_at__isnull=True).select_related("resource", "order")
    assert {period.resource.status for period in open_periods} <= {EntityStatus.DOWN, EntityStatus.ON_HOLD}
    assert all(period.order is not None and period.order.is_open for period in open_periods)


def test_an_open_backlog_of_every_age():
    backlog = WorkOrder.objects.filter(execution_state__in=OPEN_STATES)
    assert set(backlog.values_list("execution_state", flat=True)) == set(OPEN_STATES)
    ages = [(NOW - created).days for created in backlog.values_list("created_at", flat=True)]
    assert min(ages) <= 2
    assert max(ages) >= 90
    assert backlog.filter(schedule_state="late_due").exists()  # some overdue


def test_budgets_for_the_two_years_and_the_next():
    for code in (SITE_RIVERSIDE, SITE_HILLTOP, SITE_CLINIC):
        years = set(Budget.objects.filter(site__code=code, currency="KES").values_list("year", flat=True))
        assert {DEMO_TODAY.year - 1, DEMO_TODAY.year, DEMO_TODAY.year + 1} <= years, code


COUNTED = (WorkOrder, LabourEntry, UsedPart, StockMovement, CostEntry, DowntimePeriod, Budget)


def test_a_second_load_adds_nothing(first_load):
    before = {model.__name__: model._default_manager.count() for model in COUNTED}
    history_rows = WorkOrder.history.count()

    counts = load_demo()

    assert counts["created"] == counts["updated"] == 0
    assert counts["unchanged"] == first_load["created"]
    assert {model.__name__: model._default_manager.count() for model in COUNTED} == before
    assert WorkOrder.history.count() == history_rows


def test_an_order_made_after_the_history_gets_the_next_number():
    numbers = list(WorkOrder.objects.values_list("number", flat=True))
    highest = max(numbers)
    assert len(numbers) == len(set(numbers))
    pump = Resource.objects.get(tag="RIV-RWP-01")

    order = order_request_corrective(entity=pump, user=User.objects.get(username="technician"), title="Noisy coupling")

    assert order.number not in numbers
    assert order.number == f"WO-{int(highest.removeprefix('WO-')) + 1:06d}"


def test_breakdowns_carry_failure_codes_for_the_pareto():
    closed = WorkOrder.objects.filter(kind=OrderKind.CORRECTIVE, execution_state=ExecutionState.CLOSED)
    assert not closed.filter(failure_cause__isnull=True).exists()
    assert not closed.filter(failure_problem__isnull=True).exists()
    causes = dict(closed.values_list("failure_cause__code").annotate(n=Count("id")))
    assert len(causes) >= 5
    # A Pareto, not a flat line: wear leads, and leads by far.
    ranked = sorted(causes.values(), reverse=True)
    assert ranked[0] == causes["WEAR"]
    assert ranked[0] > 2 * ranked[1]
    assert not WorkOrder.objects.filter(kind=OrderKind.PLANNED, failure_cause__isnull=False).exists()


def test_labour_says_through_what_it_was_entered():
    channels = dict(LabourEntry.objects.values_list("entered_via").annotate(n=Count("id")))
    assert set(channels) == {"phone", "desktop"}
    # Faith (no login of her own) has her hours entered at a desk by the supervisor.
    assert set(LabourEntry.objects.filter(employee__code="EMP-0106").values_list("entered_via", flat=True)) == {
        "desktop"
    }
    assert not LabourEntry.objects.exclude(recorded_at=F("stopped_at")).exists()
