"""The plan register: one row per activity (plan code + activity code), the rows of a plan together
making its content (activities, with a time, usage or ad-hoc trigger and who does them).

Plans are written through ``plans.services`` as drafts in one change set per import, left open for the
planner to review and submit: nothing of a file is effective before the change set is approved and a
version made effective. A plan whose latest content equals the file's is left alone; a plan that differs
gets a new draft version (or its open draft is brought in line), holding exactly the file's activities.
A problem on one activity row skips its whole plan (a plan is not written with some activities missing).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ActionForbidden, ActionNotAllowed
from exchange.csvio.columns import Column, ImportContext, Register, Row, register
from exchange.csvio.registers.common import load_by
from exchange.csvio.values import Choice, Integer, Number, Text
from exchange.report import CREATED, UNCHANGED, UPDATED
from plans import services as plan_services
from plans.models import (
    Activity,
    ChangeSet,
    ChangeSetState,
    MaintenancePlan,
    PlanVersion,
    PlanVersionState,
    Priority,
    ScheduleNextMode,
    TimeUnit,
    TriggerKind,
)

ZERO = Decimal(0)
# Register field -> activity field (the rest are the plan's own or named the same).
ACTIVITY_FIELD = {
    "activity": "code",
    "activity_name": "name",
    "interval": "time_interval",
    "unit": "time_unit",
    "early_window": "time_early_window",
    "late_tolerance": "time_late_tolerance",
    "schedule_next": "schedule_next_mode",
}
ACTIVITY_VALUES = (
    "activity",
    "activity_name",
    "instructions",
    "trigger",
    "interval",
    "unit",
    "early_window",
    "late_tolerance",
    "counter_name",
    "counter_unit",
    "usage_interval",
    "usage_early_window",
    "usage_late_tolerance",
    "schedule_next",
    "priority",
    "estimated_minutes",
)
# Model field -> register field, to report a model error under the file's column.
MODEL_TO_REGISTER = {value: key for key, value in ACTIVITY_FIELD.items()} | {"executing_role": "executing_role"}


class _PlanSkipped(Exception):
    """Leaves the savepoint of a plan whose rows could not all be written."""


@register
class PlanRegister(Register):
    target = "plans"
    position = 8
    label = gettext_lazy("maintenance plans")
    record = "plan"
    columns = (
        Column("plan", gettext_lazy("Plan code"), Text(50), required=True),
        Column("plan_name", gettext_lazy("Plan name"), Text(200), required=True),
        Column("plan_description", gettext_lazy("Plan description"), Text()),
        Column(
            "activity",
            gettext_lazy("Activity code"),
            Text(30),
            required=True,
            help=gettext_lazy("e.g. monthly-inspection"),
        ),
        Column("activity_name", gettext_lazy("Activity"), Text(200), required=True),
        Column("instructions", gettext_lazy("Instructions"), Text()),
        Column(
            "trigger",
            gettext_lazy("Trigger"),
            Choice(TriggerKind.choices),
            help=gettext_lazy("time (default), usage, time_and_usage, ad_hoc"),
        ),
        Column(
            "interval",
            gettext_lazy("Interval"),
            Integer(minimum=1),
            help=gettext_lazy("Time triggers: every so many units"),
        ),
        Column("unit", gettext_lazy("Interval unit"), Choice(TimeUnit.choices)),
        Column("early_window", gettext_lazy("Early window"), Integer(minimum=0)),
        Column("late_tolerance", gettext_lazy("Late tolerance"), Integer(minimum=0)),
        Column(
            "counter_name", gettext_lazy("Counter"), Text(100), help=gettext_lazy("Usage triggers: the counter watched")
        ),
        Column("counter_unit", gettext_lazy("Counter unit"), Text(20)),
        Column("usage_interval", gettext_lazy("Usage interval"), Number(3, 14, ZERO)),
        Column("usage_early_window", gettext_lazy("Usage early window"), Number(3, 14, ZERO)),
        Column("usage_late_tolerance", gettext_lazy("Usage late tolerance"), Number(3, 14, ZERO)),
        Column("schedule_next", gettext_lazy("Schedule next"), Choice(ScheduleNextMode.choices)),
        Column(
            "executing_role",
            gettext_lazy("Executing role"),
            Text(150),
            required=True,
            help=gettext_lazy("e.g. Technician"),
        ),
        Column("priority", gettext_lazy("Priority"), Choice(Priority.choices)),
        Column("estimated_minutes", gettext_lazy("Estimated minutes"), Integer(minimum=1)),
    )
    key = ("plan", "activity")
    key_help = gettext_lazy("the plan code and the activity code")
    import_permissions = (
        "plans.add_maintenanceplan",
        "plans.add_planversion",
        "plans.add_changeset",
        "plans.add_activity",
        "plans.change_activity",
        "plans.delete_activity",
    )
    export_permission = "plans.view_maintenanceplan"

    def import_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        rejected = ctx.rejected_keys("plan")
        groups: dict[str, list[Row]] = {}
        for row in rows:
            groups.setdefault(row.get("plan"), []).append(row)
        roles = load_by(Group.objects.all(), "name", (row.get("executing_role") for row in rows))
        plans = load_by(MaintenancePlan.objects.all(), "code", groups)
        self._change_set: ChangeSet | None = None
        for code, plan_rows in groups.items():
            if code in rejected:
                for row in plan_rows:
                    ctx.problem(
                        row.number,
                        "plan",
                        _("Skipped with its plan (row %(row)s has a problem).") % {"row": rejected[code]},
                    )
                continue
            self._import_plan(ctx, code, plan_rows, plans.get(code), roles)
        if self._change_set is not None:
            ctx.report.notes.append(
                _("The plans are drafts in change set %(change_set)s: review it, then submit it for approval.")
                % {"change_set": self._change_set}
            )

    def _activities(self, ctx: ImportContext, rows: list[Row], roles: dict[str, Group]) -> list[dict[str, Any]] | None:
        """The activity values of the plan's rows (model fields), or None with the problems reported."""
        wanted = []
        ok = True
        for position, row in enumerate(rows, start=1):
            role = roles.get(row.get("executing_role"))
            if role is None:
                ctx.problem(
                    row.number,
                    "executing_role",
                    _("No role is named “%(name)s”.") % {"name": row.get("executing_role")},
                )
                ok = False
                continue
            values: dict[str, Any] = {"position": position, "executing_role": role}
            for name in ACTIVITY_VALUES:
                if row.has(name):
                    values[ACTIVITY_FIELD.get(name, name)] = row.get(name)
            trigger = values.get("trigger") or TriggerKind.TIME
            values["trigger"] = trigger
            for name, empty in (
                ("time_early_window", 0),
                ("time_late_tolerance", 0),
                ("usage_early_window", ZERO),
                ("usage_late_tolerance", ZERO),
                ("priority", Priority.NORMAL),
                ("time_unit", ""),
            ):
                if values.get(name) is None:
                    values[name] = empty
            if not values.get("schedule_next_mode"):
                values["schedule_next_mode"] = "" if trigger == TriggerKind.AD_HOC else ScheduleNextMode.FLOATING
            wanted.append(values)
        return wanted if ok else None

    def _import_plan(
        self, ctx: ImportContext, code: str, rows: list[Row], plan: MaintenancePlan | None, roles: dict[str, Group]
    ) -> None:
        first = rows[0]
        wanted = self._activities(ctx, rows, roles)
        if wanted is None:
            for row in rows:
                if not ctx.report.is_skipped(ctx.sheet, row.number):
                    ctx.problem(row.number, "plan", _("Skipped with its plan (another of its rows has a problem)."))
            return
        plan_values = {"name": first.get("plan_name")}
        if first.has("plan_description"):
            plan_values["description"] = first.get("plan_description") or ""
        had_change_set = self._change_set is not None
        self._tallies: list[tuple[str, str]] = []
        try:
            with transaction.atomic():
                action = self._write_plan(ctx, code, rows, plan, plan_values, wanted)
        except (_PlanSkipped, ActionNotAllowed, ActionForbidden, ValidationError) as error:
            if not had_change_set:
                self._change_set = None  # made in the savepoint just rolled back
            if isinstance(error, ActionNotAllowed | ActionForbidden):
                for row in rows:
                    ctx.problem(row.number, "plan", error.message)
            elif isinstance(error, ValidationError):
                plan_fields = {"code": "plan", "name": "plan_name", "description": "plan_description"}
                ctx.validation_problems(first.number, error, plan_fields)
                for row in rows[1:]:
                    ctx.problem(
                        row.number,
                        "plan",
                        _("Skipped with its plan (row %(row)s has a problem).") % {"row": first.number},
                    )
            return
        ctx.tally(self.record, action)
        for record, activity_action in self._tallies:
            ctx.tally(record, activity_action)

    def _change_set_for(self, ctx: ImportContext) -> ChangeSet:
        if self._change_set is None:
            self._change_set = plan_services.changeset_create(
                user=ctx.user,
                name=(_("CSV import of %(file)s") % {"file": ctx.file_name})[:200],
                description=_("Plans imported from %(file)s on %(day)s, for review.")
                % {"file": ctx.file_name, "day": timezone.localdate().isoformat()},
            )
        return self._change_set

    def _write_plan(
        self,
        ctx: ImportContext,
        code: str,
        rows: list[Row],
        plan: MaintenancePlan | None,
        plan_values: dict[str, Any],
        wanted: list[dict[str, Any]],
    ) -> str:
        if plan is None:
            first_version = plan_services.plan_create(
                user=ctx.user,
                code=code,
                name=plan_values["name"],
                description=plan_values.get("description", ""),
                change_set=self._change_set_for(ctx),
            )
            self._write_activities(ctx, first_version, rows, wanted)
            return CREATED
        plan_action = ctx.save(plan, plan_values)
        version = _draft_of(plan) or plan.latest_version()
        if version is not None and _same_content(version, wanted):
            self._tallies.extend(("activity", UNCHANGED) for _values in wanted)
            return UPDATED if plan_action != UNCHANGED else UNCHANGED
        if version is None or not version.is_editable:
            version = plan_services.version_create_draft(
                plan=plan,
                user=ctx.user,
                change_set=self._change_set_for(ctx),
                notes=_("From the CSV file %(file)s.") % {"file": ctx.file_name},
            )
        self._write_activities(ctx, version, rows, wanted)
        return UPDATED

    def _write_activities(
        self, ctx: ImportContext, version: PlanVersion, rows: list[Row], wanted: list[dict[str, Any]]
    ) -> None:
        existing = {activity.code: activity for activity in version.activities.all()}
        failed = False
        for row, values in zip(rows, wanted, strict=True):
            activity = existing.pop(values["code"], None) or Activity(version=version)
            if activity.pk and not _differs(activity, values):
                self._tallies.append(("activity", UNCHANGED))
                continue
            is_new = activity.pk is None
            for name, value in values.items():
                setattr(activity, name, value)
            try:
                plan_services.draft_content_save(obj=activity, user=ctx.user)
            except ValidationError as error:
                ctx.validation_problems(row.number, error, MODEL_TO_REGISTER)
                failed = True
                continue
            self._tallies.append(("activity", CREATED if is_new else UPDATED))
        if failed:
            for row in rows:
                if not ctx.report.is_skipped(ctx.sheet, row.number):
                    ctx.problem(row.number, "plan", _("Skipped with its plan (another of its rows has a problem)."))
            raise _PlanSkipped
        for activity in existing.values():  # the file is the plan's whole content
            plan_services.draft_content_delete(obj=activity, user=ctx.user)

    def export_rows(self, user: Any, site_ids: Sequence[int] | None) -> Iterator[dict[str, Any]]:
        for plan in MaintenancePlan.objects.order_by("code"):
            version = _draft_of(plan) or plan.effective_version or plan.latest_version()
            if version is None:
                continue
            for activity in version.activities.select_related("executing_role").order_by("position", "pk"):
                yield {
                    "plan": plan.code,
                    "plan_name": plan.name,
                    "plan_description": plan.description,
                    **{name: getattr(activity, ACTIVITY_FIELD.get(name, name)) for name in ACTIVITY_VALUES},
                    "executing_role": activity.executing_role.name,
                }


def _draft_of(plan: MaintenancePlan) -> PlanVersion | None:
    """The plan's draft still being edited (in an open change set), if any."""
    return (
        plan.versions.select_related("change_set")
        .filter(state=PlanVersionState.DRAFT, change_set__state=ChangeSetState.CREATED)
        .order_by("-number")
        .first()
    )


def _differs(activity: Activity, values: dict[str, Any]) -> bool:
    return any(getattr(activity, name) != value for name, value in values.items())


def _same_content(version: PlanVersion, wanted: list[dict[str, Any]]) -> bool:
    activities = {activity.code: activity for activity in version.activities.all()}
    if set(activities) != {values["code"] for values in wanted}:
        return False
    return not any(_differs(activities[values["code"]], values) for values in wanted)
