"""The demo history's corrective work: breakdowns, reworks, duplicates, refused requests, the orders
behind the demo's own downtime, and the open backlog."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext

from mms.demo.base import _at
from mms.demo.constants import (
    DEMO_TODAY,
    SITE_RIVERSIDE,
)
from mms.demo.history_data import (
    BACKLOG,
    CANCEL_REASONS,
    ELECTRICAL,
    EQUIPMENT,
    MECHANICAL,
    REJECT_REASONS,
    REWORK_REASONS,
    Failure,
)
from mms.demo.history_rows import (
    HISTORY_DAYS,
    HISTORY_START,
    NOW,
    STOCKED_AT_RIVERSIDE,
    STORE_OPENED,
    ZONE,
    Draft,
    HistoryBase,
    close,
    covered_months,
    next_month,
    quarter_hours,
    schedule_state_at,
    to_minute,
    working_time,
)
from orders.models import (
    DowntimeKind,
    DowntimePeriod,
    ExecutionState,
    OrderKind,
)
from people.models import Employee
from plans.models import Priority

# The pump's past breakdown as ``mms.demo.upkeep`` makes it (if that changes, the history just has no order
# for it).
UPKEEP_BREAKDOWN = _at(DEMO_TODAY - datetime.timedelta(weeks=5), datetime.time(5, 40))


class CorrectiveWork(HistoryBase):
    """Draws the corrective orders of the history."""

    # --- Corrective work ---------------------------------------------------------------------
    def free(self, tag: str, start: datetime.datetime, end: datetime.datetime) -> bool:
        margin = datetime.timedelta(days=1)
        return all(end + margin <= begun or start >= ended + margin for begun, ended in self.busy[tag])

    def breakdown(
        self, tag: str, failure: Failure, reported: datetime.datetime, *, rework: bool = True
    ) -> Draft | None:
        """A corrective order on ``tag`` from its report to its acceptance; None when it would not be closed
        by now or would overlap other downtime of the asset."""
        rng, site_code = self.rng, self.site_code(tag)
        boss, reporter = self.supervisor(site_code), self.requester(site_code, failure)
        reported = to_minute(reported)
        approved = reported + datetime.timedelta(minutes=rng.randint(5, 60))
        if failure.priority == Priority.URGENT:
            started = approved + datetime.timedelta(minutes=rng.randint(15, 90))
        else:
            started = working_time(approved + datetime.timedelta(minutes=rng.randint(30, 180)))
        wait = rng.randint(*failure.wait_days)
        if wait:
            started = working_time(started + datetime.timedelta(days=wait)).replace(hour=8, minute=rng.randint(0, 59))
        hours = quarter_hours(*failure.hours, rng)
        completed = to_minute(started + datetime.timedelta(hours=float(hours)))
        accepted = completed + datetime.timedelta(minutes=rng.randint(15, 120))
        if not failure.down:
            accepted = working_time(completed + datetime.timedelta(hours=rng.randint(1, 30)))
        sent_back = rework and rng.random() < 0.07
        end = accepted + datetime.timedelta(days=3 if sent_back else 0)
        if end >= NOW or not self.free(tag, reported, end):
            return None
        fields: dict[str, Any] = {
            "kind": OrderKind.CORRECTIVE,
            "title": failure.title,
            "priority": failure.priority,
            "started_at": started,
            "completed_at": completed,
        }
        if rng.random() < 0.3:
            fields["due_at"] = fields["late_due_at"] = to_minute(reported + datetime.timedelta(days=rng.randint(1, 5)))
        if sent_back:
            fields["state_reason"] = rng.choice(REWORK_REASONS)
            close(fields, ExecutionState.REWORKED, accepted)
        else:
            fields["accepted_at"] = accepted
            close(fields, ExecutionState.CLOSED, accepted)
        draft = self.draft(tag, reported, reporter, **fields)
        draft.last_event, draft.actor, draft.codes = accepted, boss, failure.codes
        people = self.crew(site_code, failure.trade, failure.people)
        stopped = self.work(draft, people, started, hours, boss, approved)
        self.use_parts(draft, failure.parts, started + (stopped - started) / 2, people[0])
        if failure.external is not None:
            self.pay(draft, failure.external, completed)
        if sent_back:
            draft.rework = self.rework_of(draft, tag, people, boss)
            end = draft.rework.fields["closed_at"]
        if failure.down:
            draft.downtime = DowntimePeriod(
                kind=DowntimeKind.DOWN,
                started_at=reported,
                ended_at=end,
                reason=failure.title,
                opened_by=reporter,
                closed_by=boss,
                **self.entity_field(tag),
            )
        self.busy[tag].append((reported, end))
        if failure.down and rng.random() < 0.08:
            self.duplicate(draft, tag)
        return draft

    def rework_of(self, original: Draft, tag: str, people: list[Employee], boss: User) -> Draft:
        """The rework order ``order_rework`` opens, done within a working day and accepted."""
        sent_back = original.fields["closed_at"]
        started = working_time(sent_back + datetime.timedelta(hours=self.rng.randint(2, 20)))
        hours = Decimal(self.rng.choice(["0.75", "1.00", "1.50", "2.00"]))
        stopped = to_minute(started + datetime.timedelta(hours=float(hours)))
        accepted = stopped + datetime.timedelta(minutes=self.rng.randint(20, 90))
        fields: dict[str, Any] = {
            "kind": OrderKind.REWORK,
            "title": gettext("Rework: %(title)s") % {"title": original.fields["title"]},
            "description": original.fields["state_reason"],
            "priority": original.fields["priority"],
            "due_at": original.fields.get("due_at"),
            "late_due_at": original.fields.get("late_due_at"),
            "started_at": started,
            "completed_at": stopped,
            "accepted_at": accepted,
        }
        close(fields, ExecutionState.CLOSED, accepted)
        rework = self.draft(tag, sent_back, boss, **fields)
        rework.points_to, rework.last_event, rework.codes = original, accepted, original.codes
        self.work(rework, people, started, hours, boss, sent_back)
        return rework

    def duplicate(self, original: Draft, tag: str) -> None:
        """A second report of the same breakdown, joined into the first."""
        reported = original.fields["created_at"] + datetime.timedelta(minutes=self.rng.randint(10, 50))
        fields: dict[str, Any] = {
            "kind": OrderKind.CORRECTIVE,
            "title": original.fields["title"],
            "priority": original.fields["priority"],
        }
        joined = reported + datetime.timedelta(minutes=self.rng.randint(5, 40))
        close(fields, ExecutionState.CLOSED_AS_JOINED, joined)
        draft = self.draft(tag, reported, self.requester(original.site_code), **fields)
        draft.points_to, draft.last_event, draft.actor = original, joined, self.supervisor(original.site_code)

    def refused(self, tag: str, reported: datetime.datetime, *, rejected: bool) -> None:
        """A request rejected by the supervisor, or canceled by the person who made it."""
        site_code = self.site_code(tag)
        reporter = self.requester(site_code)
        fields: dict[str, Any] = {
            "kind": OrderKind.CORRECTIVE,
            "title": self.rng.choice(EQUIPMENT[tag][1]).title,
            "priority": Priority.NORMAL,
            "state_reason": self.rng.choice(REJECT_REASONS if rejected else CANCEL_REASONS),
        }
        closed = to_minute(reported) + datetime.timedelta(hours=self.rng.randint(1, 30))
        close(fields, ExecutionState.REJECTED if rejected else ExecutionState.CANCELED, closed)
        draft = self.draft(tag, reported, reporter, **fields)
        draft.last_event, draft.actor = closed, self.supervisor(site_code) if rejected else reporter

    def corrective_history(self) -> None:
        """Breakdowns at each asset's own rate; then one more at Riverside in any month left without a
        breakdown that took an asset down and used parts (so every month of the charts has one); and a
        few requests rejected or canceled."""
        rng = self.rng
        for tag, (_is_container, failures, per_year) in EQUIPMENT.items():
            moment = HISTORY_START + datetime.timedelta(days=rng.expovariate(per_year / 365))
            while moment < NOW:
                made = self.breakdown(tag, rng.choice(failures), moment)
                after = made.fields["closed_at"] if made is not None else moment
                moment = after + datetime.timedelta(days=rng.expovariate(per_year / 365))
        riverside = [tag for tag in EQUIPMENT if tag.startswith("RIV-")]
        for first_day in covered_months():
            last_day = min(next_month(first_day), DEMO_TODAY - datetime.timedelta(days=3))
            if any(self.shows_in_month(draft, first_day, last_day) for draft in self.drafts):
                continue
            minutes = int((_at(last_day) - _at(first_day)).total_seconds() // 60)
            for _attempt in range(100):
                tag = rng.choice(riverside)
                moment = _at(first_day) + datetime.timedelta(minutes=rng.randint(0, minutes))
                usable = [f for f in EQUIPMENT[tag][1] if f.down and self.uses_parts(f, moment)]
                made = self.breakdown(tag, rng.choice(usable), moment, rework=False) if usable else None
                if made is not None and self.shows_in_month(made, first_day, last_day):
                    break
        for _request in range(18):
            tag = rng.choice(list(EQUIPMENT))
            moment = HISTORY_START + datetime.timedelta(minutes=rng.randint(0, (HISTORY_DAYS - 3) * 24 * 60))
            self.refused(tag, working_time(moment), rejected=rng.random() < 0.6)

    @staticmethod
    def uses_parts(failure: Failure, moment: datetime.datetime) -> bool:
        """Whether a breakdown at Riverside at ``moment`` uses a part (see ``use_parts``)."""
        return any(moment < STORE_OPENED or number not in STOCKED_AT_RIVERSIDE for number, _q in failure.parts)

    @staticmethod
    def shows_in_month(draft: Draft, first_day: datetime.date, last_day: datetime.date) -> bool:
        """A Riverside breakdown of a resource in ``[first_day, last_day)``, closed, with downtime, labour
        and parts (reported, worked and its parts used in those days)."""
        if draft.site_code != SITE_RIVERSIDE or "resource" not in draft.fields or draft.downtime is None:
            return False
        if draft.fields["execution_state"] != ExecutionState.CLOSED or not draft.parts or not draft.labour:
            return False
        moments = [draft.fields["created_at"], *(at for _p, _q, at, _u in draft.parts)]
        moments += [entry.started_at for entry in draft.labour if entry.started_at is not None]
        return all(first_day <= timezone.localdate(moment, ZONE) < last_day for moment in moments)

    # --- The demo's own downtime: the orders behind it ---------------------------------------
    def scripted(self) -> None:
        """The orders behind the downtime the demo shows (``mms.demo.upkeep``): raw-water pump 2's seal
        replaced five weeks ago, and whatever is down today (oxygen concentrator 2), diagnosed and waiting
        for parts. Open periods keep the history's breakdowns off their assets."""
        pump = self.loader.resources["RIV-RWP-02"]
        seal = DowntimePeriod.objects.filter(resource=pump, started_at=UPKEEP_BREAKDOWN, ended_at__isnull=False).first()
        if seal is not None and seal.ended_at is not None:
            boss = self.users["supervisor"]
            started = seal.started_at.astimezone(ZONE).replace(hour=7, minute=30)
            fields: dict[str, Any] = {
                "kind": OrderKind.CORRECTIVE,
                "title": "Mechanical seal leaking at the drive end",
                "description": seal.reason,
                "priority": Priority.URGENT,
                "started_at": started,
                "accepted_at": seal.ended_at,
            }
            people = self.crew(SITE_RIVERSIDE, MECHANICAL, 2)
            draft = self.draft("RIV-RWP-02", seal.started_at, self.users["technician"], **fields)
            draft.fields["completed_at"] = self.work(draft, people, started, Decimal("4.50"), boss, seal.started_at)
            close(draft.fields, ExecutionState.CLOSED, seal.ended_at)
            self.use_parts(draft, [("MS-NK150-48", "1")], started + datetime.timedelta(hours=2), people[0])
            draft.last_event, draft.actor, draft.codes = seal.ended_at, boss, ("ELP", "WEAR", "REPLACE")
            self.busy["RIV-RWP-02"].append((seal.started_at, seal.ended_at))
            self.links.append((seal, draft))
        for tag, resource in self.loader.resources.items():
            period = DowntimePeriod.objects.filter(resource=resource, ended_at__isnull=True).first()
            if period is None:
                continue
            self.busy[tag].append((period.started_at, NOW + datetime.timedelta(days=365)))
            if period.kind == DowntimeKind.DOWN and tag in EQUIPMENT:
                self.open_breakdown(tag, period)

    def open_breakdown(self, tag: str, period: DowntimePeriod) -> None:
        """The order that took ``tag`` down, diagnosed and waiting for its parts."""
        failure = EQUIPMENT[tag][1][0]
        site_code = self.site_code(tag)
        boss = self.supervisor(site_code)
        started = working_time(period.started_at + datetime.timedelta(hours=2))
        fields: dict[str, Any] = {
            "kind": OrderKind.CORRECTIVE,
            "title": failure.title,
            "description": period.reason,
            "priority": Priority.URGENT,
            "execution_state": ExecutionState.IN_PROGRESS,
            "started_at": started,
        }
        draft = self.draft(tag, period.started_at, self.requester(site_code), **fields)
        self.work(draft, self.crew(site_code, failure.trade, 1), started, Decimal("1.50"), boss, period.started_at)
        draft.last_event, draft.actor, draft.codes = started, boss, failure.codes
        self.links.append((period, draft))

    # --- Open backlog ------------------------------------------------------------------------
    def backlog(self) -> None:
        """Open requests of every age and state, some past their due date."""
        states = [
            ExecutionState.REQUESTED,
            ExecutionState.APPROVED,
            ExecutionState.RELEASED,
            ExecutionState.IN_PROGRESS,
            ExecutionState.WAITING_FOR_ACCEPTANCE,
        ]
        ages = [1, 2, 4, 6, 9, 13, 20, 27, 38, 52, 75, 110, 160]
        for position, (tag, title, priority) in enumerate(BACKLOG):
            age = datetime.timedelta(days=self.rng.choice(ages), hours=self.rng.randint(2, 8))
            created = working_time(NOW - age)
            site_code, state = self.site_code(tag), states[position % len(states)]
            fields: dict[str, Any] = {"kind": OrderKind.CORRECTIVE, "title": title, "priority": priority}
            if position % 3 == 0:
                fields["due_at"] = fields["late_due_at"] = created + datetime.timedelta(days=self.rng.randint(3, 21))
            working = state in (ExecutionState.IN_PROGRESS, ExecutionState.WAITING_FOR_ACCEPTANCE)
            started = working_time(created + datetime.timedelta(days=1))
            stopped = started + datetime.timedelta(hours=1.5)
            if working and stopped >= NOW:
                state, working = ExecutionState.RELEASED, False
            if working:
                fields["started_at"] = started
            if state == ExecutionState.WAITING_FOR_ACCEPTANCE:
                fields["completed_at"] = stopped
            fields |= {"execution_state": state, "schedule_state": schedule_state_at(fields, NOW)}
            draft = self.draft(tag, created, self.requester(site_code), **fields)
            boss = self.supervisor(site_code)
            if working:
                people = self.crew(site_code, ELECTRICAL if position % 2 else MECHANICAL, 1)
                self.work(draft, people, started, Decimal("1.50"), boss, created)
            if state != ExecutionState.REQUESTED:
                draft.actor = boss
