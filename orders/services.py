"""Business actions on work orders: one service per transition, called by screens, API, admin and tasks.

Who may do what:
- the *owner role* of the order's plan instance approves, releases, accepts, sends back for rework,
  skips, rejects and joins (for orders without a plan instance: users with ``orders.supervise_workorder``);
- the *executing role* of the activity begins and completes (without an activity: Technicians), and
  must hold every certification the activity requires, valid on the day;
- the owner role or the *requester* cancels.
Administrators act as every role. Everyone acts only on orders of the sites they belong to.
Each service raises ``ActionNotAllowed`` (not possible now, with the reason) or ``ActionForbidden``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from assets.models import Area, Container, Material, Resource
from assets.services import entity_site
from core.errors import ActionForbidden, ActionNotAllowed
from core.jobs import enqueue_on_commit
from core.notifications import notify
from core.numbering import numbers_allocate
from core.scoping import is_administrator, user_group_ids, visible_site_ids
from inventory import services as inventory_services
from orders import downtime, failures
from orders.models import (
    OPEN_STATES,
    Assignment,
    DowntimeKind,
    ExecutionState,
    FailureCode,
    OrderKind,
    PlannedPart,
    WorkOrder,
)
from people.models import Employee, EmployeeCertification
from plans.models import Activity, PlanInstance, Priority, TriggerKind
from plans.services import ENTITY_FIELD_BY_MODEL

TECHNICIAN_ROLE = "Technician"
ORDER_NUMBER_PREFIX = "WO-"
Entity = Area | Resource | Container | Material


# --- Numbers -----------------------------------------------------------------------------------
def allocate_order_numbers(count: int, prefix: str = ORDER_NUMBER_PREFIX) -> list[str]:
    """Hand out ``count`` consecutive order numbers; concurrent callers get disjoint ranges."""
    return numbers_allocate(prefix, count)


# --- Who may act -------------------------------------------------------------------------------
def can_see(user: Any, order: WorkOrder) -> bool:
    site_ids = visible_site_ids(user)
    return site_ids is None or order.site_id in site_ids


def is_owner(user: Any, order: WorkOrder) -> bool:
    """The user holds the order's owner role (or supervises corrective work, or is an administrator)."""
    if is_administrator(user):
        return True
    if order.plan_instance is not None:
        return order.plan_instance.owner_role_id in user_group_ids(user)
    return bool(user.has_perm("orders.supervise_workorder"))


def is_executor(user: Any, order: WorkOrder) -> bool:
    """The user holds the activity's executing role (Technician for work without an activity)."""
    if is_administrator(user):
        return True
    if order.activity is not None:
        return order.activity.executing_role_id in user_group_ids(user)
    return bool(user.groups.filter(name=TECHNICIAN_ROLE).exists())


def _check_visible(user: Any, order: WorkOrder) -> None:
    if not can_see(user, order):
        # Same answer as a missing order: ids of other sites reveal nothing.
        raise ActionForbidden(_("You do not have access to this work order."))


def _lock(order: WorkOrder) -> WorkOrder:
    """Re-read the order under a row lock: two people acting on it at once act one after the other."""
    return (
        WorkOrder.objects.select_for_update(of=("self",)).select_related("plan_instance", "activity").get(pk=order.pk)
    )


def _transition(order: WorkOrder, name: str) -> None:
    method = getattr(order, name)
    if not can_proceed(method):
        raise ActionNotAllowed(
            _("A work order that is %(state)s cannot be %(action)s.")
            % {"state": order.get_execution_state_display().lower(), "action": TRANSITION_PARTICIPLES.get(name, name)}
        )
    method()


TRANSITION_PARTICIPLES = {
    "approve": _("approved"),
    "release": _("released"),
    "begin": _("started"),
    "complete": _("completed"),
    "accept": _("accepted"),
    "rework": _("sent back for rework"),
    "skip": _("skipped"),
    "reject": _("rejected"),
    "join": _("joined"),
    "cancel": _("canceled"),
}


def _save(order: WorkOrder, user: Any, reason: str = "", reserve_at: Any = None) -> WorkOrder:
    """Save after a transition; history records who and why. Closing releases what the order held.

    Webhook subscribers hear of the new order or the transition (``reason`` up to a colon names it).
    """
    from orders import webhooks

    created = order._state.adding
    order._change_reason = reason[:100] if reason else None  # type: ignore[attr-defined]
    order._history_user = user if getattr(user, "is_authenticated", False) else None  # type: ignore[attr-defined]
    order.save()
    if order.is_closed:
        _after_close(order, user)
    elif reason in ("release", "auto-release"):
        _after_release(order, user, reserve_at)
    webhooks.order_saved(order, created=created, transition=reason.split(":")[0])
    if not created:
        _notify_requester(order, user)
    return order


def _notify_requester(order: WorkOrder, user: Any) -> None:
    """Tell the person who reported a breakdown that its state changed (unless they changed it)."""
    requester_id = order.requester_id
    if order.kind != OrderKind.CORRECTIVE or requester_id is None or requester_id == getattr(user, "pk", None):
        return
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("orders:detail", args=[order.pk])
    except NoReverseMatch:  # the order screens are not wired in this deployment
        url = reverse("requests:mine")
    notify(
        [requester_id],
        _("%(number)s is now %(state)s")
        % {"number": order.number, "state": order.get_execution_state_display().lower()},
        order.title,
        url,
    )


def _after_release(order: WorkOrder, user: Any, location: Any = None) -> None:
    """Released work holds its planned parts in a store of its site; shortages are recorded (and requested)."""
    lines = [(planned.part, planned.quantity) for planned in order.planned_parts.select_related("part")]
    if lines:
        inventory_services.reservations_make(
            reference=order.number,
            site=order.site,
            lines=lines,
            user=user,
            location=location,
            authorized=True,
        )


def _after_close(order: WorkOrder, user: Any = None) -> None:
    from orders.actions import release_hold
    from orders.downtime import downtime_follow_order_close

    release_hold(order, user)
    downtime_follow_order_close(order=order, user=user)
    # What the order still holds goes back to the store; its labour cost is posted to the site's spending.
    inventory_services.reservations_free(reference=order.number, user=None)
    labour: dict[str, Decimal] = {}
    for currency, cost in order.labour.values_list("currency", "cost"):
        labour[currency] = labour.get(currency, Decimal(0)) + cost
    inventory_services.labour_cost_post(
        site=order.site, reference=order.number, amounts=labour, on=timezone.localdate(order.closed_at)
    )
    if order.plan_instance_id is not None:
        # Floating activities get their next order as soon as this one is closed.
        # orders.tasks.generate, by name (the tasks module imports this one).
        enqueue_on_commit("orders.generate", instance_ids=[order.plan_instance_id])


# --- Creating orders ---------------------------------------------------------------------------
@transaction.atomic
def order_request_corrective(
    *,
    entity: Entity,
    user: Any,
    title: str,
    description: str = "",
    priority: int = Priority.HIGH,
    due_at: datetime.datetime | None = None,
    entity_down: bool = False,
) -> WorkOrder:
    """Report a breakdown or request work on an entity; the order starts as requested.

    ``entity_down``: the reporter says the resource or container is down; it is marked down and a
    downtime period opens, pointing at the new order (one already open is kept).
    """
    if not getattr(user, "is_authenticated", False) or not user_group_ids(user):
        raise ActionForbidden(_("Only users with a role can report work."))
    site = entity_site(entity)
    site_ids = visible_site_ids(user)
    if site_ids is not None and site.pk not in site_ids:
        raise ActionForbidden(_("You do not have access to this asset."))
    if not title.strip():
        raise ActionNotAllowed(_("Give the request a title."))
    if priority not in Priority.values:
        raise ActionNotAllowed(_("Choose a valid priority."))
    if due_at is not None and due_at < timezone.now() - datetime.timedelta(days=1):
        raise ActionNotAllowed(_("The due time cannot be in the past."))
    order = WorkOrder(
        number=allocate_order_numbers(1)[0],
        kind=OrderKind.CORRECTIVE,
        site=site,
        title=title.strip(),
        description=description,
        priority=priority,
        requester=user,
        due_at=due_at,
        late_due_at=due_at,
        **{ENTITY_FIELD_BY_MODEL[type(entity)]: entity},
    )
    if entity_down and not isinstance(entity, Resource | Container):
        raise ActionNotAllowed(_("Only equipment and containers can be marked down."))
    order.full_clean(exclude=["execution_state", "schedule_state", "site", "number"])
    order = _save(order, user, "requested")
    if entity_down:
        assert isinstance(entity, Resource | Container)
        downtime.downtime_open(entity=entity, kind=DowntimeKind.DOWN, reason=order.title, user=user, order=order)
    return order


def may_create_ad_hoc(user: Any, plan_instance: PlanInstance) -> bool:
    """Whether the user may create orders from the instance's ad-hoc activities: its owner role, a
    supervisor of work orders (``orders.supervise_workorder``) or an administrator. Sites are checked apart."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_administrator(user) or plan_instance.owner_role_id in user_group_ids(user):
        return True
    return bool(user.has_perm("orders.supervise_workorder"))


@transaction.atomic
def order_create_ad_hoc(
    *,
    plan_instance: PlanInstance,
    activity: Activity,
    user: Any,
    title: str = "",
    description: str = "",
    priority: int | None = None,
    due_at: datetime.datetime | None = None,
) -> WorkOrder:
    """A planner or supervisor asks for the work of an ad-hoc activity of a plan instance now.

    The order is a planned one (the plan's work, on the plan's entity, owned by the instance's owner role)
    for the activity of the plan's effective version, as the next occurrence of that activity on the
    instance; it carries the activity's checklist, data collection, requirements and bill of parts
    (copied to its planned parts), and its auto-approve / auto-release run as for generated orders.
    Title, priority and instructions default to the activity's.
    """
    if not may_create_ad_hoc(user, plan_instance):
        raise ActionForbidden(
            _("Only the owner role of this plan instance (%(role)s) or a supervisor may create ad-hoc work.")
            % {"role": plan_instance.owner_role.name}
        )
    # Two people creating from the same activity at once: the instance's row lock makes the second wait
    # and read the first one's sequence (the unique occurrence constraint is the last line of defence).
    instance = (
        PlanInstance.objects.select_for_update(of=("self",))
        .select_related("plan", "area", "resource__area", "container__area", "material__area")
        .get(pk=plan_instance.pk)
    )
    entity = instance.entity
    assert entity is not None  # exactly one entity (a database constraint)
    site = entity_site(entity)
    site_ids = visible_site_ids(user)
    if site_ids is not None and site.pk not in site_ids:
        raise ActionForbidden(_("You do not have access to this plan instance."))
    if not instance.active:
        raise ActionNotAllowed(
            _("The plan %(plan)s is no longer active on %(entity)s.") % {"plan": instance.plan.code, "entity": entity}
        )
    if activity.trigger != TriggerKind.AD_HOC:
        raise ActionNotAllowed(
            _("%(activity)s is scheduled by its trigger; only ad-hoc activities are created by hand.")
            % {"activity": activity.name}
        )
    if instance.plan.effective_version_id is None or activity.version_id != instance.plan.effective_version_id:
        raise ActionNotAllowed(
            _("%(activity)s is not an activity of the effective version of plan %(plan)s.")
            % {"activity": activity.name, "plan": instance.plan.code}
        )
    if priority is None:
        priority = activity.priority
    if priority not in Priority.values:
        raise ActionNotAllowed(_("Choose a valid priority."))
    if due_at is not None and due_at < timezone.now() - datetime.timedelta(days=1):
        raise ActionNotAllowed(_("The due time cannot be in the past."))
    last = WorkOrder.objects.filter(plan_instance=instance, activity_code=activity.code).aggregate(top=Max("sequence"))[
        "top"
    ]
    order = WorkOrder(
        number=allocate_order_numbers(1)[0],
        kind=OrderKind.PLANNED,
        plan_instance=instance,
        activity=activity,
        activity_code=activity.code,
        sequence=(last or 0) + 1,
        site=site,
        # The activity's instructions are shown from the activity; the description is the person's own words.
        title=title.strip() or activity.name,
        description=description.strip(),
        priority=priority,
        requester=user,
        due_at=due_at,
        late_due_at=due_at,
        **{ENTITY_FIELD_BY_MODEL[type(entity)]: entity},
    )
    order.full_clean(exclude=["execution_state", "schedule_state", "site", "number"])
    _save(order, user, "ad hoc")
    copy_planned_parts(order)  # before the automatic steps: releasing reserves the planned parts
    return apply_automatic_steps(order, user)


def copy_planned_parts(order: WorkOrder) -> None:
    """The activity's bill of parts becomes the order's planned parts."""
    if order.activity is None:
        return
    PlannedPart.objects.bulk_create(
        [PlannedPart(order=order, part_id=line.part_id, quantity=line.quantity) for line in order.activity.parts.all()]
    )


def apply_automatic_steps(order: WorkOrder, user: Any = None) -> WorkOrder:
    """Run the activity's auto-approve and auto-release on a just-requested order."""
    activity = order.activity
    if activity is None:
        return order
    if activity.auto_approve and order.execution_state == ExecutionState.REQUESTED:
        order.approve()
        _save(order, user, "auto-approve")
    if activity.auto_release and order.execution_state == ExecutionState.APPROVED:
        order.release()
        _save(order, user, "auto-release")
    return order


# --- Owner-role transitions --------------------------------------------------------------------
def _owner_action(order: WorkOrder, user: Any, name: str) -> WorkOrder:
    order = _lock(order)
    _check_visible(user, order)
    if not is_owner(user, order):
        raise ActionForbidden(
            _("Only the owner role of this work order may do that (%(role)s).")
            % {"role": order.plan_instance.owner_role.name if order.plan_instance is not None else _("a supervisor")}
        )
    _transition(order, name)
    return order


@transaction.atomic
def order_approve(*, order: WorkOrder, user: Any) -> WorkOrder:
    """Agree that the requested work should be done (then auto-release if the activity says so)."""
    order = _owner_action(order, user, "approve")
    _save(order, user, "approve")
    if order.activity is not None and order.activity.auto_release:
        order.release()
        _save(order, user, "auto-release")
    return order


@transaction.atomic
def order_release(*, order: WorkOrder, user: Any, location: Any = None) -> WorkOrder:
    """Make approved work ready to begin; its planned parts are reserved at ``location`` (a stock location
    of the order's site) or, by default, where the site has them available."""
    order = _owner_action(order, user, "release")
    return _save(order, user, "release", reserve_at=location)


@transaction.atomic
def order_accept(*, order: WorkOrder, user: Any, password: str | None = None, meaning: str = "") -> WorkOrder:
    """Accept completed work and close the order; an electronic signature where the activity asks.

    The signature is the user's password entered again and a stated meaning, kept with the order.
    """
    order = _owner_action(order, user, "accept")
    if order.activity is not None and order.activity.requires_signature:
        if not password or not user.check_password(password):
            raise ActionNotAllowed(_("Acceptance needs your signature: enter your password again."))
        if not meaning.strip():
            raise ActionNotAllowed(_("State what your signature means (e.g. “Work verified and accepted”)."))
        order.signed_by, order.signed_at, order.signature_meaning = user, timezone.now(), meaning.strip()[:200]
    return _save(order, user, "accept")


@transaction.atomic
def order_rework(*, order: WorkOrder, user: Any, reason: str) -> WorkOrder:
    """Send completed work back: this order closes as reworked and a linked rework order opens."""
    if not reason.strip():
        raise ActionNotAllowed(_("Say what must be reworked."))
    order = _owner_action(order, user, "rework")
    order.state_reason = reason.strip()
    _save(order, user, f"rework: {reason.strip()}")  # the reason in the history row, as skip and reject
    fields = {field: getattr(order, field) for field in ENTITY_FIELD_BY_MODEL.values()}
    rework = WorkOrder(
        number=allocate_order_numbers(1)[0],
        kind=OrderKind.REWORK,
        site_id=order.site_id,
        activity=order.activity,
        activity_code=order.activity_code,
        title=_("Rework: %(title)s") % {"title": order.title},
        description=reason.strip(),
        priority=order.priority,
        requester=user,
        rework_of=order,
        due_at=order.due_at,
        late_due_at=order.late_due_at,
        **fields,
    )
    _save(rework, user, "rework requested")
    copy_planned_parts(rework)
    return rework


def _with_reason(order: WorkOrder, user: Any, name: str, reason: str, missing: str) -> WorkOrder:
    if not reason.strip():
        raise ActionNotAllowed(missing)
    order = _lock(order)
    order.state_reason = reason.strip()
    _check_visible(user, order)
    if not is_owner(user, order):
        raise ActionForbidden(_("Only the owner role of this work order may do that."))
    _transition(order, name)
    return _save(order, user, f"{name}: {reason.strip()}")


@transaction.atomic
def order_skip(*, order: WorkOrder, user: Any, reason: str) -> WorkOrder:
    """This occurrence will not be done (e.g. the asset is out of service); the reason is kept."""
    return _with_reason(order, user, "skip", reason, _("Say why this work order is skipped."))


@transaction.atomic
def order_reject(*, order: WorkOrder, user: Any, reason: str) -> WorkOrder:
    """Refuse a request; the reason is kept."""
    return _with_reason(order, user, "reject", reason, _("Say why this request is rejected."))


@transaction.atomic
def order_join(*, order: WorkOrder, into: WorkOrder, user: Any) -> WorkOrder:
    """Close a duplicate request into another open order on the same entity."""
    order = _owner_action(order, user, "join")
    target = WorkOrder.objects.select_for_update().get(pk=into.pk)
    if target.pk == order.pk:
        raise ActionNotAllowed(_("A work order cannot be joined into itself."))
    if target.execution_state not in OPEN_STATES:
        raise ActionNotAllowed(_("%(target)s is closed; join into an open work order.") % {"target": target.number})
    if order.entity != target.entity:
        raise ActionNotAllowed(
            _("%(target)s is on %(entity)s, not on the same entity.")
            % {"target": target.number, "entity": target.entity}
        )
    _check_visible(user, target)
    order.joined_into = target
    return _save(order, user, f"joined into {target.number}")


@transaction.atomic
def order_cancel(*, order: WorkOrder, user: Any, reason: str = "") -> WorkOrder:
    """Withdraw a request (its owner role or the person who requested it)."""
    order = _lock(order)
    _check_visible(user, order)
    if not (is_owner(user, order) or (order.requester_id is not None and order.requester_id == user.pk)):
        raise ActionForbidden(_("Only the owner role or the requester may cancel this work order."))
    order.state_reason = reason.strip()
    _transition(order, "cancel")
    return _save(order, user, f"cancel: {reason.strip()}" if reason.strip() else "cancel")


# --- Executing-role transitions ----------------------------------------------------------------
def missing_certifications(order: WorkOrder, user: Any, day: datetime.date | None = None) -> list[str]:
    """Why the user may not begin for lack of certifications (empty when they may), in words."""
    if order.activity is None:
        return []
    required = [req.certification for req in order.activity.personnel.all() if req.certification is not None]
    if not required:
        return []
    employee = Employee.objects.filter(user=user).first()
    if employee is None:
        return [_("no employee record is linked to your user")]
    day = day or timezone.localdate()
    problems = []
    for certification in required:
        held = list(
            EmployeeCertification.objects.filter(employee=employee, certification=certification).order_by("-valid_from")
        )
        if any(c.is_valid_on(day) for c in held):
            continue
        if held and held[0].valid_to is not None and held[0].valid_to < day:
            problems.append(
                _("certification %(name)s expired on %(date)s")
                % {"name": certification.name, "date": held[0].valid_to.isoformat()}
            )
        elif held and held[0].valid_from > day:
            problems.append(
                _("certification %(name)s is valid only from %(date)s")
                % {"name": certification.name, "date": held[0].valid_from.isoformat()}
            )
        else:
            problems.append(_("certification %(name)s is required") % {"name": certification.name})
    return problems


def begin_refusal(order: WorkOrder, user: Any) -> str | None:
    """The reason the user may not begin this order now, or None (screens show it beside the button)."""
    if not can_see(user, order):
        return str(_("You do not have access to this work order."))
    if order.execution_state != ExecutionState.RELEASED:
        return str(
            _("Work can begin once the order is released (it is %(state)s).")
            % {"state": order.get_execution_state_display().lower()}
        )
    if not is_executor(user, order):
        return str(
            _("Only the role %(role)s may do this work.")
            % {"role": order.activity.executing_role.name if order.activity is not None else TECHNICIAN_ROLE}
        )
    assignees = list(order.assignments.values_list("employee__user_id", flat=True))
    if assignees and user.pk not in assignees and not is_administrator(user):
        return str(_("This work order is assigned to someone else."))
    problems = missing_certifications(order, user)
    if problems:
        return str(_("You cannot begin: %(problems)s.") % {"problems": "; ".join(problems)})
    return None


@transaction.atomic
def order_begin(*, order: WorkOrder, user: Any) -> WorkOrder:
    """A qualified member of the executing role starts the work."""
    order = _lock(order)
    refusal = begin_refusal(order, user)
    if refusal:
        if not can_see(user, order) or not is_executor(user, order):
            raise ActionForbidden(refusal)
        raise ActionNotAllowed(refusal)
    _transition(order, "begin")
    _save(order, user, "begin")
    # Whoever begins the work is on it: assigned, if the owner role had not assigned them already.
    employee = Employee.objects.filter(user=user, active=True).only("pk").first()
    if employee is not None and not order.assignments.filter(employee=employee).exists():
        Assignment.objects.create(order=order, employee=employee, assigned_by=user)
    return order


@transaction.atomic
def order_complete(
    *,
    order: WorkOrder,
    user: Any,
    failure_problem: FailureCode | None = None,
    failure_cause: FailureCode | None = None,
    failure_remedy: FailureCode | None = None,
) -> WorkOrder:
    """The work is done: required checklist items answered and data collected, and for corrective work
    what failed, why and what was done (then auto-accept). Codes not given keep what the order has."""
    order = _lock(order)
    _check_visible(user, order)
    if not is_executor(user, order):
        raise ActionForbidden(_("Only the executing role may complete this work order."))
    if order.execution_state == ExecutionState.IN_PROGRESS:
        missing = order.missing_for_completion()
        if missing:
            raise ActionNotAllowed(_("Still to answer before completing: %(items)s.") % {"items": "; ".join(missing)})
        failures.check_failure_codes(
            order,
            {"failure_problem": failure_problem, "failure_cause": failure_cause, "failure_remedy": failure_remedy},
        )
    _transition(order, "complete")
    _save(order, user, "complete")
    if order.activity is not None and order.activity.auto_accept:
        order.accept()
        _save(order, user, "auto-accept")
    return order


# --- Work done before MMS: the order history --------------------------------------------------
# The steps a piece of work goes through, from requested to closed; a past order walks them at once.
PAST_ORDER_STEPS = ("approve", "release", "begin", "complete", "accept")


@transaction.atomic
def order_record_past(
    *,
    entity: Entity,
    user: Any,
    title: str,
    closed_on: datetime.date,
    description: str = "",
    priority: int = Priority.NORMAL,
    cost: Decimal | None = None,
    currency: str = "",
) -> WorkOrder:
    """Record work that was done and closed before MMS was used (a register's order history): a
    corrective order of ``entity`` that went through every step from requested to closed (the state
    machine's own transitions) on the day ``closed_on``, with its cost as an external cost of its site.

    It is a record of the past: nobody is notified, no webhook is sent, no stock is reserved, nothing is
    scheduled; its times are noon of that day at the site. Only supervisors of work orders (and
    administrators) record history, in their own sites.
    """
    if not (is_administrator(user) or user.has_perm("orders.supervise_workorder")):
        raise ActionForbidden(_("Only supervisors of work orders may record past work."))
    site = entity_site(entity)
    site_ids = visible_site_ids(user)
    if site_ids is not None and site.pk not in site_ids:
        raise ActionForbidden(_("You do not have access to this asset."))
    if not title.strip():
        raise ActionNotAllowed(_("Give the work a title."))
    if closed_on > timezone.localdate():
        raise ActionNotAllowed(
            _("Past work cannot be closed in the future (%(day)s).") % {"day": closed_on.isoformat()}
        )
    if priority not in Priority.values:
        raise ActionNotAllowed(_("Choose a valid priority."))
    moment = datetime.datetime.combine(closed_on, datetime.time(12), tzinfo=site.local_time_zone)
    order = WorkOrder(
        number=allocate_order_numbers(1)[0],
        kind=OrderKind.CORRECTIVE,
        site=site,
        title=title.strip()[:200],
        description=description,
        priority=priority,
        requester=user if getattr(user, "is_authenticated", False) else None,
        created_at=moment,
        **{ENTITY_FIELD_BY_MODEL[type(entity)]: entity},
    )
    order.full_clean(exclude=["execution_state", "schedule_state", "site", "number"])
    for step in PAST_ORDER_STEPS:
        _transition(order, step)
    order.started_at = order.completed_at = order.accepted_at = order.closed_at = moment
    order.closed_on_time = None  # it had no due date to be on time for
    order._change_reason = "recorded past work"
    order._history_user = user if getattr(user, "is_authenticated", False) else None
    order.save()
    if cost:
        inventory_services.cost_entry_add(
            site=site,
            reference=order.number,
            description=order.title[:300],
            amount=cost,
            currency=currency,
            incurred_on=closed_on,
            user=user,
        )
    return order


# --- Costs -------------------------------------------------------------------------------------
def order_cost(order: WorkOrder) -> list[inventory_services.CostBreakdown]:
    """What the order cost, per currency: parts (from the stock ledger), labour (its entries at the
    employees' rates) and external costs recorded against its number. Three queries."""
    labour: dict[str, Decimal] = {}
    for currency, cost in order.labour.values_list("currency", "cost"):
        labour[currency] = labour.get(currency, Decimal(0)) + cost
    return inventory_services.reference_costs(order.number, labour=labour)
