"""The demo history's building blocks: its fixed times, a work order drawn before it is written
(``Draft``), the scheduler's point arithmetic on drafts, counters drawn back in time, and the base of the
history's drawing (``HistoryBase``)."""

from __future__ import annotations

import datetime
import random
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone

from assets.models import Container, Counter, Resource
from core.devices import EntryChannel
from inventory.models import (
    CostEntry,
    CostKind,
    Part,
    Vendor,
)
from mms.demo.base import LoaderBase, _at
from mms.demo.constants import (
    DEMO_CURRENCY,
    DEMO_TIME_ZONE,
    DEMO_TODAY,
    SITE_CLINIC,
    SITE_HILLTOP,
    SITE_RIVERSIDE,
)
from mms.demo.history_data import (
    CREW,
    EQUIPMENT,
    MECHANICAL,
    Failure,
)
from mms.demo.inventory import DEMO_STOCK
from orders.models import (
    ActionLog,
    Assignment,
    ChecklistAnswer,
    DataValue,
    DowntimePeriod,
    LabourEntry,
    ScheduleState,
    WorkOrder,
)
from people.models import Employee

ZONE = zoneinfo.ZoneInfo(DEMO_TIME_ZONE)
HISTORY_SEED = 16
HISTORY_DAYS = 730
# The demo's "now": the start of its today. Everything in the history happened before it.
NOW = _at(DEMO_TODAY)
HISTORY_START = NOW - datetime.timedelta(days=HISTORY_DAYS)
# Riverside's main store was counted in 30 days before today (``mms.demo.inventory``): before that no
# site stocked parts in MMS, so a part used was a direct use; after it, the parts it stocks would have
# been issued from it, and the history uses none of them (the store's ledger stays what the demo made).
STORE_OPENED = _at(DEMO_TODAY - datetime.timedelta(days=30), datetime.time(10))
STOCKED_AT_RIVERSIDE = {number for number, _quantity in DEMO_STOCK}
HOURS = Decimal("0.01")
CHANGE_REASON = "demo history"
# The last 24 calendar months each have, at Riverside, a breakdown with downtime, labour and parts.
COVERED_MONTHS = 24


@dataclass
class Draft:
    """A work order of the history with what hangs off it, before any row is written.

    ``fields`` are the order's (its protected states included: a row is made once, with its final
    values); rows hanging off it get their order when it is made (``History.write``)."""

    fields: dict[str, Any]
    last_event: datetime.datetime
    actor: User | None
    labour: list[LabourEntry] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    parts: list[tuple[Part, Decimal, datetime.datetime, User | None]] = field(default_factory=list)
    external: list[CostEntry] = field(default_factory=list)
    downtime: DowntimePeriod | None = None
    answers: list[ChecklistAnswer] = field(default_factory=list)
    values: list[DataValue] = field(default_factory=list)
    codes: tuple[str, str, str] = ("", "", "")
    points_to: Draft | None = None  # the order a rework redoes or a duplicate was joined into
    rework: Draft | None = None  # the rework order this one was sent back into
    order: WorkOrder | None = None

    @property
    def site_code(self) -> str:
        return str(self.fields["site"].code)

    @property
    def children(self) -> list[models.Model]:
        rows: list[models.Model] = [*self.labour, *self.assignments, *self.external, *self.answers, *self.values]
        return rows + ([self.downtime] if self.downtime is not None else [])


def to_minute(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(second=0, microsecond=0)


def working_time(moment: datetime.datetime) -> datetime.datetime:
    """The moment, or the next working morning (07:30 local) if it falls at night or on a Sunday."""
    local = moment.astimezone(ZONE)
    if local.hour >= 17:
        local = (local + datetime.timedelta(days=1)).replace(hour=7, minute=30)
    elif local.hour < 7:
        local = local.replace(hour=7, minute=30)
    if local.weekday() == 6:
        local = (local + datetime.timedelta(days=1)).replace(hour=7, minute=30)
    return to_minute(local)


def quarter_hours(low: float, high: float, rng: random.Random) -> Decimal:
    """A duration in quarter hours between ``low`` and ``high``."""
    return max(Decimal(round(rng.uniform(low, high) * 4)) / 4, Decimal("0.25")).quantize(HOURS)


def schedule_state_at(fields: dict[str, Any], moment: datetime.datetime, value: Decimal | None = None) -> str:
    """The schedule state the scheduler's tick would have moved an order to by ``moment`` (its counter
    showing ``value``): the latest of its points, in time or in usage, already reached."""
    reached: str = ScheduleState.BEFORE_EARLY_DUE
    for state, point in (
        (ScheduleState.EARLY_DUE, "early_due"),
        (ScheduleState.DUE, "due"),
        (ScheduleState.LATE_DUE, "late_due"),
    ):
        at, usage = fields.get(f"{point}_at"), fields.get(f"{point}_value")
        if (at is not None and at <= moment) or (usage is not None and value is not None and usage <= value):
            reached = state
    return reached


def close(fields: dict[str, Any], state: str, at: datetime.datetime, value: Decimal | None = None) -> None:
    """Close the order in ``state`` at ``at``, as the model's ``_close()`` does: on time when closed by its
    late-due point, never when its schedule state had reached late due."""
    fields["schedule_state"] = schedule_state_at(fields, at, value)
    fields["execution_state"] = state
    fields["closed_at"] = at
    late = fields.get("late_due_at")
    fields["closed_on_time"] = None if late is None else at <= late
    if fields["schedule_state"] == ScheduleState.LATE_DUE:
        fields["closed_on_time"] = False


def time_fields(points: Any) -> dict[str, datetime.datetime]:
    return {"early_due_at": points.early, "due_at": points.due, "late_due_at": points.late}


def usage_fields(points: Any, counter: Counter) -> dict[str, Any]:
    return {
        "counter": counter,
        "early_due_value": points.early,
        "due_value": points.due,
        "late_due_value": points.late,
    }


class Meter:
    """A cumulative counter drawn back in time at the rate of its readings (the demo has weeks of
    readings; the history needs the hours and kilometres of two years)."""

    def __init__(self, counter: Counter) -> None:
        readings = list(counter.readings.order_by("taken_at").values_list("taken_at", "value"))
        (self.first_at, self.first), (last_at, last) = readings[0], readings[-1]
        self.counter = counter
        self.per_second = (last - self.first) / Decimal((last_at - self.first_at).total_seconds())

    def value_at(self, moment: datetime.datetime) -> Decimal:
        seconds = Decimal((moment - self.first_at).total_seconds())
        return (self.first + self.per_second * seconds).quantize(Decimal("0.1"))

    def time_at(self, value: Decimal) -> datetime.datetime:
        return to_minute(self.first_at + datetime.timedelta(seconds=float((value - self.first) / self.per_second)))


def covered_months() -> list[datetime.date]:
    """The first days of the last ``COVERED_MONTHS`` calendar months, today's month last."""
    months = [DEMO_TODAY.replace(day=1)]
    while len(months) < COVERED_MONTHS:
        months.append((months[-1] - datetime.timedelta(days=1)).replace(day=1))
    return sorted(months)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


class HistoryBase:
    """What drawing the history needs: the demo's rows by key, who works where, and the rows a piece of
    work records (labour, parts, costs). ``rows`` counts the rows written (history rows aside)."""

    def __init__(self, loader: LoaderBase) -> None:
        self.rng = random.Random(HISTORY_SEED)
        self.loader = loader
        self.users = loader.users
        self.employees = {employee.code: employee for employee in Employee.objects.select_related("user")}
        self.parts = Part.objects.in_bulk(field_name="part_number")
        self.vendors = Vendor.objects.in_bulk(field_name="code")
        self.drafts: list[Draft] = []
        self.busy: dict[str, list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(list)
        self.links: list[tuple[DowntimePeriod, Draft]] = []  # the demo's own periods, and the order behind each
        self.holds: list[tuple[ActionLog, Draft]] = []
        self.invoices: list[CostEntry] = []  # contracts' invoices
        self.rows = 0

    # --- Who, where --------------------------------------------------------------------------
    def entity(self, tag: str) -> Resource | Container:
        return self.loader.containers[tag] if EQUIPMENT[tag][0] else self.loader.resources[tag]

    def entity_field(self, tag: str) -> dict[str, Resource | Container]:
        return {"container" if EQUIPMENT[tag][0] else "resource": self.entity(tag)}

    @staticmethod
    def site_code(tag: str) -> str:
        return {"RIV": SITE_RIVERSIDE, "HIL": SITE_HILLTOP, "KDC": SITE_CLINIC}[tag.split("-")[0]]

    def supervisor(self, site_code: str) -> User:
        """Who approves and accepts: the supervisor at the water sites; the administrator at the clinic,
        which has no supervisor of its own."""
        return self.users["admin" if site_code == SITE_CLINIC else "supervisor"]

    def requester(self, site_code: str, failure: Failure | None = None) -> User:
        if site_code == SITE_CLINIC:
            return self.users[self.rng.choice(["requester", "requester", "technician2"])]
        choices = ["technician", "technician", "supervisor"]
        if failure is not None and failure.down and site_code == SITE_RIVERSIDE:
            choices.append("integrator")  # a SCADA alarm raised the order
        return self.users[self.rng.choice(choices)]

    def crew(self, site_code: str, trade: str, people: int) -> list[Employee]:
        trades = CREW[site_code]
        lead, second = trades.get(trade) or trades[MECHANICAL]
        return [self.employees[code] for code in dict.fromkeys([lead, second][:people])]

    def draft(self, tag: str, created: datetime.datetime, actor: User | None, **fields: Any) -> Draft:
        draft = Draft(
            fields={
                "site": self.loader.areas[self.site_code(tag)],
                "created_at": to_minute(created),
                "requester": actor,
                **self.entity_field(tag),
                **fields,
            },
            last_event=to_minute(created),
            actor=actor,
        )
        self.drafts.append(draft)
        return draft

    # --- What the work records ---------------------------------------------------------------
    def work(
        self,
        draft: Draft,
        people: list[Employee],
        started: datetime.datetime,
        hours: Decimal,
        assigned_by: User | None,
        assigned_at: datetime.datetime,
    ) -> datetime.datetime:
        """Each person's labour entry (its cost at their rate, as the labour services work it out) and
        assignment; returns when the work stopped."""
        stopped = to_minute(started + datetime.timedelta(hours=float(hours)))
        for employee in people:
            draft.assignments.append(Assignment(employee=employee, assigned_by=assigned_by, assigned_at=assigned_at))
            draft.labour.append(
                LabourEntry(
                    employee=employee,
                    started_at=started,
                    stopped_at=stopped,
                    hours=hours,
                    hourly_rate=employee.hourly_rate,
                    currency=employee.currency,
                    cost=(hours * employee.hourly_rate).quantize(HOURS, rounding=ROUND_HALF_UP),
                    recorded_at=stopped,
                    entered_via=self.channel(employee),
                )
            )
        return stopped

    def channel(self, employee: Employee) -> str:
        """Through what the hours were entered: mostly the technician's phone; by a supervisor at a desk
        for people without a login of their own."""
        if employee.user_id is None:
            return EntryChannel.DESKTOP
        return EntryChannel.PHONE if self.rng.random() < 0.75 else EntryChannel.DESKTOP

    def use_parts(self, draft: Draft, lines: Iterable[tuple[str, str]], at: datetime.datetime, by: Employee) -> None:
        """Parts used, but none that Riverside's store stocked then (see ``STORE_OPENED``)."""
        for number, quantity in lines:
            if draft.site_code == SITE_RIVERSIDE and at >= STORE_OPENED and number in STOCKED_AT_RIVERSIDE:
                continue
            draft.parts.append((self.parts[number], Decimal(quantity), at, by.user))

    def pay(self, draft: Draft, external: tuple[str, str, int, int], on: datetime.datetime) -> None:
        """An external cost in the vendor's currency (KES without a vendor), as ``cost_entry_add`` records it."""
        code, description, low, high = external
        vendor = self.vendors[code] if code else None
        currency = vendor.currency if vendor is not None else DEMO_CURRENCY
        step = 100 if currency == DEMO_CURRENCY else 5
        amount = Decimal(self.rng.randrange(low // step, high // step + 1) * step)
        draft.external.append(
            CostEntry(
                kind=CostKind.EXTERNAL,
                site=draft.fields["site"],
                vendor=vendor,
                description=description,
                amount=amount.quantize(HOURS),
                currency=currency,
                incurred_on=timezone.localdate(on, ZONE),
                recorded_by=self.users["storekeeper" if draft.site_code == SITE_RIVERSIDE else "admin"],
            )
        )
