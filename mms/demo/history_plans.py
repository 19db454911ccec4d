"""The demo history's preventive work: the plans' orders over two years, on the scheduler's arithmetic."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from assets.models import Counter
from mms.demo.base import _at
from mms.demo.constants import (
    DEMO_PLANS_EFFECTIVE,
    SITE_CLINIC,
)
from mms.demo.history_data import (
    MECHANICAL,
    SKIP_REASONS,
)
from mms.demo.history_rows import (
    HISTORY_START,
    NOW,
    ZONE,
    Draft,
    HistoryBase,
    Meter,
    close,
    schedule_state_at,
    time_fields,
    to_minute,
    usage_fields,
    working_time,
)
from mms.demo.plans import CHLORINATOR_CHECK, GENERATOR_SERVICE, PUMP_INSPECTION, VEHICLE_SERVICE
from orders.models import (
    ActionLog,
    ActionLogStatus,
    ChecklistAnswer,
    DataValue,
    DowntimeKind,
    DowntimePeriod,
    ExecutionState,
    OrderKind,
)
from orders.scheduler import time_points, usage_points
from people.models import Employee
from plans.models import ActionKind, Activity, ChecklistItemKind, PlanInstance, ScheduleTransition

# Shares of the weekly checks skipped and done late.
SKIPPED, LATE = 0.05, 0.09


class PreventiveWork(HistoryBase):
    """Draws the planned orders of the history."""

    # --- Preventive work ---------------------------------------------------------------------
    def instance(self, plan: str, tag: str) -> tuple[PlanInstance, Activity]:
        instance = PlanInstance.objects.select_related("plan").get(plan__code=plan, **self.entity_field(tag))
        activity = Activity.objects.prefetch_related("checklist_items", "data_parameters", "parts__part").get(
            version_id=instance.plan.effective_version_id
        )
        return instance, activity

    def planned(
        self,
        tag: str,
        instance: PlanInstance,
        activity: Activity,
        sequence: int,
        created: datetime.datetime,
        **fields: Any,
    ) -> Draft:
        """A planned order as the scheduler makes it (no requester), with ``fields`` (its points, states)."""
        draft = self.draft(
            tag,
            created,
            None,
            kind=OrderKind.PLANNED,
            plan_instance=instance,
            activity=activity,
            activity_code=activity.code,
            sequence=sequence,
            title=activity.name,
            description=activity.instructions,
            priority=activity.priority,
            **fields,
        )
        draft.actor = self.supervisor(draft.site_code)
        return draft

    def done(
        self,
        tag: str,
        instance: PlanInstance,
        activity: Activity,
        sequence: int,
        created: datetime.datetime,
        points: dict[str, Any],
        closed: datetime.datetime,
        people: list[Employee],
        hours: Decimal,
        value: Decimal | None = None,
    ) -> Draft:
        """Planned work begun, recorded (checklist, data, labour, its bill of parts) and accepted at ``closed``."""
        started = to_minute(closed - datetime.timedelta(hours=float(hours), minutes=self.rng.randint(10, 40)))
        stopped = to_minute(started + datetime.timedelta(hours=float(hours)))
        fields = {**points, "started_at": started, "completed_at": stopped, "accepted_at": closed}
        close(fields, ExecutionState.CLOSED, closed, value)
        draft = self.planned(tag, instance, activity, sequence, created, **fields)
        draft.last_event = closed
        self.work(draft, people, started, hours, draft.actor, created)
        answered_by = people[0].user
        for item in activity.checklist_items.all():
            answer = ChecklistAnswer(item=item, answered_by=answered_by, answered_at=stopped)
            if item.kind == ChecklistItemKind.CHECK:
                answer.done = True
            elif item.kind == ChecklistItemKind.PASS_FAIL:
                answer.passed = self.rng.random() > 0.04
            elif item.kind == ChecklistItemKind.NUMBER:
                low, high = item.lower_limit or Decimal(0), item.upper_limit or Decimal(100)
                answer.number = Decimal(str(round(self.rng.uniform(float(high) * 0.6, float(high) * 0.92), 1)))
                answer.within_limits = low <= answer.number <= high
            elif item.kind == ChecklistItemKind.TEXT:
                answer.text = self.rng.choice(["2 drums full, 1 in use", "1 drum full, 1 in use", "3 drums full"])
            else:
                continue  # photos are optional; none was taken
            draft.answers.append(answer)
        for parameter in activity.data_parameters.all():
            low = float(parameter.lower_warning_limit or 0)
            high = float(parameter.upper_warning_limit or 10)
            reading = Decimal(str(round(self.rng.uniform(low, high * 1.1), 2)))
            draft.values.append(
                DataValue(
                    parameter=parameter,
                    value=reading,
                    evaluation=parameter.evaluate(reading),  # what ``DataValue.save()`` works out
                    recorded_by=answered_by,
                    recorded_at=stopped,
                )
            )
        lines = [(line.part.part_number, str(line.quantity)) for line in activity.parts.all()]
        self.use_parts(draft, lines, stopped, people[0])
        return draft

    def weekly_checks(self, tag: str) -> None:
        """The chlorinator's weekly check (floating): due a week after the previous one closed; the one
        due now is open."""
        instance, activity = self.instance(CHLORINATOR_CHECK, tag)
        people = [self.employees["EMP-0106"]]
        previous = _at(HISTORY_START.date(), datetime.time(9, 40))
        for sequence in range(1, 200):
            created = previous + datetime.timedelta(minutes=1)
            points = time_points(activity, previous, 1, ZONE)
            fields: dict[str, Any] = time_fields(points)
            # Mostly on the due day, a quarter the day before (early), some late; a few skipped.
            roll = self.rng.random()
            day = points.due - datetime.timedelta(days=1 if roll > 0.75 else 0)
            if SKIPPED <= roll < SKIPPED + LATE:
                day = points.late + datetime.timedelta(days=self.rng.randint(0, 3))
            closed = day.replace(hour=self.rng.randint(8, 11), minute=self.rng.randint(0, 59))
            if closed >= NOW:
                self.open_planned(tag, instance, activity, sequence, created, fields, ExecutionState.RELEASED)
                return
            if roll < SKIPPED:
                fields["state_reason"] = self.rng.choice(SKIP_REASONS)
                close(fields, ExecutionState.SKIPPED, closed)
                self.planned(tag, instance, activity, sequence, created, **fields).last_event = closed
            else:
                hours = Decimal(self.rng.choice(["0.50", "0.50", "0.75"]))
                self.done(tag, instance, activity, sequence, created, fields, closed, people, hours)
            previous = closed

    def open_planned(
        self,
        tag: str,
        instance: PlanInstance,
        activity: Activity,
        sequence: int,
        created: datetime.datetime,
        fields: dict[str, Any],
        state: str,
        value: Decimal | None = None,
    ) -> Draft:
        """An open planned order as it stands today."""
        fields = {**fields, "execution_state": state, "schedule_state": schedule_state_at(fields, NOW, value)}
        return self.planned(tag, instance, activity, sequence, created, **fields)

    def monthly_inspections(self) -> None:
        """The pumps' first monthly inspection (fixed: due 30 days after the plan's start date), made when
        the plans were applied; the scheduler makes the next ones."""
        closing = {"RIV-RWP-01": -3, "RIV-RWP-02": 0, "RIV-RWP-03": 8, "HIL-BPS-01": 1}  # days after due
        for tag, days in closing.items():
            instance, activity = self.instance(PUMP_INSPECTION, tag)
            points = time_points(activity, _at(instance.start_date), 1, ZONE)
            closed = (points.due + datetime.timedelta(days=days)).replace(hour=10, minute=15)
            people = self.crew(self.site_code(tag), MECHANICAL, 1)
            self.done(tag, instance, activity, 1, DEMO_PLANS_EFFECTIVE, time_fields(points), closed, people, Decimal(1))

    def generator_services(self, tag: str) -> None:
        """The 250-hour service (usage, floating): due 250 hours after the previous one closed, on the
        hours the generator's counter shows, drawn back over two years at the rate of its readings.

        Where the generator is on hold today (the clinic's, ``mms.demo.upkeep``), the last service was
        not done: its order reached late due and put the generator on hold (the hold action's log)."""
        instance, activity = self.instance(GENERATOR_SERVICE, tag)
        counter = Counter.objects.get(resource=self.loader.resources[tag], name=activity.counter_name)
        meter = Meter(counter)
        hold = DowntimePeriod.objects.filter(
            resource=counter.resource, ended_at__isnull=True, kind=DowntimeKind.ON_HOLD
        ).first()
        interval, tolerance = activity.usage_interval or Decimal(0), activity.usage_late_tolerance
        # Counter values at which services closed, drawn back from the last: the one before the hold's late
        # point (or a few weeks ago), each an interval and a little after the one before.
        if hold is not None:
            closes = [meter.value_at(hold.started_at - datetime.timedelta(days=1)) - tolerance - interval]
        else:
            closes = [meter.value_at(NOW) - Decimal(self.rng.randint(40, 180))]
        while meter.time_at(closes[0]) > HISTORY_START:
            closes.insert(0, closes[0] - interval - Decimal(self.rng.randint(-20, 30)))
        people = self.crew(self.site_code(tag), MECHANICAL, 1)
        base = closes[0]  # the service before the history
        for sequence, target in enumerate(closes[1:], start=1):
            points = usage_fields(usage_points(activity, base, 1), counter)
            created = meter.time_at(points["early_due_value"])
            closed = working_time(meter.time_at(target)).replace(hour=10, minute=self.rng.randint(0, 59))
            base = meter.value_at(closed)
            if self.site_code(tag) == SITE_CLINIC:
                draft = self.done(tag, instance, activity, sequence, created, points, closed, people, Decimal(1), base)
                self.pay(draft, ("V-NPS", "250-hour service by the dealer's technician", 14000, 19000), closed)
            else:
                self.done(tag, instance, activity, sequence, created, points, closed, people, Decimal(3), base)
        if hold is None:
            return
        points = usage_fields(usage_points(activity, base, 1), counter)
        created = meter.time_at(points["early_due_value"])
        state = ExecutionState.APPROVED
        draft = self.open_planned(tag, instance, activity, len(closes), created, points, state, meter.value_at(NOW))
        log = ActionLog(
            kind=ActionKind.HOLD_ENTITY,
            transition=ScheduleTransition.TO_LATE_DUE,
            attempts=1,
            status=ActionLogStatus.SUCCEEDED,
            created_at=hold.started_at,
            finished_at=hold.started_at,
        )
        self.holds.append((log, draft))
        self.links.append((hold, draft))

    def vehicle_services(self) -> None:
        """The vehicle's service (time and usage, floating): 6 months or 10,000 km after the previous one,
        whichever comes first, done at the dealer's workshop."""
        tag = "RIV-VEH-01"
        instance, activity = self.instance(VEHICLE_SERVICE, tag)
        meter = Meter(Counter.objects.get(container=self.loader.containers[tag], name=activity.counter_name))
        previous = _at(HISTORY_START.date() - datetime.timedelta(days=40), datetime.time(15))
        people = [self.employees["EMP-0101"]]
        for sequence in range(1, 20):
            created = previous + datetime.timedelta(minutes=5)
            times = time_points(activity, previous, 1, ZONE)
            usage = usage_points(activity, meter.value_at(previous), 1)
            points = {**time_fields(times), **usage_fields(usage, meter.counter)}
            closed = working_time(
                min(times.due, meter.time_at(usage.due)) + datetime.timedelta(days=self.rng.randint(-6, 9))
            )
            closed = closed.replace(hour=14)
            if closed >= NOW:
                self.open_planned(
                    tag, instance, activity, sequence, created, points, ExecutionState.RELEASED, meter.value_at(NOW)
                )
                return
            value = meter.value_at(closed)
            draft = self.done(tag, instance, activity, sequence, created, points, closed, people, Decimal(1), value)
            self.pay(draft, ("", "Dealer workshop: 10,000 km service", 21000, 29000), closed)
            previous = closed
