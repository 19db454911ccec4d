"""Actions fired by schedule transitions: queued as ActionLog rows, run by Celery with retries.

Kinds: notify (in-app notification + e-mail), webhook (JSON POST signed with HMAC-SHA256), hold entity
(resource or container on hold while the order is open), raise priority. Each attempt is counted in the
action log; after ``MAINTENANCE_ACTION_RETRY_COUNT`` failed attempts the action is marked failed and
``MAINTENANCE_ERROR_DISTRIBUTION_LIST`` is told by e-mail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assets.models import EntityStatus
from core.jobs import enqueue_many_on_commit
from core.notifications import notify as notify_users
from orders import downtime
from orders.models import OPEN_STATES, ActionLog, ActionLogStatus, DowntimeKind, WorkOrder
from plans.models import ActionKind, ActivityAction

WEBHOOK_TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-MMS-Signature"


class ActionFailed(Exception):
    """An action could not be carried out this time (it may be retried)."""


def queue_actions(order_ids: list[int], transition: str, activity_by_order: dict[int, int | None] | None = None) -> int:
    """Queue the activity actions for ``transition`` of each order; one job per order after commit.

    ``activity_by_order`` (order id -> activity id), when the caller has it, saves looking the orders
    up. The (order, transition, kind) unique constraint means an action fires at most once per transition.
    """
    if not order_ids:
        return 0
    actions_by_activity: dict[int, list[ActivityAction]] = defaultdict(list)
    for action in ActivityAction.objects.filter(on_transition=transition):
        actions_by_activity[action.activity_id].append(action)
    if not actions_by_activity:
        return 0
    if activity_by_order is None:
        activity_by_order = dict(
            WorkOrder.objects.filter(pk__in=order_ids, activity_id__in=actions_by_activity).values_list(
                "id", "activity_id"
            )
        )
    orders = [
        (order_id, activity_by_order[order_id])
        for order_id in order_ids
        if activity_by_order.get(order_id) in actions_by_activity
    ]
    if not orders:
        return 0
    rows = [
        ActionLog(order_id=order_id, kind=action.kind, transition=transition, settings=action.settings)
        for order_id, activity_id in orders
        for action in actions_by_activity[activity_id]  # type: ignore[index]
    ]
    ActionLog.objects.bulk_create(rows, ignore_conflicts=True)
    # orders.tasks.run_order_actions, by name (the tasks module imports this one).
    enqueue_many_on_commit("orders.run_actions", [(order_id, transition) for order_id, _a in orders])
    return len(rows)


def run_pending(order_id: int, transition: str) -> list[ActionLog]:
    """Run the queued (or retrying) actions of one order's transition; return those still failing."""
    failing = []
    for entry in ActionLog.objects.filter(
        order_id=order_id, transition=transition, status__in=[ActionLogStatus.QUEUED, ActionLogStatus.RETRYING]
    ):
        if not run_one(entry):
            failing.append(entry)
    return failing


def run_one(entry: ActionLog) -> bool:
    """One attempt at one action; True when it succeeded. Counts the attempt and reports the last failure."""
    claimed = ActionLog.objects.filter(
        pk=entry.pk, status__in=[ActionLogStatus.QUEUED, ActionLogStatus.RETRYING]
    ).update(status=ActionLogStatus.RUNNING)
    if not claimed:
        return True  # another worker has it (or it is done): nothing to do here
    entry.refresh_from_db()
    entry.attempts += 1
    try:
        EXECUTORS[ActionKind(entry.kind)](entry)
    except Exception as error:  # any failure of an action is recorded, never lost
        entry.last_error = f"{type(error).__name__}: {error}"[:2000]
        if entry.attempts >= settings.MAINTENANCE_ACTION_RETRY_COUNT:
            entry.status, entry.finished_at = ActionLogStatus.FAILED, timezone.now()
            entry.save()
            report_failure(entry)
        else:
            entry.status = ActionLogStatus.RETRYING
            entry.save()
        return False
    entry.status, entry.finished_at, entry.last_error = ActionLogStatus.SUCCEEDED, timezone.now(), ""
    entry.save()
    return True


def report_failure(entry: ActionLog) -> None:
    recipients = settings.MAINTENANCE_ERROR_DISTRIBUTION_LIST
    if not recipients:
        return
    order = entry.order
    send_mail(
        subject=f"[MMS] Action failed: {entry.get_kind_display()} for {order.number}",
        message=(
            f"The action {entry.get_kind_display()} ({entry.get_transition_display()}) of work order {order.number} "
            f"“{order.title}” failed {entry.attempts} times and will not be retried.\n\nLast error: {entry.last_error}\n"
        ),
        from_email=settings.SERVER_EMAIL,
        recipient_list=recipients,
    )


# --- Executors ---------------------------------------------------------------------------------
def _site_users_with_groups(order: WorkOrder, group_ids: set[int]) -> list[Any]:
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, groups__id__in=group_ids)
        .filter(Q(employee__sites=order.site_id) | Q(is_superuser=True) | Q(groups__name="Administrator"))
        .distinct()
    )


def notify(entry: ActionLog) -> None:
    order = WorkOrder.objects.select_related("plan_instance", "activity").get(pk=entry.order_id)
    recipients: dict[int, Any] = {}
    wanted = entry.settings.get("recipients", [])
    group_ids = set()
    if "owner_role" in wanted and order.plan_instance is not None:
        group_ids.add(order.plan_instance.owner_role_id)
    if "executing_role" in wanted and order.activity is not None:
        group_ids.add(order.activity.executing_role_id)
    for user in _site_users_with_groups(order, group_ids) if group_ids else []:
        recipients[user.pk] = user
    if "assignees" in wanted:
        for assignment in order.assignments.select_related("employee__user"):
            if assignment.employee.user is not None:
                recipients[assignment.employee.user.pk] = assignment.employee.user
    title = f"{order.number} {order.title}: {entry.get_transition_display().lower()}"
    url = f"/orders/{order.pk}/"
    body = f"{order.title} on {order.entity} — schedule state {order.get_schedule_state_display().lower()}."
    notify_users(recipients.values(), title, body, url)
    emails = {user.email for user in recipients.values() if user.email} | set(entry.settings.get("emails", []))
    if emails:
        send_mail(
            subject=f"[MMS] {title}",
            message=f"{body}\n\n{settings.SITE_URL}{url}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=sorted(emails),
        )


def webhook_payload(order: WorkOrder, entry: ActionLog) -> bytes:
    payload = {
        "event": "schedule_transition",
        "transition": entry.transition,
        "order": {
            "id": order.pk,
            "number": order.number,
            "title": order.title,
            "execution_state": order.execution_state,
            "schedule_state": order.schedule_state,
            "priority": order.priority,
            "due_at": order.due_at.isoformat() if order.due_at else None,
            "entity": str(order.entity),
            "planned_parts": [
                {"part_number": p.part.part_number, "quantity": str(p.quantity), "unit": p.part.unit}
                for p in order.planned_parts.select_related("part")
            ],
        },
        "sent_at": timezone.now().isoformat(),
    }
    return json.dumps(payload, sort_keys=True).encode()


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook(entry: ActionLog) -> None:
    order = WorkOrder.objects.get(pk=entry.order_id)
    body = webhook_payload(order, entry)
    request = urllib.request.Request(
        entry.settings["url"],
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "MMS-webhook/1"},
    )
    if entry.settings.get("secret"):
        request.add_header(SIGNATURE_HEADER, sign(body, entry.settings["secret"]))
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            if not 200 <= response.status < 300:
                raise ActionFailed(f"HTTP {response.status}")
    except urllib.error.HTTPError as error:
        raise ActionFailed(f"HTTP {error.code}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise ActionFailed(str(error)) from error


def hold_entity(entry: ActionLog) -> None:
    """Put the order's resource or container on hold while the order is open (a downtime period opens,
    pointing at the order). An entity already down or on hold is left as it is."""
    order = WorkOrder.objects.select_related("resource", "container").get(pk=entry.order_id)
    if order.execution_state not in OPEN_STATES:
        return  # closed meanwhile: nothing to hold
    entity = order.resource or order.container
    if entity is None:
        raise ActionFailed("only resources and containers can be put on hold")
    with transaction.atomic():
        # A person may mark it down while the action runs: decide on the locked row.
        entity = type(entity).objects.select_for_update().get(pk=entity.pk)
        if entity.status == EntityStatus.IN_SERVICE:
            downtime.downtime_open(
                entity=entity,
                kind=DowntimeKind.ON_HOLD,
                reason=f"on hold: {order.number} late",
                user=None,
                order=order,
            )


def raise_priority(entry: ActionLog) -> None:
    WorkOrder.objects.filter(pk=entry.order_id, priority__lt=entry.settings["priority"]).update(
        priority=entry.settings["priority"], updated_at=timezone.now()
    )


def release_hold(order: WorkOrder, user: Any = None) -> None:
    """When an order closes, a resource or container it put on hold goes back in service (its downtime
    period closes), unless another open order of it holds it too."""
    held = ActionLog.objects.filter(order=order, kind=ActionKind.HOLD_ENTITY, status=ActionLogStatus.SUCCEEDED).exists()
    entity = order.resource or order.container
    if not held or entity is None or entity.status != EntityStatus.ON_HOLD:
        return
    field = "resource" if order.resource_id else "container"
    others = ActionLog.objects.filter(
        kind=ActionKind.HOLD_ENTITY,
        status=ActionLogStatus.SUCCEEDED,
        order__execution_state__in=OPEN_STATES,
        **{f"order__{field}_id": entity.pk},
    ).exclude(order=order)
    if not others.exists():
        downtime.downtime_close(entity=entity, user=user, note=f"released: {order.number} closed")


def purchase_request(entry: ActionLog) -> None:
    """Request the order's parts that its site lacks, through the reorder service (one open request per
    part and site, so running this again asks for nothing more). Before release the planned parts count
    as demand; after release, the shortages of its reservations."""
    from inventory import services as inventory_services
    from inventory.models import Reservation

    order = WorkOrder.objects.select_related("site").get(pk=entry.order_id)
    if order.execution_state not in OPEN_STATES:
        return
    reserved = set(Reservation.objects.filter(reference=order.number).values_list("part_id", flat=True))
    for planned in order.planned_parts.select_related("part"):
        demand = Decimal(0) if planned.part_id in reserved else planned.quantity
        inventory_services.reorder_check(part=planned.part, site=order.site, reference=order.number, demand=demand)


EXECUTORS = {
    ActionKind.NOTIFY: notify,
    ActionKind.WEBHOOK: webhook,
    ActionKind.HOLD_ENTITY: hold_entity,
    ActionKind.RAISE_PRIORITY: raise_priority,
    ActionKind.PURCHASE_REQUEST: purchase_request,
}
