"""Business actions on plans, change sets, versions and plan instances.

The admin, the planner screens, the API and tasks call these and nothing else to change plan state.
Each raises ``ActionNotAllowed`` (not possible now, with the reason) or ``ActionForbidden`` (the
user's roles do not allow it).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from assets.models import ENTITY_FIELDS, Area, Container, Counter, CounterKind, Material, Resource
from core.errors import ActionForbidden, ActionNotAllowed
from plans.models import (
    ACTIVITY_FIELDS,
    ActionKind,
    Activity,
    ActivityAction,
    BillOfPartsLine,
    ChangeSet,
    ChangeSetState,
    ChecklistItem,
    DataParameter,
    MaintenancePlan,
    PersonnelRequirement,
    PlanInstance,
    PlanVersion,
    PlanVersionState,
    VersionedContent,
    VersionLocked,
)

Entity = Area | Resource | Container | Material
ENTITY_FIELD_BY_MODEL: dict[type[models.Model], str] = {
    Area: "area",
    Resource: "resource",
    Container: "container",
    Material: "material",
}
# The rows that hang off an activity, copied with it into a new version (in this order).
ACTIVITY_CHILDREN: list[tuple[type[VersionedContent], str]] = [
    (ChecklistItem, "checklist_items"),
    (BillOfPartsLine, "parts"),
    (DataParameter, "data_parameters"),
    (PersonnelRequirement, "personnel"),
    (ActivityAction, "actions"),
]


def _by(user: Any, obj: Any, reason: str = "") -> Any:
    """Name ``user`` as the author (and ``reason``, if any, as the why) of the history row the next save
    or delete of ``obj`` writes."""
    if getattr(user, "pk", None) is not None:
        obj._history_user = user
    if reason.strip():
        obj._change_reason = reason.strip()[:100]  # the history column's length; the full text is kept too
    return obj


def _require_perm(user: Any, perm: str, message: str) -> None:
    if not user.has_perm(perm):
        raise ActionForbidden(message)


def _run_transition(obj: Any, name: str, user: Any, *, refused: str, forbidden: str, check_perm: bool = True) -> None:
    """Call transition ``name`` on ``obj`` after checking it may run now and the user may run it."""
    method = getattr(obj, name)
    if not can_proceed(method):
        raise ActionNotAllowed(refused)
    if check_perm and not has_transition_perm(method, user):
        raise ActionForbidden(forbidden)
    method()


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{'' if key == '__all__' else key + ': '}{' '.join(msgs)}" for key, msgs in error.message_dict.items()
        )
    return " ".join(error.messages)


# --- Change sets -------------------------------------------------------------------------------
def changeset_create(*, user: Any, name: str, description: str = "", implicit: bool = False) -> ChangeSet:
    """Open a change set to collect new plan versions."""
    _require_perm(user, "plans.add_changeset", _("Your role may not open change sets."))
    change_set = ChangeSet(name=name, description=description, implicit=implicit, created_by=user)
    change_set.full_clean(exclude=["state"])  # a protected FSM field cannot be re-assigned by cleaning
    _by(user, change_set).save()
    return change_set


def _lock(obj: Any) -> Any:
    """Re-read a row under a lock, so two people acting on it at once act one after the other."""
    return type(obj).objects.select_for_update().get(pk=obj.pk)


@transaction.atomic
def changeset_submit(*, change_set: ChangeSet, user: Any, _implicit: bool = False) -> ChangeSet:
    """Send a change set for approval after checking every version in it is complete."""
    change_set = _lock(change_set)
    if change_set.state == ChangeSetState.CREATED:
        versions = list(change_set.versions.select_related("plan"))
        if not versions:
            raise ActionNotAllowed(_("Add at least one plan version before submitting the change set."))
        for version in versions:
            version_check_complete(version)
    _run_transition(
        change_set,
        "submit",
        user,
        refused=_("Only a change set that is still open can be submitted (this one is %(state)s).")
        % {"state": change_set.get_state_display().lower()},
        forbidden=_("Your role may not submit change sets."),
        check_perm=not _implicit,
    )
    change_set.submitted_by, change_set.submitted_at = user, timezone.now()
    _by(user, change_set).save()
    return change_set


@transaction.atomic
def changeset_approve(*, change_set: ChangeSet, user: Any, comment: str = "", _implicit: bool = False) -> ChangeSet:
    """Approve a submitted change set; its versions become approved and can never change again."""
    change_set = _lock(change_set)
    if (
        not _implicit
        and settings.CHANGE_SET_FOUR_EYES
        and change_set.submitted_by_id is not None
        and change_set.submitted_by_id == getattr(user, "pk", None)
        and not getattr(user, "is_superuser", False)
    ):
        raise ActionForbidden(_("Someone other than the person who submitted a change set must approve it."))
    _run_transition(
        change_set,
        "approve",
        user,
        refused=_("Only a change set in approval can be approved (this one is %(state)s).")
        % {"state": change_set.get_state_display().lower()},
        forbidden=_("Your role may not approve change sets."),
        check_perm=not _implicit,
    )
    change_set.decided_by, change_set.decided_at, change_set.decision_note = user, timezone.now(), comment
    _by(user, change_set, f"approve: {comment.strip()}" if comment.strip() else "approve").save()
    for version in change_set.versions.all():
        version.approve()
        _by(user, version).save()
    return change_set


@transaction.atomic
def changeset_reject(*, change_set: ChangeSet, user: Any, reason: str) -> ChangeSet:
    """Refuse a submitted change set, saying why. Its drafts stay as a record; copy one to try again."""
    if not reason.strip():
        raise ActionNotAllowed(_("Say why the change set is rejected."))
    change_set = _lock(change_set)
    _run_transition(
        change_set,
        "reject",
        user,
        refused=_("Only a change set in approval can be rejected (this one is %(state)s).")
        % {"state": change_set.get_state_display().lower()},
        forbidden=_("Your role may not reject change sets."),
    )
    change_set.decided_by, change_set.decided_at, change_set.decision_note = user, timezone.now(), reason.strip()
    _by(user, change_set, f"reject: {reason.strip()}").save()
    return change_set


# --- Plans and versions ------------------------------------------------------------------------
def _change_set_for(*, user: Any, change_set: ChangeSet | None, label: str) -> ChangeSet:
    if change_set is None:
        return changeset_create(user=user, name=label, implicit=settings.IMPLICIT_CHANGE_SETS)
    if change_set.state != ChangeSetState.CREATED:
        raise ActionNotAllowed(
            _("Change set %(change_set)s is %(state)s; new versions go into an open change set.")
            % {"change_set": change_set, "state": change_set.get_state_display().lower()}
        )
    return change_set


@transaction.atomic
def plan_create(
    *, user: Any, code: str, name: str, description: str = "", change_set: ChangeSet | None = None
) -> PlanVersion:
    """Create a plan with its first (draft) version, in ``change_set`` or a new one."""
    _require_perm(user, "plans.add_maintenanceplan", _("Your role may not create plans."))
    plan = MaintenancePlan(code=code, name=name, description=description)
    plan.full_clean()
    _by(user, plan).save()
    change_set = _change_set_for(user=user, change_set=change_set, label=f"{code} v1")
    version = PlanVersion(plan=plan, number=1, change_set=change_set, created_by=user, notes=_("First version."))
    _by(user, version).save()
    return version


@transaction.atomic
def version_create_draft(
    *,
    plan: MaintenancePlan,
    user: Any,
    change_set: ChangeSet | None = None,
    source: PlanVersion | None = None,
    notes: str = "",
) -> PlanVersion:
    """Start a new draft version of a plan, copied from ``source`` (default: the effective version)."""
    _require_perm(user, "plans.add_planversion", _("Your role may not create plan versions."))
    plan = _lock(plan)
    existing = plan.versions.filter(state=PlanVersionState.DRAFT, change_set__state=ChangeSetState.CREATED).first()
    if existing is not None:
        raise ActionNotAllowed(
            _("%(version)s is already a draft being edited; finish or delete it first.") % {"version": existing}
        )
    source = source or plan.effective_version or plan.latest_version()
    if source is not None and source.plan_id != plan.pk:
        raise ActionNotAllowed(_("A new version can only be copied from a version of the same plan."))
    number = (plan.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    change_set = _change_set_for(user=user, change_set=change_set, label=f"{plan.code} v{number}")
    draft = PlanVersion(plan=plan, number=number, change_set=change_set, based_on=source, created_by=user, notes=notes)
    _by(user, draft, notes).save()  # the notes say why the plan changes
    if source is not None:
        _copy_content(source, draft, user)
    return draft


def _copy_content(source: PlanVersion, target: PlanVersion, user: Any) -> None:
    """Copy every activity of ``source``, with all it carries, into the draft ``target``."""
    activities = list(source.activities.prefetch_related(*[name for _model, name in ACTIVITY_CHILDREN]))
    for activity in activities:
        children = {name: list(getattr(activity, name).all()) for _model, name in ACTIVITY_CHILDREN}
        activity.pk = activity.id = None
        activity._state.adding = True
        activity.version = target
        _by(user, activity).save()
        for _model, name in ACTIVITY_CHILDREN:
            for child in children[name]:
                child.pk = child.id = None
                child._state.adding = True
                child.activity = activity
                _by(user, child).save()


@transaction.atomic
def version_delete_draft(*, version: PlanVersion, user: Any) -> None:
    """Throw away a draft that was never submitted (a plan's only version takes the plan with it)."""
    _require_perm(user, "plans.delete_planversion", _("Your role may not delete plan versions."))
    version = _lock(version)
    try:
        version.assert_editable()
    except VersionLocked as locked:
        raise ActionNotAllowed(" ".join(locked.messages)) from locked
    plan = version.plan
    change_set = version.change_set
    _by(user, version).delete()
    if not change_set.versions.exists() and change_set.state == ChangeSetState.CREATED:
        _by(user, change_set).delete()
    if not plan.versions.exists() and not plan.instances.exists():
        _by(user, plan).delete()


def version_check_complete(version: PlanVersion) -> None:
    """Refuse a version that could not be used as it is: no activities, or content failing its rules."""
    activities = list(version.activities.all())
    if not activities:
        raise ActionNotAllowed(_("%(version)s has no activities yet.") % {"version": version})
    for activity in activities:
        rows: list[models.Model] = [activity]
        for _model, name in ACTIVITY_CHILDREN:
            rows.extend(getattr(activity, name).all())
        for row in rows:
            try:
                row.full_clean()
            except ValidationError as error:
                raise ActionNotAllowed(
                    _("%(version)s, activity %(activity)s: %(problem)s")
                    % {"version": version, "activity": activity.name, "problem": _validation_message(error)}
                ) from error


@transaction.atomic
def version_make_effective(*, version: PlanVersion, user: Any) -> PlanVersion:
    """Make an approved version the one new orders use; the previous effective one is superseded.

    With an implicit change set still open, the change set is submitted and approved here for the
    planner. Active plan instances must have every counter the version's usage activities watch.
    """
    _require_perm(user, "plans.make_effective_planversion", _("Your role may not make plan versions effective."))
    # Lock the plan first: two people making versions effective at once serialise on it.
    plan = MaintenancePlan.objects.select_for_update().get(pk=version.plan_id)
    version = _lock(version)
    change_set = version.change_set
    if change_set.implicit and change_set.state == ChangeSetState.CREATED:
        # The planner's own permission to make versions effective stands in for the ceremony.
        changeset_submit(change_set=change_set, user=user, _implicit=True)
        changeset_approve(change_set=change_set, user=user, comment=_("Implicit change set."), _implicit=True)
        version.refresh_from_db()
    if version.state == PlanVersionState.DRAFT:
        raise ActionNotAllowed(
            _("%(version)s is a draft: its change set %(change_set)s must be approved first.")
            % {"version": version, "change_set": change_set}
        )
    missing = instances_missing_counters(version, plan.instances.active())
    if missing:
        raise ActionNotAllowed(missing)
    previous = plan.effective_version
    if previous is not None and previous.pk != version.pk:
        previous = _lock(previous)
        previous.supersede()
        previous.superseded_at = timezone.now()
        _by(user, previous).save()
    _run_transition(
        version,
        "make_effective",
        user,
        refused=_("%(version)s cannot be made effective: it is %(state)s.")
        % {"version": version, "state": version.get_state_display().lower()},
        forbidden=_("Your role may not make plan versions effective."),
    )
    version.effective_from, version.effective_by = timezone.now(), user
    _by(user, version).save()
    plan.effective_version = version
    _by(user, plan).save()
    return version


# --- Draft content -----------------------------------------------------------------------------
@transaction.atomic
def draft_content_save(*, obj: VersionedContent, user: Any) -> VersionedContent:
    """Add or change an activity or something it carries, in a draft version."""
    action = "add" if obj._state.adding else "change"
    _require_perm(user, f"plans.{action}_{obj._meta.model_name}", _("Your role may not edit plan content."))
    obj.owning_version().assert_editable()
    obj.full_clean()
    _by(user, obj).save()
    return obj


@transaction.atomic
def draft_content_delete(*, obj: VersionedContent, user: Any) -> None:
    """Remove an activity (with all it carries) or one of its rows from a draft version."""
    _require_perm(user, f"plans.delete_{obj._meta.model_name}", _("Your role may not edit plan content."))
    _by(user, obj).delete()


# --- Plan instances ----------------------------------------------------------------------------
def entity_field(entity: Entity) -> str:
    try:
        return ENTITY_FIELD_BY_MODEL[type(entity)]
    except KeyError as exc:
        raise ActionNotAllowed(_("Plans apply to areas, resources, containers and materials only.")) from exc


def instances_missing_counters(version: PlanVersion, instances: Iterable[PlanInstance]) -> str | None:
    """A message naming entities of ``instances`` without a counter a usage activity watches, or None."""
    entities = [instance.entity for instance in instances]
    return entities_missing_counters(version, [entity for entity in entities if entity is not None])


def entities_missing_counters(version: PlanVersion, entities: Sequence[Entity]) -> str | None:
    watched = [(a.name, a.counter_name, a.counter_unit) for a in version.activities.all() if a.watches_counter]
    if not watched or not entities:
        return None
    have: set[tuple[str, int, str, str]] = set()
    for field_name in ENTITY_FIELDS:
        ids = [e.pk for e in entities if ENTITY_FIELD_BY_MODEL[type(e)] == field_name]
        if ids:
            rows = Counter.objects.filter(
                **{f"{field_name}_id__in": ids},
                name__in={name for _a, name, _u in watched},
                kind=CounterKind.CUMULATIVE,
            ).values_list(f"{field_name}_id", "name", "unit")
            have.update((field_name, entity_id, name, unit) for entity_id, name, unit in rows)
    problems = []
    for entity in entities:
        field_name = ENTITY_FIELD_BY_MODEL[type(entity)]
        for activity_name, counter_name, unit in watched:
            if not any(
                f == field_name and i == entity.pk and n == counter_name and (not unit or u == unit)
                for f, i, n, u in have
            ):
                problems.append(
                    _("%(entity)s has no cumulative counter “%(counter)s”%(unit)s for activity “%(activity)s”")
                    % {
                        "entity": entity,
                        "counter": counter_name,
                        "unit": f" ({unit})" if unit else "",
                        "activity": activity_name,
                    }
                )
    return "; ".join(problems) + "." if problems else None


@transaction.atomic
def plan_apply(
    *,
    plan: MaintenancePlan,
    entities: Sequence[Entity],
    owner_role: Group,
    start_date: datetime.date,
    user: Any,
    before_effective: bool = False,
) -> list[PlanInstance]:
    """Apply a plan to one or many entities at once; all or nothing.

    Refused, naming the entities concerned, when the plan is already applied to some of them, when a
    usage activity's counter is missing on some, or when a hold action targets an area or material.

    ``before_effective`` applies a plan that has no effective version yet (an imported plan waiting for
    its change set's approval): the checks use its latest version, and the scheduler makes no order for
    the instances until a version is made effective.
    """
    _require_perm(user, "plans.add_planinstance", _("Your role may not apply plans."))
    if not entities:
        raise ActionNotAllowed(_("Choose at least one entity to apply the plan to."))
    plan = MaintenancePlan.objects.select_for_update().get(pk=plan.pk)
    version = plan.effective_version
    if version is None and before_effective:
        version = plan.latest_version()
    if version is None:
        raise ActionNotAllowed(_("%(plan)s has no effective version yet; make one effective first.") % {"plan": plan})
    if len({(type(e), e.pk) for e in entities}) != len(entities):
        raise ActionNotAllowed(_("An entity was chosen twice."))
    fields = [entity_field(entity) for entity in entities]
    duplicates = []
    for field_name in set(fields):
        ids = [e.pk for e, f in zip(entities, fields, strict=True) if f == field_name]
        taken = set(plan.instances.filter(**{f"{field_name}_id__in": ids}).values_list(f"{field_name}_id", flat=True))
        duplicates += [str(e) for e, f in zip(entities, fields, strict=True) if f == field_name and e.pk in taken]
    if duplicates:
        raise ActionNotAllowed(
            _("%(plan)s is already applied to: %(entities)s.")
            % {"plan": plan.code, "entities": ", ".join(sorted(duplicates))}
        )
    missing = entities_missing_counters(version, entities)
    if missing:
        raise ActionNotAllowed(missing)
    if ActivityAction.objects.filter(activity__version=version, kind=ActionKind.HOLD_ENTITY).exists():
        unholdable = [str(e) for e, f in zip(entities, fields, strict=True) if f not in ("resource", "container")]
        if unholdable:
            raise ActionNotAllowed(
                _("The plan puts its entity on hold, which only resources and containers can be: %(entities)s.")
                % {"entities": ", ".join(unholdable)}
            )
    created = []
    for entity, field_name in zip(entities, fields, strict=True):
        instance = PlanInstance(
            plan=plan, owner_role=owner_role, start_date=start_date, created_by=user, **{field_name: entity}
        )
        # The unique constraints were checked above, in one query, and the plan, role, user and entity
        # are records in hand: their foreign keys need no query each.
        instance.full_clean(
            validate_constraints=False, exclude=["plan", "owner_role", "created_by", "deactivated_by", field_name]
        )
        _by(user, instance).save()
        created.append(instance)
    return created


@transaction.atomic
def planinstance_deactivate(*, instance: PlanInstance, user: Any, reason: str = "") -> PlanInstance:
    """Stop a plan on an entity: no new orders are generated for it (open ones stay)."""
    _require_perm(user, "plans.change_planinstance", _("Your role may not deactivate plan instances."))
    instance = _lock(instance)
    if not instance.active:
        raise ActionNotAllowed(_("%(instance)s is already inactive.") % {"instance": instance})
    instance.active = False
    instance.deactivated_at, instance.deactivated_by, instance.deactivation_reason = timezone.now(), user, reason
    _by(user, instance, f"deactivate: {reason.strip()}" if reason.strip() else "deactivate").save()
    return instance


# --- Comparing versions ------------------------------------------------------------------------
@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class ActivityDiff:
    """How one activity (matched by code) differs between two versions."""

    code: str
    name: str
    status: str  # "added", "removed", "changed" or "same"
    fields: list[FieldChange] = field(default_factory=list)
    rows: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)  # section -> (removed, added)

    @property
    def changed(self) -> bool:
        return self.status != "same"


# Activities are matched by code, and their order on screen is no change of content.
ACTIVITY_DIFF_FIELDS = [name for name in ACTIVITY_FIELDS if name not in ("code", "position")]


def _display(obj: models.Model, name: str) -> str:
    value = getattr(obj, name)
    display = getattr(obj, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _row_text(row: models.Model) -> str:
    if isinstance(row, ChecklistItem):
        limits = ""
        if row.lower_limit is not None or row.upper_limit is not None:
            limits = f" [{row.lower_limit if row.lower_limit is not None else '…'} – {row.upper_limit if row.upper_limit is not None else '…'} {row.unit}]"
        return f"{row.position}. {row.text} ({row.get_kind_display()}{', ' + _('required') if row.required else ''}){limits}"
    if isinstance(row, BillOfPartsLine):
        return f"{row.quantity} × {row.part}"
    if isinstance(row, DataParameter):
        limits = " / ".join(
            str(getattr(row, n)) if getattr(row, n) is not None else "…"
            for n in ("lower_action_limit", "lower_warning_limit", "upper_warning_limit", "upper_action_limit")
        )
        return f"{row.name} ({row.unit}) {limits}"
    if isinstance(row, PersonnelRequirement):
        hours = f", {row.estimated_hours} h" if row.estimated_hours else ""
        return f"{row}{hours}"
    if isinstance(row, ActivityAction):
        return f"{row} {row.settings or ''}".strip()
    return str(row)


def _versions_content(version: PlanVersion) -> dict[str, Activity]:
    activities = version.activities.select_related("executing_role").prefetch_related(
        "checklist_items", "parts__part", "data_parameters", "personnel__certification", "actions"
    )
    return {activity.code: activity for activity in activities}


def version_diff(old: PlanVersion, new: PlanVersion) -> list[ActivityDiff]:
    """What changed from ``old`` to ``new``, activity by activity (matched by code), in new's order."""
    before, after = _versions_content(old), _versions_content(new)
    sections = [(model._meta.verbose_name_plural, name) for model, name in ACTIVITY_CHILDREN]
    result = []
    for code in list(after) + [c for c in before if c not in after]:
        a, b = before.get(code), after.get(code)
        if a is None or b is None:
            present = b or a
            assert present is not None
            diff = ActivityDiff(code=code, name=present.name, status="added" if a is None else "removed")
            for label, name in sections:
                rows = [_row_text(r) for r in getattr(present, name).all()]
                if rows:
                    diff.rows[str(label)] = ([], rows) if a is None else (rows, [])
            result.append(diff)
            continue
        diff = ActivityDiff(code=code, name=b.name, status="same")
        for name in ACTIVITY_DIFF_FIELDS:
            old_text, new_text = _display(a, name), _display(b, name)
            if old_text != new_text:
                label = getattr(Activity._meta.get_field(name), "verbose_name", name)
                diff.fields.append(FieldChange(str(label), old_text, new_text))
        for label, name in sections:
            old_rows = [_row_text(r) for r in getattr(a, name).all()]
            new_rows = [_row_text(r) for r in getattr(b, name).all()]
            removed = [r for r in old_rows if r not in new_rows]
            added = [r for r in new_rows if r not in old_rows]
            if removed or added:
                diff.rows[str(label)] = (removed, added)
        if diff.fields or diff.rows:
            diff.status = "changed"
        result.append(diff)
    return result
