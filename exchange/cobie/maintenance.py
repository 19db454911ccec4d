"""Resource, Spare and Job -> certifications, parts on their type's spare parts list, and maintenance
plans.

Each Type with Job rows gets one plan with one activity per Job (Frequency and FrequencyUnit -> a time
trigger, Duration -> the estimated duration, ResourceNames -> personnel requirements), applied to the
Type's components as plan instances. Every new plan and every new version of one goes into one change
set per import, which is submitted for approval: nothing an import plans is made effective by it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assets.models import Resource, ResourceType
from core.errors import ActionForbidden, ActionNotAllowed
from core.roles import SUPERVISOR, TECHNICIAN
from exchange.cobie.context import Batch, Context, Unique, pair_key, slug, validation_text
from exchange.cobie.reader import Row, as_names, as_number
from exchange.report import CREATED, UNCHANGED, UPDATED
from inventory import services as inventory_services
from inventory.models import Part, SparePart, Vendor
from people.models import Certification
from plans import services as plan_services
from plans.models import (
    Activity,
    ChangeSet,
    MaintenancePlan,
    PersonnelRequirement,
    PlanInstance,
    PlanVersion,
    ScheduleNextMode,
    TimeUnit,
    TriggerKind,
)

# Resource categories that name a qualification people hold (the others are tools and materials).
CERTIFICATION_WORDS = ("train", "certif", "qualif", "skill", "licen", "labo", "trade", "competen", "permit", "craft")
# COBie duration words -> (MMS unit, how many of it).
TIME_WORDS: dict[str, tuple[str, Decimal]] = {}
for _unit, _words, _factor in (
    (TimeUnit.YEARS, ("year", "years", "yr", "yrs", "annual", "annually", "yearly", "y"), 1),
    (TimeUnit.MONTHS, ("month", "months", "mo", "mon", "monthly"), 1),
    (TimeUnit.MONTHS, ("quarter", "quarters", "quarterly"), 3),
    (TimeUnit.WEEKS, ("week", "weeks", "wk", "wks", "weekly"), 1),
    (TimeUnit.DAYS, ("day", "days", "d", "daily"), 1),
    (TimeUnit.HOURS, ("hour", "hours", "hr", "hrs", "h", "hourly"), 1),
):
    for _word in _words:
        TIME_WORDS[_word] = (_unit, Decimal(_factor))
# A smaller unit for an interval that is not a whole number of its own (half a year: six months).
SMALLER: dict[str, tuple[str, int]] = {
    TimeUnit.YEARS: (TimeUnit.MONTHS, 12),
    TimeUnit.MONTHS: (TimeUnit.DAYS, 30),
    TimeUnit.WEEKS: (TimeUnit.DAYS, 7),
    TimeUnit.DAYS: (TimeUnit.HOURS, 24),
}
MINUTES: dict[str, int] = {
    TimeUnit.HOURS: 60,
    TimeUnit.DAYS: 1440,
    TimeUnit.WEEKS: 10080,
    TimeUnit.MONTHS: 43200,
    TimeUnit.YEARS: 525600,
}
MINUTE_WORDS = ("minute", "minutes", "min", "mins")


def interval_of(amount: Decimal, unit_text: str) -> tuple[int, str] | None:
    """A whole interval in MMS units for ``amount`` ``unit_text`` (``0.5 year`` -> ``(6, months)``)."""
    found = TIME_WORDS.get(unit_text.strip().lower())
    if found is None or amount <= 0:
        return None
    unit, factor = found
    value = amount * factor
    while value != value.to_integral_value() and unit in SMALLER:
        unit, times = SMALLER[unit]
        value *= times
    return max(1, math.ceil(value)), unit


def minutes_of(amount: Decimal, unit_text: str) -> int | None:
    word = unit_text.strip().lower()
    if word in MINUTE_WORDS:
        return max(1, math.ceil(amount))
    found = TIME_WORDS.get(word)
    if found is None or amount <= 0:
        return None
    unit, factor = found
    return max(1, math.ceil(amount * factor * MINUTES[unit]))


# --- Resources --------------------------------------------------------------------------------
def import_resources(ctx: Context) -> None:
    rows = ctx.workbook.rows("Resource")
    ctx.report.read("Resource", len(rows))
    assert ctx.refs is not None
    assert ctx.building is not None
    bound = ctx.refs.keys_of("Resource")
    existing = Certification.objects.in_bulk(list(bound.values()))
    codes = Unique(Certification, "code", 30)
    batch = Batch(Certification, ctx.user)
    made: list[tuple[Row, Certification]] = []
    for row in rows:
        if ctx.missing(row, ("Name",)) or ctx.duplicate(row, "Resource"):
            ctx.skip(row)
            continue
        ctx.rows_of[("Resource", row.name.casefold())] = row.number
        category = row.text("Category").lower()
        if not any(word in category for word in CERTIFICATION_WORDS):
            ctx.keep_row(ctx.building, row, row.name)  # a tool or a material: kept whole on the facility
            ctx.state.setdefault("tools", set()).add(row.name.casefold())
            continue
        certification = existing.get(bound.get(row.name[:255], 0)) or Certification()
        values = {
            "code": certification.code or codes.claim(slug(row.name, 30)),
            "name": row.name[:200],
            "description": row.text("Description"),
        }
        try:
            action = batch.save(certification, values)
        except ValidationError as error:
            ctx.problem(row, "Name", validation_text(error))
            ctx.skip(row)
            continue
        ctx.report.tally("Resource", "certification", action)
        made.append((row, certification))
    batch.flush()
    for row, certification in made:
        ctx.refs.bind_later("Resource", row.name, certification)
        ctx.remember("Resource", row.name, certification, row)
        ctx.keep_columns(certification, row, ("Name", "Description"))


# --- Spares -----------------------------------------------------------------------------------
def import_spares(ctx: Context) -> None:
    rows = ctx.workbook.rows("Spare")
    ctx.report.read("Spare", len(rows))
    assert ctx.refs is not None
    bound = ctx.refs.keys_of("Spare")
    existing = Part.objects.in_bulk(list(bound.values()))
    numbers = Unique(Part, "part_number", 50)
    by_number = {
        p.part_number: p
        for p in Part.objects.filter(part_number__in=[r.text("PartNumber")[:50] for r in rows if r.text("PartNumber")])
    }
    batch = Batch(Part, ctx.user)
    made: list[tuple[Row, Part, ResourceType, set[str]]] = []
    seen: dict[str, int] = {}
    for row in rows:
        if ctx.missing(row, ("Name", "TypeName")):
            ctx.skip(row)
            continue
        key = pair_key(row.text("TypeName"), row.name)
        if key.casefold() in seen:
            ctx.problem(
                row,
                "Name",
                _("Row %(row)s already names the spare “%(name)s” of this type; COBie names must be unique.")
                % {"row": seen[key.casefold()], "name": row.name},
            )
            ctx.skip(row)
            continue
        seen[key.casefold()] = row.number
        kind = ctx.depend(row, "TypeName", "Type", row.text("TypeName"))
        if kind is None:
            ctx.skip(row)
            continue
        assert isinstance(kind, ResourceType)
        number = row.text("PartNumber")
        part = existing.get(bound.get(key[:255], 0)) or by_number.get(number[:50]) or Part()
        mapped = {"Name", "TypeName", "Description", "PartNumber"}
        if part.pk and part.part_number:
            part_number = (
                part.part_number
                if not number or part.part_number == number[:50]
                else numbers.claim(number, current=part.part_number)
            )
        else:
            part_number = numbers.claim(number or slug(f"{kind.name}-{row.name}", 50))
        if part_number != number:
            mapped.discard("PartNumber")
        description = row.text("Description") or row.name
        if len(description) > 300:
            mapped.discard("Description")
        values = {"part_number": part_number, "description": description[:300]}
        try:
            action = batch.save(part, values)
        except ValidationError as error:
            ctx.problem(row, "PartNumber", validation_text(error))
            ctx.skip(row, key)
            continue
        ctx.report.tally("Spare", "part", action)
        made.append((row, part, kind, mapped))
        unknown = [s for s in as_names(row.get("Suppliers")) if not _is_vendor(ctx, s)]
        if unknown:
            ctx.note(
                _("Spare row %(row)s: %(names)s is not a contact of the workbook; the suppliers are kept as written.")
                % {"row": row.number, "names": ", ".join(unknown)}
            )
    batch.flush()
    listed = set(
        SparePart.objects.filter(resource_type_id__in={kind.pk for _r, _p, kind, _m in made}).values_list(
            "resource_type_id", "part_id"
        )
    )
    for row, part, kind, mapped in made:
        key = pair_key(row.text("TypeName"), row.name)
        ctx.refs.bind_later("Spare", key, part)
        ctx.remember("Spare", key, part, row)
        ctx.remember("Spare", row.name, part, row)
        ctx.keep_columns(part, row, mapped)
        if (kind.pk, part.pk) in listed:
            ctx.report.tally("Spare", "spare parts list line", UNCHANGED)
            continue
        try:
            inventory_services.spare_part_add(part=part, quantity=1, resource_type=kind, user=ctx.user)
        except (ActionForbidden, ActionNotAllowed) as error:
            ctx.problem(row, "TypeName", str(error))
            continue
        except ValidationError as error:
            ctx.problem(row, "TypeName", validation_text(error))
            continue
        listed.add((kind.pk, part.pk))
        ctx.report.tally("Spare", "spare parts list line", CREATED)


def _is_vendor(ctx: Context, name: str) -> bool:
    return isinstance(ctx.find("Contact", name), Vendor)


# --- Jobs -------------------------------------------------------------------------------------
@dataclass
class Need:
    certification_id: int | None
    trade: str
    hours: Decimal | None


@dataclass
class ActivitySpec:
    """What one Job row asks of its activity."""

    row: Row
    code: str
    values: dict[str, Any]
    needs: list[Need] = field(default_factory=list)
    mapped: set[str] = field(default_factory=set)


def import_jobs(ctx: Context) -> None:
    rows = ctx.workbook.rows("Job")
    ctx.report.read("Job", len(rows))
    assert ctx.refs is not None
    by_type: dict[str, list[ActivitySpec]] = defaultdict(list)
    skipped_codes: dict[str, set[str]] = defaultdict(set)
    kinds: dict[str, ResourceType] = {}
    codes: dict[str, set[str]] = defaultdict(set)
    seen: dict[str, int] = {}
    technician = Group.objects.get(name=TECHNICIAN)
    for row in rows:
        if ctx.missing(row, ("Name", "TypeName")):
            continue
        type_name = row.text("TypeName")
        code = _activity_code(row, codes[type_name.casefold()])
        key = pair_key(type_name, row.name) + f"#{row.text('TaskNumber')}"
        if key.casefold() in seen:
            ctx.problem(
                row,
                "Name",
                _("Row %(row)s already names the job “%(name)s” of this type; COBie names must be unique.")
                % {"row": seen[key.casefold()], "name": row.name},
            )
            skipped_codes[type_name.casefold()].add(code)
            continue
        seen[key.casefold()] = row.number
        kind = ctx.depend(row, "TypeName", "Type", type_name)
        if kind is None:
            skipped_codes[type_name.casefold()].add(code)
            continue
        assert isinstance(kind, ResourceType)
        kinds[type_name.casefold()] = kind
        by_type[type_name.casefold()].append(_activity_spec(ctx, row, code, technician))
    if not by_type:
        return
    planner = _Planner(ctx)
    for type_key, specs in by_type.items():
        planner.plan_for(kinds[type_key], specs, skipped_codes[type_key])
    planner.submit()


def _activity_code(row: Row, taken: set[str]) -> str:
    base = slugify(row.name)[:30].strip("-") or "job"
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base[: 30 - len(str(number)) - 1]}-{number}"
    taken.add(code)
    return code


def _number(ctx: Context, row: Row, column: str) -> Decimal | None:
    try:
        return as_number(row.get(column))
    except ValueError:
        ctx.note(
            _("Job row %(row)s: %(column)s “%(value)s” is not a number; it is kept as written.")
            % {"row": row.number, "column": column, "value": row.text(column)}
        )
        return None


def _activity_spec(ctx: Context, row: Row, code: str, technician: Group) -> ActivitySpec:
    mapped = {"Name", "TypeName", "Description"}
    values: dict[str, Any] = {
        "code": code,
        "name": row.name[:200],
        "instructions": row.text("Description"),
        "executing_role": technician,
        "trigger": TriggerKind.AD_HOC,
        "time_interval": None,
        "time_unit": "",
        "schedule_next_mode": "",
        "estimated_minutes": None,
    }
    frequency = _number(ctx, row, "Frequency")
    interval = interval_of(frequency, row.text("FrequencyUnit")) if frequency is not None else None
    if interval is not None:
        values.update(
            trigger=TriggerKind.TIME,
            time_interval=interval[0],
            time_unit=interval[1],
            schedule_next_mode=ScheduleNextMode.FLOATING,
        )
    elif frequency is not None:
        ctx.note(
            _(
                "Job row %(row)s: a frequency of %(amount)s “%(unit)s” is not hours, days, weeks, months or years; the activity is made ad hoc."
            )
            % {"row": row.number, "amount": row.text("Frequency"), "unit": row.text("FrequencyUnit")}
        )
    duration = _number(ctx, row, "Duration")
    minutes = minutes_of(duration, row.text("DurationUnit") or "hour") if duration is not None else None
    values["estimated_minutes"] = minutes
    hours = Decimal(minutes) / 60 if minutes else None
    needs = []
    for name in as_names(row.get("ResourceNames")):
        found = ctx.find("Resource", name)
        if isinstance(found, Certification):
            needs.append(Need(found.pk, "", hours))
        elif name.casefold() not in ctx.state.get("tools", set()):
            needs.append(Need(None, name[:100], hours))
    return ActivitySpec(row=row, code=code, values=values, needs=needs, mapped=mapped)


def _same(activity: Activity, spec: ActivitySpec, position: int) -> bool:
    for name, value in spec.values.items():
        current = getattr(activity, name)
        if name == "executing_role":
            if activity.executing_role_id != value.pk:
                return False
        elif current != value:
            return False
    if activity.position != position:
        return False
    have = sorted((p.certification_id or 0, p.trade, p.estimated_hours) for p in activity.personnel.all())
    want = sorted(
        (n.certification_id or 0, n.trade, n.hours.quantize(Decimal("0.01")) if n.hours else None) for n in spec.needs
    )
    return have == want


class _Planner:
    """Writes the plans of one import through the plan services, in one change set."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.user = ctx.user
        self.change_set: ChangeSet | None = None
        self.pending: list[tuple[str, str, int]] = []
        self.owner = Group.objects.get(name=SUPERVISOR)
        assert ctx.refs is not None
        bound = ctx.refs.keys_of("JobPlan")
        self.plans = MaintenancePlan.objects.in_bulk(list(bound.values()))
        self.bound = bound
        self.codes = Unique(MaintenancePlan, "code", 50)

    def _change_set(self) -> ChangeSet:
        if self.change_set is None:
            self.change_set = plan_services.changeset_create(
                user=self.user,
                name=_("COBie import: %(facility)s, %(day)s")
                % {"facility": self.ctx.scope[:150], "day": self.ctx.today},
                description=_("Maintenance plans from the Job sheet of %(file)s.")
                % {"file": self.ctx.job.original_name},
            )
        return self.change_set

    def _tally(self, record: str, action: str, count: int = 1) -> None:
        self.pending.append((record, action, count))

    def plan_for(self, kind: ResourceType, specs: list[ActivitySpec], protected: set[str]) -> None:
        """The Type's plan, its activities and instances, all or nothing: a refusal by a plan service
        leaves no half-made plan behind, and every Job row of the Type gets the problem."""
        ctx = self.ctx
        assert ctx.refs is not None
        plan = self.plans.get(self.bound.get(specs[0].row.text("TypeName")[:255], 0))
        had_change_set = self.change_set is not None
        self.pending = []
        try:
            with transaction.atomic():
                version, created = self._version(plan, kind, specs, protected)
                self._apply(version.plan, kind)
        except (ActionForbidden, ActionNotAllowed, ValidationError) as error:
            if not had_change_set:
                self.change_set = None  # it was made in the savepoint just undone
            message = validation_text(error) if isinstance(error, ValidationError) else str(error)
            for spec in specs:
                ctx.problem(spec.row, "TypeName", message)
            return
        ctx.report.tally("Job", "maintenance plan", created)
        for record, action, count in self.pending:
            ctx.report.tally("Job", record, action, count)
        ctx.refs.bind("JobPlan", specs[0].row.text("TypeName"), version.plan)
        activities = {a.code: a for a in version.activities.all()}
        for spec in specs:
            activity = activities.get(spec.code)
            if activity is None:
                continue
            key = pair_key(spec.row.text("TypeName"), spec.row.name) + f"#{spec.row.text('TaskNumber')}"
            ctx.refs.bind("Job", key, activity)
            ctx.remember("Job", spec.row.name, activity, spec.row)
            ctx.keep_columns(activity, spec.row, spec.mapped)

    def _version(
        self, plan: MaintenancePlan | None, kind: ResourceType, specs: list[ActivitySpec], protected: set[str]
    ) -> tuple[PlanVersion, str]:
        if plan is None:
            code = self.codes.claim(slug(f"COBIE-{kind.name}", 50))
            version = plan_services.plan_create(
                user=self.user,
                code=code,
                name=_("Maintenance of %(type)s") % {"type": kind.name[:170]},
                description=_("From the COBie Job sheet of %(facility)s.") % {"facility": self.ctx.scope},
                change_set=self._change_set(),
            )
            for position, spec in enumerate(specs):
                self._save_activity(Activity(version=version, position=position), spec, position)
                self._tally("activity", CREATED)
            return version, CREATED
        current = plan.effective_version or plan.latest_version()
        assert current is not None
        activities = {a.code: a for a in current.activities.prefetch_related("personnel")}
        wanted = {spec.code for spec in specs}
        removed = [a for code, a in activities.items() if code not in wanted and code not in protected]
        changed = [
            spec
            for position, spec in enumerate(specs)
            if spec.code not in activities or not _same(activities[spec.code], spec, position)
        ]
        if not changed and not removed:
            for _spec in specs:
                self._tally("activity", UNCHANGED)
            return current, UNCHANGED
        draft = current if current.is_editable else None
        if draft is None:
            draft = plan_services.version_create_draft(
                plan=plan,
                user=self.user,
                change_set=self._change_set(),
                source=current,
                notes=_("Changed by a COBie import of %(file)s.") % {"file": self.ctx.job.original_name},
            )
        in_draft = {a.code: a for a in draft.activities.prefetch_related("personnel")}
        for code, activity in in_draft.items():
            if code not in wanted and code not in protected:
                plan_services.draft_content_delete(obj=activity, user=self.user)
        for position, spec in enumerate(specs):
            activity = in_draft.get(spec.code)
            if activity is not None and _same(activity, spec, position):
                self._tally("activity", UNCHANGED)
                continue
            if activity is not None:
                for need in activity.personnel.all():
                    plan_services.draft_content_delete(obj=need, user=self.user)
            self._save_activity(activity or Activity(version=draft), spec, position)
            self._tally("activity", CREATED if activity is None else UPDATED)
        return draft, UPDATED

    def _save_activity(self, activity: Activity, spec: ActivitySpec, position: int) -> None:
        for name, value in spec.values.items():
            setattr(activity, name, value)
        activity.position = position
        plan_services.draft_content_save(obj=activity, user=self.user)
        for need in spec.needs:
            requirement = PersonnelRequirement(
                activity=activity,
                count=1,
                certification_id=need.certification_id,
                trade=need.trade,
                estimated_hours=need.hours.quantize(Decimal("0.01")) if need.hours else None,
            )
            plan_services.draft_content_save(obj=requirement, user=self.user)

    def _apply(self, plan: MaintenancePlan, kind: ResourceType) -> None:
        components: list[Resource] = self.ctx.state.get("components_by_type", {}).get(kind.pk, [])
        if not components:
            return
        applied = set(
            PlanInstance.objects.filter(plan=plan, resource__in=components).values_list("resource_id", flat=True)
        )
        unapplied = [c for c in components if c.pk not in applied]
        for _component in components:
            if _component.pk in applied:
                self._tally("plan instance", UNCHANGED)
        if not unapplied:
            return
        plan_services.plan_apply(
            plan=plan,
            entities=unapplied,
            owner_role=self.owner,
            start_date=self.ctx.today,
            user=self.user,
            before_effective=True,
        )
        self._tally("plan instance", CREATED, len(unapplied))

    def submit(self) -> None:
        if self.change_set is None:
            return
        try:
            plan_services.changeset_submit(change_set=self.change_set, user=self.user)
        except (ActionForbidden, ActionNotAllowed) as error:
            self.ctx.note(
                _("The change set %(change_set)s with the imported plans is left open: %(reason)s")
                % {"change_set": self.change_set, "reason": error}
            )
            return
        self.ctx.note(
            _("The imported plans wait for approval in change set %(change_set)s.") % {"change_set": self.change_set}
        )
