"""Work orders, plan-driven or corrective, with their two state machines.

The execution state follows the work (requested -> approved -> released -> in progress -> waiting for
acceptance -> closed, or one of the other closed states). The schedule state follows the calendar and
the counters (before early due -> early due -> due -> late due) and freezes once the order is closed.
Both are protected FSM fields: only transitions change them, and only services call transitions.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from assets.models import Area, Container, Counter, EntityLinkMixin, Material, Resource, exactly_one_entity
from core.history import BulkWrittenHistory, FSMHistoryBase
from orders.models.failures import FailureCode, FailureKind
from plans.models import (
    Activity,
    PlanInstance,
    Priority,
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
# The dates the KPIs count closed orders by (``reports.kpis.order_sql.indexed``).
CLOSED_KPI_INDEXES = ["created_at", "closed_at", "completed_at", "late_due_at", "due_at"]
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
    "failure_problem",
    "failure_cause",
    "failure_remedy",
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

    # What failed, why and what was done (``orders.models.failures``), given when corrective work is
    # completed. The kind of each code is checked by ``limit_choices_to`` (forms, admin, ``full_clean``)
    # and by ``services.order_complete``: a database check cannot look into another table.
    failure_problem = models.ForeignKey(
        FailureCode,
        verbose_name=_("failure problem"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": FailureKind.PROBLEM},
        db_index=False,  # a partial index (non-null values only) below
    )
    failure_cause = models.ForeignKey(
        FailureCode,
        verbose_name=_("failure cause"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": FailureKind.CAUSE},
        db_index=False,  # a partial index (non-null values only) below
    )
    failure_remedy = models.ForeignKey(
        FailureCode,
        verbose_name=_("remedy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": FailureKind.REMEDY},
        db_index=False,  # a partial index (non-null values only) below
    )

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
            "failure_problem",
            "failure_cause",
            "failure_remedy",
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
            # The KPIs (``reports.kpis``) count the orders whose dates fall in a period. Closed orders are
            # nearly all of the table and never move again, so they are indexed by site and each date,
            # partially: the scheduler rewrites only open orders, which these indexes leave out (a tick
            # pays nothing for them); the few open orders are read through ``workorder_site_state``.
            *[
                models.Index(
                    fields=["site", field], condition=Q(closed_at__isnull=False), name=f"workorder_closed_{field}"
                )
                for field in CLOSED_KPI_INDEXES
            ],
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
