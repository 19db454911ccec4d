"""Work-order screens: my work, the order page and its transitions, the supervisor queue and assignment.

Recording work from the order page is in ``orders.record_views``, the planner's calendar and backlog in
``orders.planner_views``; both import the list and order-page helpers from here (never the reverse).

Views are thin: every list and page starts from ``WorkOrder.objects.visible_to(user)`` (ids of other
sites answer 404), validates a form and calls one service of ``orders.services`` / ``orders.records``.
The services decide who may do what: ``ActionForbidden`` propagates as a 403, ``ActionNotAllowed``
becomes a visible message (409 for htmx, which swaps the refused part in place), and a
``ValidationError`` goes onto the form's fields.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assets.models import Area, Attachment, Counter
from core.audit import render_history
from core.csv_export import export_response
from core.errors import ActionNotAllowed
from core.pagination import paginate
from core.queries import count_of
from core.scoping import is_administrator, user_group_ids
from core.views import safe_next, screen
from inventory.models import StockLocation
from orders import records, services
from orders.exports import ORDER_COLUMNS
from orders.failures import failure_code_choices, failure_codes_asked, failure_codes_required
from orders.filters import WorkOrderFilterSet
from orders.forms import (
    AcceptForm,
    AssignForm,
    AttachmentForm,
    BulkActionForm,
    CancelForm,
    CommentForm,
    CompleteForm,
    JoinForm,
    LabourHoursForm,
    ReadingForm,
    ReasonForm,
    ReleaseForm,
    UsedPartForm,
    add_service_error,
)
from orders.models import (
    OPEN_STATES,
    Assignment,
    ChecklistAnswer,
    Comment,
    ExecutionState,
    FailureKind,
    LabourEntry,
    PlannedPart,
    ScheduleState,
    UsedPart,
    WorkOrder,
    WorkOrderQuerySet,
)
from people.models import Employee, EmployeeCertification
from plans.models import ChecklistItem, DataParameter, PersonnelRequirement

VIEW_PERMISSION = "orders.view_workorder"
READING_PERMISSION = "assets.add_reading"
LIST_PAGE_SIZE = 20


# Late first, then due, early due, not yet due.
SCHEDULE_RANK = Case(
    When(schedule_state=ScheduleState.LATE_DUE, then=Value(0)),
    When(schedule_state=ScheduleState.DUE, then=Value(1)),
    When(schedule_state=ScheduleState.EARLY_DUE, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


# Signed in, with a role that may see work orders: else 403 (GET or POST).
orders_screen = screen(VIEW_PERMISSION)


def list_queryset(user: Any) -> WorkOrderQuerySet:
    """Orders of the user's sites with what a list row shows, in constant queries."""
    return (
        WorkOrder.objects.visible_to(user)
        .select_related("site", "area", "resource__area", "container__area", "material__area")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("employee")))
    )


def late_first(queryset: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    return queryset.annotate(schedule_rank=SCHEDULE_RANK).order_by(
        "schedule_rank", F("due_at").asc(nulls_last=True), "-priority", "number"
    )


def owned_by(user: Any, queryset: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """Orders whose owner role the user holds (as ``services.is_owner`` decides, but in SQL)."""
    if is_administrator(user):
        return queryset
    mine = Q(plan_instance__owner_role_id__in=user_group_ids(user))
    if user.has_perm("orders.supervise_workorder"):
        mine |= Q(plan_instance__isnull=True)
    return queryset.filter(mine)


def filter_data(request: HttpRequest, **forced: str) -> QueryDict:
    data = request.GET.copy()
    for key, value in forced.items():
        data[key] = value
    return data


def open_state_checkboxes(filterset: WorkOrderFilterSet, states: list[str] | None = None) -> None:
    """The state filter as tick boxes of the states that make sense on this screen."""
    field = filterset.form.fields["execution_state"]
    allowed = states or list(OPEN_STATES)
    field.choices = [(value, label) for value, label in ExecutionState.choices if value in allowed]
    field.widget = forms.CheckboxSelectMultiple(choices=field.choices)


def visible_fields(filterset: WorkOrderFilterSet, names: list[str]) -> list[Any]:
    return [filterset.form[name] for name in names]


# --- Technician: my work -----------------------------------------------------------------------
@orders_screen
def my_work(request: HttpRequest) -> HttpResponseBase:
    """Open orders assigned to me, or to my role and nobody yet: late first."""
    queryset = late_first(list_queryset(request.user).open())
    filterset = WorkOrderFilterSet(filter_data(request, assigned="my_role"), queryset=queryset, request=request)
    if (export := export_response(request, filterset.qs, ORDER_COLUMNS, name=_("my work"))) is not None:
        return export
    open_state_checkboxes(filterset)
    orders = paginate(request, filterset.qs, "page", LIST_PAGE_SIZE)
    filtered = any(request.GET.get(name) for name in ("site", "execution_state", "q"))
    return render(
        request,
        "orders/my_work.html",
        {
            "orders": orders,
            "filter_fields": visible_fields(filterset, ["q", "site", "execution_state"]),
            "filtered": filtered,
            "now": timezone.now(),
        },
    )


# --- The order page ----------------------------------------------------------------------------
def detail_queryset(user: Any) -> QuerySet[WorkOrder]:
    return (
        WorkOrder.objects.visible_to(user)
        .select_related(
            "site",
            "area",
            "resource__area",
            "container__area",
            "material__area",
            "activity__executing_role",
            "plan_instance__plan",
            "plan_instance__owner_role",
            "requester",
            "rework_of",
            "joined_into",
            "signed_by",
            "counter",
            "failure_problem",
            "failure_cause",
            "failure_remedy",
        )
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("employee")),
            Prefetch("checklist_answers", queryset=ChecklistAnswer.objects.select_related("answered_by")),
            "data_values",
            Prefetch("activity__checklist_items", queryset=ChecklistItem.objects.order_by("position", "pk")),
            Prefetch("activity__data_parameters", queryset=DataParameter.objects.order_by("position", "pk")),
            Prefetch("activity__personnel", queryset=PersonnelRequirement.objects.select_related("certification")),
            Prefetch("planned_parts", queryset=PlannedPart.objects.select_related("part")),
            Prefetch("used_parts", queryset=UsedPart.objects.select_related("part", "recorded_by")),
            Prefetch("labour", queryset=LabourEntry.objects.select_related("employee")),
            Prefetch("comments", queryset=Comment.objects.select_related("author")),
        )
    )


def get_order(request: HttpRequest, pk: int, *, full: bool = False) -> WorkOrder:
    """The order if the user may see it; 404 otherwise (another site's id reveals nothing)."""
    queryset = detail_queryset(request.user) if full else WorkOrder.objects.visible_to(request.user)
    return get_object_or_404(queryset, pk=pk)


def entity_area(order: WorkOrder) -> Area | None:
    entity = order.entity
    if entity is None:
        return None
    return entity if isinstance(entity, Area) else entity.area


def location_path(order: WorkOrder) -> list[Area]:
    """Site > building > ... > the entity's area, in one query."""
    area = entity_area(order)
    if area is None:
        return []
    ids = [int(part) for part in area.path.strip("/").split("/") if part]
    if isinstance(order.entity, Area):
        ids = ids[:-1]
    return list(Area.objects.filter(pk__in=ids).order_by("path"))


def entity_counters(order: WorkOrder) -> QuerySet[Counter]:
    entity = order.entity
    if entity is None:
        return Counter.objects.none()
    field = str(type(entity)._meta.model_name)
    return Counter.objects.filter(**{field: entity}).order_by("name")


def join_targets(user: Any, order: WorkOrder) -> QuerySet[WorkOrder]:
    """Open orders on the same entity, other than this one."""
    entity = order.entity
    if entity is None:
        return WorkOrder.objects.none()
    return WorkOrder.objects.visible_to(user).open().for_entity(entity).exclude(pk=order.pk).order_by("number")


def release_locations(order: WorkOrder) -> QuerySet[StockLocation]:
    """Where the order's planned parts may be reserved: the active stock locations of its site."""
    return StockLocation.objects.for_work_at(order.site_id)


class Buttons:
    """Which transitions the user may try on the order now (the services decide again on POST)."""

    def __init__(self, user: Any, order: WorkOrder) -> None:
        state = order.execution_state
        owner = services.is_owner(user, order)
        executor = services.is_executor(user, order)
        self.approve = owner and state == ExecutionState.REQUESTED
        self.release = owner and state == ExecutionState.APPROVED
        self.accept = owner and state == ExecutionState.WAITING_FOR_ACCEPTANCE
        self.rework = self.accept
        self.reject = owner and state == ExecutionState.REQUESTED
        self.join = owner and state == ExecutionState.REQUESTED
        self.skip = owner and state in (ExecutionState.REQUESTED, ExecutionState.APPROVED, ExecutionState.RELEASED)
        self.cancel = state == ExecutionState.REQUESTED and (owner or order.requester_id == user.pk)
        self.assign = owner and order.is_open
        self.record = state == ExecutionState.IN_PROGRESS and (executor or owner)
        self.begin = False
        self.begin_refusal: str | None = None
        if state == ExecutionState.RELEASED or (
            executor and state in (ExecutionState.REQUESTED, ExecutionState.APPROVED)
        ):
            self.begin_refusal = services.begin_refusal(order, user)
            self.begin = self.begin_refusal is None
        self.complete = False
        self.missing: list[str] = []
        if state == ExecutionState.IN_PROGRESS and executor:
            self.missing = order.missing_for_completion()  # from the prefetched answers: no query
            self.complete = not self.missing
        self.any_owner_action = any((self.approve, self.release, self.accept, self.reject, self.skip, self.join))


def checklist_rows(order: WorkOrder, errors: dict[int, Any] | None = None) -> list[dict[str, Any]]:
    if order.activity is None:
        return []
    answers = {answer.item_id: answer for answer in order.checklist_answers.all()}
    errors = errors or {}
    return [
        {"item": item, "answer": answers.get(item.pk), "errors": errors.get(item.pk)}
        for item in order.activity.checklist_items.all()
    ]


def data_rows(order: WorkOrder, errors: dict[int, Any] | None = None) -> list[dict[str, Any]]:
    if order.activity is None:
        return []
    values = {value.parameter_id: value for value in order.data_values.all()}
    errors = errors or {}
    return [
        {"parameter": parameter, "value": values.get(parameter.pk), "errors": errors.get(parameter.pk)}
        for parameter in order.activity.data_parameters.all()
    ]


def parts_rows(order: WorkOrder) -> list[dict[str, Any]]:
    """Planned against used, per part: planned ones first, then parts used without a plan."""
    used: dict[int, Decimal] = defaultdict(Decimal)
    parts = {}
    for line in order.used_parts.all():
        used[line.part_id] += line.quantity
        parts[line.part_id] = line.part
    rows: list[dict[str, Any]] = []
    for planned in order.planned_parts.all():
        rows.append({"part": planned.part, "planned": planned.quantity, "used": used.pop(planned.part_id, None)})
    rows += [{"part": parts[part_id], "planned": None, "used": quantity} for part_id, quantity in used.items()]
    for row in rows:
        row["short"] = row["planned"] is not None and (row["used"] or 0) < row["planned"]
        row["over"] = row["planned"] is not None and row["used"] is not None and row["used"] > row["planned"]
    return rows


def detail_context(
    request: HttpRequest,
    order: WorkOrder,
    bound: dict[str, forms.Form] | None = None,
    checklist_errors: dict[int, Any] | None = None,
    data_errors: dict[int, Any] | None = None,
) -> dict[str, Any]:
    user = request.user
    bound = bound or {}
    buttons = Buttons(user, order)
    counters = entity_counters(order)
    labour = list(order.labour.all())
    running = next(
        (e for e in labour if e.employee.user_id == user.pk and e.stopped_at is None and e.hours is None), None
    )
    requires_signature = bool(order.activity and order.activity.requires_signature)
    attachments = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(WorkOrder), object_id=order.pk
    ).select_related("uploaded_by")
    context: dict[str, Any] = {
        "order": order,
        "entity": order.entity,
        "location": location_path(order),
        "buttons": buttons,
        "checklist": checklist_rows(order, checklist_errors),
        "data": data_rows(order, data_errors),
        "parts": parts_rows(order),
        "labour": labour,
        "labour_hours": sum((e.hours or Decimal(0) for e in labour), Decimal(0)),
        "running": running,
        "attachments": list(attachments),
        "comments": list(order.comments.all()),
        "counters": list(counters),
        "requires_signature": requires_signature,
        "may_read_counters": order.is_open and user.has_perm(READING_PERMISSION),
        "reading_form": bound.get("reading") or ReadingForm(counters=counters),
        "part_form": bound.get("part") or UsedPartForm(),
        "labour_form": bound.get("labour") or LabourHoursForm(),
        "comment_form": bound.get("comment") or CommentForm(),
        "attachment_form": bound.get("attachment") or AttachmentForm(),
        "accept_form": bound.get("accept") or AcceptForm(requires_signature=requires_signature),
        "rework_form": bound.get("rework") or ReasonForm(prefix="rework"),
        "skip_form": bound.get("skip") or ReasonForm(prefix="skip"),
        "reject_form": bound.get("reject") or ReasonForm(prefix="reject"),
        "cancel_form": bound.get("cancel") or CancelForm(prefix="cancel"),
        # A choice of store only where there are parts to reserve (the planned parts are prefetched).
        "release_form": bound.get("release")
        or (
            ReleaseForm(prefix="release", locations=release_locations(order))
            if buttons.release and order.planned_parts.all()
            else None
        ),
        "complete_form": bound.get("complete") or (complete_form(order) if buttons.complete else None),
        "join_form": bound.get("join") or (JoinForm(targets=join_targets(user, order)) if buttons.join else None),
        "open_section": next(iter(bound), ""),
    }
    return context


def render_detail(request: HttpRequest, order: WorkOrder, status: int = 200, **kwargs: Any) -> HttpResponse:
    return render(request, "orders/detail.html", detail_context(request, order, **kwargs), status=status)


@orders_screen
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one order, and what the user may do with it now."""
    return render_detail(request, get_order(request, pk, full=True))


@orders_screen
def order_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The order's change history (``core.audit``): who moved it, when, why (the reason of a skip, a
    rejection, a rework or a cancellation is the change's reason and its ``state_reason``)."""
    order = get_order(request, pk)
    return render_history(request, order, title=f"{order.number} · {order.title}", back_url=detail_url(order))


def detail_url(order: WorkOrder, anchor: str = "") -> str:
    return reverse("orders:detail", args=[order.pk]) + (f"#{anchor}" if anchor else "")


# --- Transitions -------------------------------------------------------------------------------
def complete_form(order: WorkOrder, data: Any = None) -> CompleteForm | None:
    """The completion form of corrective work (failure codes for its equipment), or None where it asks
    nothing (planned work, or no codes apply)."""
    if not failure_codes_asked(order):
        return None
    choices = {kind: failure_code_choices(order, kind) for kind in FailureKind.values}
    if not choices[FailureKind.PROBLEM].exists():
        return None
    return CompleteForm(data, choices=choices, required=failure_codes_required(order))


def transition_form(action: str, order: WorkOrder, user: Any, data: Any) -> forms.Form | None:
    requires_signature = bool(order.activity and order.activity.requires_signature)
    if action == "complete":
        return complete_form(order, data)
    if action in ("rework", "skip", "reject"):
        return ReasonForm(data, prefix=action)
    if action == "cancel":
        return CancelForm(data, prefix="cancel")
    if action == "release":
        return ReleaseForm(data, prefix="release", locations=release_locations(order))
    if action == "accept":
        return AcceptForm(data, requires_signature=requires_signature)
    if action == "join":
        return JoinForm(data, targets=join_targets(user, order))
    return None


def transition_call(action: str, order: WorkOrder, user: Any, data: dict[str, Any]) -> WorkOrder:
    if action == "approve":
        return services.order_approve(order=order, user=user)
    if action == "release":
        return services.order_release(order=order, user=user, location=data.get("location"))
    if action == "begin":
        return services.order_begin(order=order, user=user)
    if action == "complete":
        return services.order_complete(
            order=order,
            user=user,
            failure_problem=data.get("failure_problem"),
            failure_cause=data.get("failure_cause"),
            failure_remedy=data.get("failure_remedy"),
        )
    if action == "accept":
        return services.order_accept(
            order=order, user=user, password=data.get("password"), meaning=data.get("meaning", "")
        )
    if action == "rework":
        return services.order_rework(order=order, user=user, reason=data["reason"])
    if action == "skip":
        return services.order_skip(order=order, user=user, reason=data["reason"])
    if action == "reject":
        return services.order_reject(order=order, user=user, reason=data["reason"])
    if action == "join":
        return services.order_join(order=order, into=data["into"], user=user)
    return services.order_cancel(order=order, user=user, reason=data.get("reason", ""))


TRANSITION_DONE = {
    "approve": gettext_lazy("%(number)s approved."),
    "release": gettext_lazy("%(number)s released."),
    "begin": gettext_lazy("Work on %(number)s has begun."),
    "complete": gettext_lazy("%(number)s completed; it now waits for acceptance."),
    "accept": gettext_lazy("%(number)s accepted and closed."),
    "rework": gettext_lazy("%(number)s sent back for rework."),
    "skip": gettext_lazy("%(number)s skipped."),
    "reject": gettext_lazy("%(number)s rejected."),
    "join": gettext_lazy("%(number)s joined."),
    "cancel": gettext_lazy("%(number)s canceled."),
}


@orders_screen
@require_POST
def order_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Approve, release, begin, complete, accept, rework, skip, reject, join or cancel one order."""
    if action not in TRANSITION_DONE:
        raise Http404
    order = get_order(request, pk)
    target = safe_next(request)
    form = transition_form(action, order, request.user, request.POST)
    if form is not None and not form.is_valid():
        if target:  # from a list: say what was missing there
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return redirect(target)
        return render_detail(request, get_order(request, pk, full=True), status=400, bound={action: form})
    data = form.cleaned_data if form is not None else {}
    try:
        result = transition_call(action, order, request.user, data)
    except (ActionNotAllowed, ValidationError) as refusal:
        text = refusal.message if isinstance(refusal, ActionNotAllowed) else " ".join(refusal.messages)
        if form is not None and not target:
            if isinstance(refusal, ValidationError):
                add_service_error(form, refusal)
            else:
                form.add_error(None, text)
            return render_detail(request, get_order(request, pk, full=True), status=409, bound={action: form})
        messages.error(request, text)
        return redirect(target or detail_url(order))
    messages.success(request, str(TRANSITION_DONE[action]) % {"number": order.number})
    if action == "rework":
        messages.info(request, _("Rework order %(number)s opened.") % {"number": result.number})
    return redirect(target or detail_url(order))


# --- Supervisor: the queue ---------------------------------------------------------------------
QUEUE_TABS: dict[str, tuple[Any, str]] = {
    "approval": (gettext_lazy("To approve"), ExecutionState.REQUESTED),
    "release": (gettext_lazy("To release"), ExecutionState.APPROVED),
    "acceptance": (gettext_lazy("To accept"), ExecutionState.WAITING_FOR_ACCEPTANCE),
}


@orders_screen
def queue(request: HttpRequest) -> HttpResponseBase:
    """Orders waiting for the user's decision as their owner role: approval, release or acceptance."""
    tab = request.GET.get("tab") or ""
    tab = tab if tab in QUEUE_TABS else "approval"
    state = QUEUE_TABS[tab][1]
    mine = owned_by(request.user, WorkOrder.objects.visible_to(request.user))
    counts = mine.aggregate(
        **{name: Count("pk", filter=Q(execution_state=tab_state)) for name, (_label, tab_state) in QUEUE_TABS.items()}
    )
    queryset = late_first(
        owned_by(request.user, list_queryset(request.user))
        .filter(execution_state=state)
        .select_related("activity", "plan_instance__plan", "requester")
    )
    filterset = WorkOrderFilterSet(filter_data(request, status=""), queryset=queryset, request=request)
    if (
        export := export_response(request, filterset.qs, ORDER_COLUMNS, name=f"{_('queue')} {QUEUE_TABS[tab][0]}")
    ) is not None:
        return export
    orders = paginate(request, filterset.qs, "page", LIST_PAGE_SIZE)
    page_orders = list(orders)
    if tab == "approval":
        attach_join_targets(request.user, page_orders)
    tabs = [
        {"slug": slug, "label": label, "count": counts[slug], "current": slug == tab}
        for slug, (label, _state) in QUEUE_TABS.items()
    ]
    return render(
        request,
        "orders/queue.html",
        {
            "tab": tab,
            "tab_keep": {"tab": tab},
            "tabs": tabs,
            "orders": orders,
            "filter_fields": visible_fields(filterset, ["q", "site", "plan", "priority"]),
            "filtered": any(request.GET.get(name) for name in ("q", "site", "plan", "priority")),
            "bulk_action": {"approval": "approve", "release": "release"}.get(tab),
            "next": request.get_full_path(),
        },
    )


def attach_join_targets(user: Any, orders: list[WorkOrder]) -> None:
    """Each requested order's possible join targets (open orders on the same entity), in one query."""
    keys = defaultdict(set)
    for order in orders:
        for field in ("area", "resource", "container", "material"):
            value = getattr(order, f"{field}_id")
            if value:
                keys[field].add(value)
    condition = Q()
    for field, ids in keys.items():
        condition |= Q(**{f"{field}_id__in": ids})
    by_entity: dict[tuple[str, int], list[WorkOrder]] = defaultdict(list)
    if keys:
        for target in WorkOrder.objects.visible_to(user).open().filter(condition).order_by("number"):
            for field in ("area", "resource", "container", "material"):
                value = getattr(target, f"{field}_id")
                if value:
                    by_entity[(field, value)].append(target)
    for order in orders:
        field = next(f for f in ("area", "resource", "container", "material") if getattr(order, f"{f}_id"))
        order.join_targets = [t for t in by_entity[(field, getattr(order, f"{field}_id"))] if t.pk != order.pk]  # type: ignore[attr-defined]


@orders_screen
@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    """Approve or release the ticked orders one by one; say which failed and why."""
    form = BulkActionForm(request.POST)
    target = safe_next(request) or reverse("orders:queue")
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(target)
    action = form.cleaned_data["action"]
    call = services.order_approve if action == "approve" else services.order_release
    orders = WorkOrder.objects.visible_to(request.user).filter(pk__in=form.cleaned_data["orders"]).order_by("number")
    done, failures = [], []
    for order in orders:
        try:
            call(order=order, user=request.user)
        except PermissionDenied as forbidden:  # ActionForbidden: one order of the batch, not the whole page
            failures.append(f"{order.number}: {forbidden}")
        except (ActionNotAllowed, ValidationError) as refusal:
            failures.append(
                f"{order.number}: {refusal.message if isinstance(refusal, ActionNotAllowed) else ' '.join(refusal.messages)}"
            )
        else:
            done.append(order.number)
    missing = len(set(form.cleaned_data["orders"])) - len(done) - len(failures)
    if done:
        text = _("Approved: %(numbers)s.") if action == "approve" else _("Released: %(numbers)s.")
        messages.success(request, text % {"numbers": ", ".join(done)})
    for failure in failures:
        messages.error(request, failure)
    if missing > 0:
        messages.error(request, _("%(count)d of the ticked orders could not be found.") % {"count": missing})
    return redirect(target)


# --- Supervisor: assigning people --------------------------------------------------------------
@orders_screen
def order_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose who works on the order, seeing each person's valid certifications and open orders."""
    order = get_object_or_404(
        WorkOrder.objects.visible_to(request.user).select_related("activity", "plan_instance__owner_role", "site"),
        pk=pk,
    )
    if not services.is_owner(request.user, order):
        raise PermissionDenied
    today = timezone.localdate()
    required = []
    if order.activity is not None:
        required = [
            req.certification
            for req in order.activity.personnel.select_related("certification")
            if req.certification is not None
        ]
    required_ids = {c.pk for c in required}
    open_load = Assignment.objects.filter(employee_id=OuterRef("pk"), order__execution_state__in=OPEN_STATES)
    employees = (
        Employee.objects.active()
        .filter(sites=order.site_id)
        .annotate(open_orders=count_of(open_load))
        .prefetch_related(
            Prefetch(
                "certifications",
                queryset=EmployeeCertification.objects.valid_on(today).select_related("certification"),
                to_attr="valid_certifications_today",
            )
        )
        .order_by("name")
    )
    current = set(order.assignments.values_list("employee_id", flat=True))
    query = request.GET.get("q", "").strip()[:100]
    listed = employees.filter(Q(name__icontains=query) | Q(trade__icontains=query)) if query else employees
    form = AssignForm(request.POST or None, employees=employees, initial={"employees": list(current)})
    if request.method == "POST" and form.is_valid():
        try:
            records.order_assign(order=order, employees=form.cleaned_data["employees"], user=request.user)
        except ActionNotAllowed as refusal:
            form.add_error(None, refusal.message)
        except ValidationError as invalid:
            add_service_error(form, invalid)
        else:
            messages.success(request, _("Assignment of %(number)s saved.") % {"number": order.number})
            return redirect(safe_next(request) or detail_url(order))
    page = paginate(request, listed, "page", LIST_PAGE_SIZE)
    chosen = {int(v) for v in form["employees"].value() or []} if form.is_bound else current
    for employee in page:
        held = {held.certification_id for held in employee.valid_certifications_today}
        employee.missing_required = [c for c in required if c.pk not in held]
        employee.checked = employee.pk in chosen
    on_page = {employee.pk for employee in page}
    return render(
        request,
        "orders/assign.html",
        {
            "order": order,
            "form": form,
            "employees": page,
            "kept": sorted(chosen - on_page),  # ticked on another page: posted as hidden fields
            "required": required,
            "required_ids": required_ids,
            "query": query,
            "next": request.GET.get("next", ""),
        },
        status=200 if not form.errors else 400,
    )
