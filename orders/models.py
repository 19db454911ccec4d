"""What is being done: work orders, plan-driven or corrective, with their two state machines.

The execution state follows the work (requested -> approved -> released -> in progress -> waiting for
acceptance -> closed, or one of the other closed states). The schedule state follows the calendar and
the counters (before early due -> early due -> due -> late due) and freezes once the order is closed.
Both are protected FSM fields: only transitions change them, and only services call transitions.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from assets.models import Area, Container, Counter, EntityLinkMixin, Material, Resource, exactly_one_entity
from core.history import BulkWrittenHistory, FSMHistoryBase
from inventory.models import Part
from people.models import Employee
from plans.models import (
    ActionKind,
    Activity,
    ChecklistItem,
    DataParameter,
    PlanInstance,
    Priority,
    ScheduleTransition,
)


class ExecutionState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    RELEASED = "released", _("Released")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_FOR_ACCEPTANCE = "waiting_for_acceptance", _("Waiting for acceptance")
    CLOSED = "closed", _("Closed")
    REWORKED = "reworked", _("Reworked")
    SKIPPED = "skipped", _("Skipped")
    REJECTED = "rejected", _("Rejected")
    CLOSED_AS_JOINED = "closed_as_joined", _("Closed as joined")
    CANCELED = "canceled", _("Canceled")


CLOSED_STATES = (
    ExecutionState.CLOSED,
    ExecutionState.REWORKED,
    ExecutionState.SKIPPED,
    ExecutionState.REJECTED,
    ExecutionState.CLOSED_AS_JOINED,
    ExecutionState.CANCELED,
)
OPEN_STATES = tuple(state for state in ExecutionState if state not in CLOSED_STATES)


class ScheduleState(models.TextChoices):
    BEFORE_EARLY_DUE = "before_early_due", _("Before early due")
    EARLY_DUE = "early_due", _("Early due")
    DUE = "due", _("Due")
    LATE_DUE = "late_due", _("Late due")


# The order in which schedule states follow each other; the scheduler only ever moves forward.
SCHEDULE_ORDER = [state.value for state in ScheduleState]

# When an order's schedule state next moves: its earliest point not yet reached (points never go
# backwards: early due <= due <= late due), none once late. The tick (``orders.scheduler``) selects
# ``NEXT_POINT <= now`` among open orders through the index on this very expression.
NEXT_POINT = Case(
    When(schedule_state=ScheduleState.BEFORE_EARLY_DUE, then=Coalesce("early_due_at", "due_at", "late_due_at")),
    When(schedule_state=ScheduleState.EARLY_DUE, then=Coalesce("due_at", "late_due_at")),
    When(schedule_state=ScheduleState.DUE, then=F("late_due_at")),
    output_field=models.DateTimeField(),
)


class OrderKind(models.TextChoices):
    PLANNED = "planned", _("Planned (from a plan)")
    CORRECTIVE = "corrective", _("Corrective (breakdown or request)")
    REWORK = "rework", _("Rework")


# (plan_instance has no index of its own: the unique (plan_instance, activity_code, sequence) index leads with it.)
PARTIAL_FK_INDEXES = [
    "area",
    "container",
    "material",
    "activity",
    "requester",
    "counter",
    "rework_of",
    "joined_into",
    "signed_by",
]


class WorkOrderQuerySet(models.QuerySet["WorkOrder"]):
    def open(self) -> WorkOrderQuerySet:
        return self.filter(execution_state__in=OPEN_STATES)

    def closed(self) -> WorkOrderQuerySet:
        return self.filter(execution_state__in=CLOSED_STATES)

    def late(self) -> WorkOrderQuerySet:
        return self.open().filter(schedule_state=ScheduleState.LATE_DUE)

    def in_sites(self, site_ids: list[int] | None) -> WorkOrderQuerySet:
        return self if site_ids is None else self.filter(site_id__in=site_ids)

    def visible_to(self, user: Any) -> WorkOrderQuerySet:
        """Orders of the sites the user belongs to (every site for Administrators and Integrators)."""
        from core.scoping import visible_site_ids

        return self.in_sites(visible_site_ids(user))

    def for_entity(self, entity: Area | Resource | Container | Material) -> WorkOrderQuerySet:
        field = type(entity)._meta.model_name
        return self.filter(**{f"{field}_id": entity.pk})


class WorkOrder(ConcurrentTransitionMixin, EntityLinkMixin):
    """A work order on one entity: from a plan's activity (planned), a breakdown report (corrective) or a
    rework of another order.

    Planned orders are unique per (plan instance, activity code, sequence), so the scheduler can never
    create the same occurrence twice, even with two beats running.
    """

    # Orders outlive nothing they point at: assets are retired, not deleted, while orders reference them.
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # a partial index (non-null values only) below
    )
    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    container = models.ForeignKey(
        Container,
        verbose_name=_("container"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # a partial index (non-null values only) below
    )
    material = models.ForeignKey(
        Material,
        verbose_name=_("material"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # a partial index (non-null values only) below
    )
    site = models.ForeignKey(
        Area,
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,  # the (site, execution_state) index serves lookups by site
        help_text=_("The entity's site, kept for scoping and time zones."),
    )

    # Unique through a constraint (Meta), not ``unique=True``: that would add a second, LIKE-pattern index on
    # PostgreSQL, which no query uses and every rewrite of the row pays for.
    number = models.CharField(_("number"), max_length=20, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=OrderKind.choices, default=OrderKind.CORRECTIVE)
    plan_instance = models.ForeignKey(
        PlanInstance,
        verbose_name=_("plan instance"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,  # a partial index (non-null values only) below
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,  # a partial index (non-null values only) below
    )
    activity_code = models.SlugField(
        _("activity code"), max_length=30, blank=True, editable=False, db_index=False
    )  # indexed by the (plan instance, activity code, sequence) constraint
    sequence = models.PositiveIntegerField(_("occurrence"), null=True, blank=True)

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # a partial index (non-null values only) below
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    execution_state = FSMField(
        _("execution state"),
        max_length=24,
        choices=ExecutionState.choices,
        default=ExecutionState.REQUESTED,
        protected=True,
    )
    schedule_state = FSMField(
        _("schedule state"),
        max_length=16,
        choices=ScheduleState.choices,
        default=ScheduleState.BEFORE_EARLY_DUE,
        protected=True,
    )

    early_due_at = models.DateTimeField(_("early due at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    late_due_at = models.DateTimeField(_("late due at"), null=True, blank=True)
    counter = models.ForeignKey(
        Counter,
        verbose_name=_("counter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # a partial index (non-null values only) below
    )
    early_due_value = models.DecimalField(
        _("early due at counter"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    due_value = models.DecimalField(_("due at counter"), max_digits=18, decimal_places=4, null=True, blank=True)
    late_due_value = models.DecimalField(
        _("late due at counter"), max_digits=18, decimal_places=4, null=True, blank=True
    )

    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_on_time = models.BooleanField(_("closed on time"), null=True, blank=True)
    state_reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was skipped, rejected or canceled."))

    rework_of = models.ForeignKey(
        "self",
        verbose_name=_("rework of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reworks",
        db_index=False,  # a partial index (non-null values only) below
    )
    joined_into = models.ForeignKey(
        "self",
        verbose_name=_("joined into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="joined",
        db_index=False,  # a partial index (non-null values only) below
    )

    # Electronic signature of the acceptance (21 CFR Part 11 style: who, when, what it means).
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # a partial index (non-null values only) below
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signature_meaning = models.CharField(_("meaning of the signature"), max_length=200, blank=True)

    # History rows are read per order (by ``id``) or by date; indexes on the copied columns would only
    # slow down the scheduler, which writes a history row for every order it moves.
    history = BulkWrittenHistory(
        bases=[FSMHistoryBase],
        no_db_index=[
            "number",
            "activity_code",
            "area",
            "resource",
            "container",
            "material",
            "counter",
            "plan_instance",
            "activity",
            "requester",
            "signed_by",
            "site",
            "joined_into",
            "rework_of",
            "updated_at",
        ],
    )

    objects = WorkOrderQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at", "-id"]
        permissions = [("supervise_workorder", _("Can approve, release and accept corrective work orders"))]
        constraints = [
            exactly_one_entity("workorder"),
            models.UniqueConstraint(fields=["number"], name="workorder_number_unique"),
            models.UniqueConstraint(
                fields=["plan_instance", "activity_code", "sequence"],
                condition=Q(plan_instance__isnull=False),
                name="workorder_one_per_occurrence",
                violation_error_message=_("This occurrence of the activity already has an order."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=OrderKind.PLANNED)
                    & Q(plan_instance__isnull=False)
                    & Q(activity__isnull=False)
                    & Q(sequence__gte=1)
                )
                | (~Q(kind=OrderKind.PLANNED) & Q(plan_instance__isnull=True) & Q(sequence__isnull=True)),
                name="workorder_planned_has_occurrence",
            ),
            models.CheckConstraint(
                condition=Q(execution_state__in=ExecutionState.values), name="workorder_execution_valid"
            ),
            models.CheckConstraint(
                condition=Q(schedule_state__in=ScheduleState.values), name="workorder_schedule_valid"
            ),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="workorder_priority_valid"),
            models.CheckConstraint(
                condition=Q(early_due_at__isnull=True) | Q(due_at__isnull=True) | Q(early_due_at__lte=F("due_at")),
                name="workorder_early_before_due",
            ),
            models.CheckConstraint(
                condition=Q(late_due_at__isnull=True) | Q(due_at__isnull=True) | Q(due_at__lte=F("late_due_at")),
                name="workorder_due_before_late",
            ),
            models.CheckConstraint(
                condition=Q(early_due_value__isnull=True)
                | Q(due_value__isnull=True)
                | Q(early_due_value__lte=F("due_value")),
                name="workorder_early_value_before_due",
            ),
            models.CheckConstraint(
                condition=Q(late_due_value__isnull=True)
                | Q(due_value__isnull=True)
                | Q(due_value__lte=F("late_due_value")),
                name="workorder_due_value_before_late",
            ),
            models.CheckConstraint(
                condition=Q(due_value__isnull=True) | Q(counter__isnull=False), name="workorder_due_value_has_counter"
            ),
            models.CheckConstraint(
                condition=~Q(execution_state__in=CLOSED_STATES) | Q(closed_at__isnull=False),
                name="workorder_closed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(execution_state__in=[ExecutionState.SKIPPED, ExecutionState.REJECTED])
                | ~Q(state_reason=""),
                name="workorder_skip_reject_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(execution_state=ExecutionState.CLOSED_AS_JOINED) | Q(joined_into__isnull=False),
                name="workorder_joined_has_target",
            ),
            models.CheckConstraint(condition=~Q(joined_into=F("pk")), name="workorder_not_joined_into_itself"),
        ]
        indexes = [
            # The scheduler's tick: one partial index of the open orders by the next point in time their
            # schedule state moves at (NEXT_POINT), so a tick reads only the orders that move. Every index
            # entry is rewritten with the row, so the table keeps as few indexes as its queries need.
            models.Index(NEXT_POINT, condition=Q(execution_state__in=OPEN_STATES), name="workorder_open_next_point"),
            models.Index(
                fields=["counter"],
                condition=Q(execution_state__in=OPEN_STATES, counter__isnull=False),
                name="workorder_open_counter",
            ),
            # Foreign keys that most orders leave empty get partial indexes: an order without a value
            # costs no index entry when the scheduler rewrites its row.
            *[
                models.Index(fields=[name], condition=Q(**{f"{name}__isnull": False}), name=f"workorder_{name}")
                for name in PARTIAL_FK_INDEXES
            ],
            models.Index(fields=["site", "execution_state"], name="workorder_site_state"),
            models.Index(fields=["due_at"], name="workorder_due_at"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.execution_state in OPEN_STATES

    @property
    def is_closed(self) -> bool:
        return self.execution_state in CLOSED_STATES

    # --- Conditions (no side effects) ---------------------------------------------------------
    def has_reason(self: Any) -> bool:
        return bool(self.state_reason.strip())

    def checklist_and_data_complete(self: Any) -> bool:
        return not self.missing_for_completion()

    def missing_for_completion(self) -> list[str]:
        """Required checklist items without an answer and required data parameters without a value."""
        missing: list[str] = []
        if self.activity is None:
            return missing
        answered = {a.item_id for a in self.checklist_answers.all() if a.is_answered}
        missing += [
            str(item.text) for item in self.activity.checklist_items.all() if item.required and item.pk not in answered
        ]
        collected = {v.parameter_id for v in self.data_values.all()}
        missing += [str(p.name) for p in self.activity.data_parameters.all() if p.required and p.pk not in collected]
        return missing

    # --- Execution transitions (services call these; they check who may) ----------------------
    @transition(field=execution_state, source=ExecutionState.REQUESTED, target=ExecutionState.APPROVED)
    def approve(self) -> None:
        """The owner role agrees the work should be done."""

    @transition(field=execution_state, source=ExecutionState.APPROVED, target=ExecutionState.RELEASED)
    def release(self) -> None:
        """Ready to be worked on: parts reserved, people may begin."""

    @transition(field=execution_state, source=ExecutionState.RELEASED, target=ExecutionState.IN_PROGRESS)
    def begin(self) -> None:
        """A qualified technician starts the work."""
        self.started_at = timezone.now()

    @transition(
        field=execution_state,
        source=ExecutionState.IN_PROGRESS,
        target=ExecutionState.WAITING_FOR_ACCEPTANCE,
        conditions=[checklist_and_data_complete],
    )
    def complete(self) -> None:
        """The work is done; checklist and data collection are complete."""
        self.completed_at = timezone.now()

    @transition(field=execution_state, source=ExecutionState.WAITING_FOR_ACCEPTANCE, target=ExecutionState.CLOSED)
    def accept(self) -> None:
        """The owner role accepts the work; the order is closed."""
        self.accepted_at = self.accepted_at or timezone.now()
        self._close()

    @transition(field=execution_state, source=ExecutionState.WAITING_FOR_ACCEPTANCE, target=ExecutionState.REWORKED)
    def rework(self) -> None:
        """Not accepted: closed as reworked (the service opens the linked rework order)."""
        self._close()

    @transition(
        field=execution_state,
        source=[ExecutionState.REQUESTED, ExecutionState.APPROVED, ExecutionState.RELEASED],
        target=ExecutionState.SKIPPED,
        conditions=[has_reason],
    )
    def skip(self) -> None:
        """This occurrence will not be done (reason required)."""
        self._close()

    @transition(
        field=execution_state, source=ExecutionState.REQUESTED, target=ExecutionState.REJECTED, conditions=[has_reason]
    )
    def reject(self) -> None:
        """The request is refused (reason required)."""
        self._close()

    @transition(field=execution_state, source=ExecutionState.REQUESTED, target=ExecutionState.CLOSED_AS_JOINED)
    def join(self) -> None:
        """A duplicate: closed into another open order on the same entity (``joined_into``)."""
        self._close()

    @transition(field=execution_state, source=ExecutionState.REQUESTED, target=ExecutionState.CANCELED)
    def cancel(self) -> None:
        """Withdrawn by the owner role or the requester."""
        self._close()

    def _close(self) -> None:
        self.closed_at = timezone.now()
        deadline = self.late_due_at
        self.closed_on_time = None if deadline is None else self.closed_at <= deadline
        if self.schedule_state == ScheduleState.LATE_DUE:
            self.closed_on_time = False

    # --- Schedule transitions (forward only; frozen once closed) ------------------------------
    # The scheduler's tick (``orders.scheduler``) runs these declarations as set-based SQL: each
    # transition names its due point in ``custom`` (``time_point``: reached when that time has come;
    # ``usage_point``: reached when the order's counter shows that value), and each condition needs its
    # SQL in ``scheduler.CONDITION_SQL``. The scheduler refuses, at import, a transition it cannot follow.
    def still_open(self: Any) -> bool:
        return self.is_open

    @transition(
        field=schedule_state,
        source=ScheduleState.BEFORE_EARLY_DUE,
        target=ScheduleState.EARLY_DUE,
        conditions=[still_open],
        custom={"time_point": "early_due_at", "usage_point": "early_due_value"},
    )
    def reach_early_due(self) -> None:
        """The early window opened."""

    @transition(
        field=schedule_state,
        source=[ScheduleState.BEFORE_EARLY_DUE, ScheduleState.EARLY_DUE],
        target=ScheduleState.DUE,
        conditions=[still_open],
        custom={"time_point": "due_at", "usage_point": "due_value"},
    )
    def reach_due(self) -> None:
        """The due point passed."""

    @transition(
        field=schedule_state,
        source=[ScheduleState.BEFORE_EARLY_DUE, ScheduleState.EARLY_DUE, ScheduleState.DUE],
        target=ScheduleState.LATE_DUE,
        conditions=[still_open],
        custom={"time_point": "late_due_at", "usage_point": "late_due_value"},
    )
    def reach_late_due(self) -> None:
        """The late tolerance is used up."""

    def clean(self) -> None:
        super().clean()
        self.clean_entity()
        if self.joined_into_id and self.joined_into_id == self.pk:
            raise ValidationError({"joined_into": _("An order cannot be joined into itself.")})


class Assignment(models.Model):
    """An employee assigned to work on an order."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="assignments"
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["order", "employee"], name="assignment_once_per_employee")]

    def __str__(self) -> str:
        return f"{self.employee} → {self.order.number}"


class LabourEntry(models.Model):
    """Time an employee spent on an order, with the cost at the rate of that day."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="labour")
    employee = models.ForeignKey(Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="labour")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    hours = models.DecimalField(
        _("hours"), max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    hourly_rate = models.DecimalField(
        _("hourly rate"), max_digits=10, decimal_places=2, default=Decimal(0), editable=False
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD", editable=False)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, default=Decimal(0), editable=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("labour entry")
        verbose_name_plural = _("labour")
        ordering = ["order", "started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stopped_at__isnull=True) | Q(started_at__isnull=False), name="labour_stop_needs_start"
            ),
            models.CheckConstraint(
                condition=Q(stopped_at__isnull=True) | Q(stopped_at__gte=F("started_at")),
                name="labour_stop_after_start",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=False) | Q(started_at__isnull=False), name="labour_hours_or_start"
            ),
            models.CheckConstraint(condition=Q(hours__isnull=True) | Q(hours__gte=0), name="labour_hours_not_negative"),
            models.UniqueConstraint(
                fields=["employee"],
                condition=Q(started_at__isnull=False, stopped_at__isnull=True, hours__isnull=True),
                name="labour_one_running_clock_per_employee",
                violation_error_message=_("This employee's clock is already running on another order."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.hours or '…'} h on {self.order.number}"

    def clean(self) -> None:
        super().clean()
        if self.started_at and self.stopped_at and self.stopped_at < self.started_at:
            raise ValidationError({"stopped_at": _("The stop time must be after the start time.")})
        if self.hours is None and self.started_at is None:
            raise ValidationError({"hours": _("Give the hours worked, or start the clock.")})


class ChecklistAnswer(models.Model):
    """The answer to one checklist item of the order's activity."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="checklist_answers"
    )
    item = models.ForeignKey(ChecklistItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    done = models.BooleanField(_("done"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    number = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="checklists/%Y/%m/", blank=True)
    within_limits = models.BooleanField(_("within limits"), null=True, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        ordering = ["order", "item__position"]
        constraints = [models.UniqueConstraint(fields=["order", "item"], name="checklistanswer_one_per_item")]

    def __str__(self) -> str:
        return f"{self.item.text}: {self.display_value}"

    @property
    def is_answered(self) -> bool:
        return any(
            (
                self.done is True,
                self.passed is not None,
                self.number is not None,
                bool(self.text.strip()),
                bool(self.photo),
            )
        )

    @property
    def display_value(self) -> str:
        if self.passed is not None:
            return str(_("pass") if self.passed else _("fail"))
        if self.number is not None:
            return f"{self.number} {self.item.unit}".strip()
        if self.done is not None:
            return str(_("done") if self.done else _("not done"))
        return self.text or ("📷" if self.photo else "—")


class DataValue(models.Model):
    """A value collected for a data parameter, evaluated against its limit set when recorded."""

    class Evaluation(models.TextChoices):
        IN = "in", _("Within limits")
        WARNING = "warning", _("Warning")
        ACTION = "action", _("Action needed")

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="data_values"
    )
    parameter = models.ForeignKey(
        DataParameter, verbose_name=_("parameter"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    evaluation = models.CharField(_("evaluation"), max_length=8, choices=Evaluation.choices, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("data value")
        verbose_name_plural = _("data values")
        ordering = ["order", "parameter__position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "parameter"], name="datavalue_one_per_parameter"),
            models.CheckConstraint(
                condition=Q(evaluation__in=["in", "warning", "action"]), name="datavalue_evaluation_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parameter.name} = {self.value} {self.parameter.unit}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.evaluation = self.parameter.evaluate(self.value)
        super().save(*args, **kwargs)


class PlannedPart(models.Model):
    """A part the order expects to use, copied from the activity's bill of parts when the order is made."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="planned_parts"
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("planned part")
        verbose_name_plural = _("planned parts")
        constraints = [
            models.UniqueConstraint(fields=["order", "part"], name="plannedpart_once_per_order"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="plannedpart_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.part.unit} {self.part.part_number}"


class UsedPart(models.Model):
    """A part consumed by the order, with its cost at the time."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="used_parts"
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=4, default=Decimal(0), editable=False)
    currency = models.CharField(_("currency"), max_length=3, default="USD", editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("used part")
        verbose_name_plural = _("used parts")
        ordering = ["order", "recorded_at"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="usedpart_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} {self.part.unit} {self.part.part_number}"


class Comment(models.Model):
    """A remark on an order by anyone who can see it."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["order", "created_at"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="comment_not_empty")]

    def __str__(self) -> str:
        return self.text[:60]


class ActionLogStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    RETRYING = "retrying", _("Failed, will retry")
    FAILED = "failed", _("Failed")


class ActionLog(models.Model):
    """One activity action fired by a schedule transition of an order, and how each attempt went."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="action_log"
    )
    kind = models.CharField(_("action"), max_length=16, choices=ActionKind.choices)
    transition = models.CharField(_("transition"), max_length=10, choices=ScheduleTransition.choices)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionLogStatus.choices, default=ActionLogStatus.QUEUED
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("action log entry")
        verbose_name_plural = _("action log")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "transition", "kind"], name="actionlog_once_per_transition"),
            models.CheckConstraint(condition=Q(status__in=ActionLogStatus.values), name="actionlog_status_valid"),
        ]
        indexes = [models.Index(fields=["status"], name="actionlog_status")]

    def __str__(self) -> str:
        return f"{self.order.number} {self.get_kind_display()} ({self.get_status_display()})"


class SchedulerRun(models.Model):
    """One row per scheduler job: locked while the job runs (so two beats never run it at once) and a
    record of its last run for administrators."""

    name = models.CharField(_("job"), max_length=50, unique=True)
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished at"), null=True, blank=True)
    last_count = models.PositiveIntegerField(_("rows changed by the last run"), default=0)

    class Meta:
        verbose_name = _("scheduler run")
        verbose_name_plural = _("scheduler runs")

    def __str__(self) -> str:
        return self.name


# --- Outgoing webhooks to integrators (see orders/webhooks.py) ---------------------------------
class WebhookEvent(models.TextChoices):
    ORDER_CREATED = "order.created", _("Work order created")
    EXECUTION_TRANSITION = "order.execution_transition", _("Execution state changed")
    SCHEDULE_TRANSITION = "order.schedule_transition", _("Schedule state changed")


class WebhookSubscription(models.Model):
    """An integrator's URL that receives signed JSON POSTs for the chosen work-order events.

    Events are sent only for orders of the sites the owner may see, signed with HMAC-SHA256 of the body
    with ``secret`` (header ``X-MMS-Signature: sha256=<hex>``).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"), max_length=128, help_text=_("Shared with the receiver to check the signature (16+ characters).")
    )
    events = models.JSONField(_("events"), default=list, help_text=_('Event names, e.g. ["order.created"].'))
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if len(self.secret or "") < 16:
            errors["secret"] = _("Use a secret of at least 16 characters.")
        if (
            not isinstance(self.events, list)
            or not self.events
            or not all(isinstance(e, str) and e in WebhookEvent.values for e in self.events)
        ):
            errors["events"] = _("Choose one or more of: %(events)s.") % {"events": ", ".join(WebhookEvent.values)}
        if errors:
            raise ValidationError(errors)


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one subscription, with how each attempt went: the delivery log."""

    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    transition = models.CharField(_("transition"), max_length=40, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionLogStatus.choices, default=ActionLogStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_status = models.PositiveSmallIntegerField(_("HTTP status of the last attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ActionLogStatus.values), name="webhookdelivery_status_valid"),
            models.CheckConstraint(condition=Q(event__in=WebhookEvent.values), name="webhookdelivery_event_valid"),
        ]
        indexes = [
            models.Index(fields=["status"], name="webhookdelivery_status"),
            models.Index(fields=["subscription", "-created_at"], name="webhookdelivery_subscription"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.order_id} → {self.subscription.url} ({self.get_status_display()})"


# --- Downtime ------------------------------------------------------------------------------------
class DowntimeKind(models.TextChoices):
    DOWN = "down", _("Down")
    ON_HOLD = "on_hold", _("On hold")


class DowntimePeriodQuerySet(models.QuerySet["DowntimePeriod"]):
    def open(self) -> DowntimePeriodQuerySet:
        return self.filter(ended_at__isnull=True)

    def in_sites(self, site_ids: list[int] | None) -> DowntimePeriodQuerySet:
        if site_ids is None:
            return self
        return self.filter(Q(resource__area__site_id__in=site_ids) | Q(container__area__site_id__in=site_ids))

    def visible_to(self, user: Any) -> DowntimePeriodQuerySet:
        """Periods of entities at the sites the user belongs to (every site for Administrators and Integrators)."""
        from core.scoping import visible_site_ids

        return self.in_sites(visible_site_ids(user))

    def for_entity(self, entity: Resource | Container) -> DowntimePeriodQuerySet:
        field = type(entity)._meta.model_name
        return self.filter(**{f"{field}_id": entity.pk})

    def overlapping(self, start: datetime.datetime, end: datetime.datetime) -> DowntimePeriodQuerySet:
        """Periods with some time inside ``[start, end)``; an open period lasts until now."""
        return self.filter(started_at__lt=min(end, timezone.now())).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=start)
        )

    def with_duration_within(self, start: datetime.datetime, end: datetime.datetime) -> DowntimePeriodQuerySet:
        """Annotate ``duration_within``: the part of each period inside ``[start, end)``, computed in SQL
        (an open period counts up to ``end`` or now, whichever is earlier). Use with ``overlapping``."""
        until = min(end, timezone.now())
        clipped_end = models.functions.Least(Coalesce(F("ended_at"), models.Value(until)), models.Value(until))
        clipped_start = models.functions.Greatest(F("started_at"), models.Value(start))
        return self.annotate(
            duration_within=models.ExpressionWrapper(clipped_end - clipped_start, output_field=models.DurationField())
        )

    def hours_between(self, start: datetime.datetime, end: datetime.datetime) -> float:
        """Hours of downtime inside ``[start, end)`` over these periods, summed in SQL (for the KPIs)."""
        total = (
            self.overlapping(start, end)
            .with_duration_within(start, end)
            .aggregate(total=models.Sum("duration_within"))["total"]
        )
        return total.total_seconds() / 3600 if total else 0.0

    def hours_by_entity(self, start: datetime.datetime, end: datetime.datetime) -> dict[tuple[str, int], float]:
        """Hours of downtime inside ``[start, end)`` per entity: ``{("resource", id): hours, ...}``."""
        rows = (
            self.overlapping(start, end)
            .with_duration_within(start, end)
            .order_by()
            .values("resource_id", "container_id")
            .annotate(total=models.Sum("duration_within"))
        )
        return {
            (("resource", row["resource_id"]) if row["resource_id"] else ("container", row["container_id"])): (
                row["total"].total_seconds() / 3600 if row["total"] else 0.0
            )
            for row in rows
        }


class DowntimePeriod(models.Model):
    """A time a resource or container was down or on hold: who opened and closed it, why, and the work
    order that caused it (a breakdown report, a hold at late due). Open while ``ended_at`` is empty; at
    most one period of an entity is open at a time."""

    kind = models.CharField(_("kind"), max_length=10, choices=DowntimeKind.choices)
    resource = models.ForeignKey(
        Resource,
        verbose_name=_("resource"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="downtime_periods",
    )
    container = models.ForeignKey(
        Container,
        verbose_name=_("container"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="downtime_periods",
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="downtime_periods",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    close_note = models.TextField(_("note on closing"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = DowntimePeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("downtime period")
        verbose_name_plural = _("downtime periods")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DowntimeKind.values), name="downtimeperiod_kind_valid"),
            models.CheckConstraint(
                condition=Q(resource__isnull=False, container__isnull=True)
                | Q(resource__isnull=True, container__isnull=False),
                name="downtimeperiod_one_entity",
                violation_error_message=_("A downtime period belongs to one resource or one container."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="downtimeperiod_ends_after_start",
                violation_error_message=_("A downtime period cannot end before it starts."),
            ),
            # Two reports at once cannot open two periods: the second insert fails.
            models.UniqueConstraint(
                fields=["resource"], condition=Q(ended_at__isnull=True), name="downtimeperiod_one_open_per_resource"
            ),
            models.UniqueConstraint(
                fields=["container"], condition=Q(ended_at__isnull=True), name="downtimeperiod_one_open_per_container"
            ),
        ]
        indexes = [
            models.Index(fields=["resource", "-started_at"], name="downtimeperiod_resource_start"),
            models.Index(fields=["container", "-started_at"], name="downtimeperiod_container_start"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def entity(self) -> Resource | Container | None:
        return self.resource if self.resource_id else self.container

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def duration(self) -> datetime.timedelta:
        """How long it lasted (an open period: until now)."""
        return (self.ended_at or timezone.now()) - self.started_at
