"""Outgoing webhooks: work-order events POSTed as signed JSON to integrators' subscriptions.

Events: ``order.created``, ``order.execution_transition`` (approve, release, begin, ... with the transition
name) and ``order.schedule_transition`` (early_due, due, late_due). ``emit`` writes one ``WebhookDelivery``
row per (subscription, order) in one ``bulk_create`` and, after commit, queues the Celery task that sends
them. Sending reuses the signed-webhook machinery of ``orders/actions.py``: the same HMAC-SHA256 signature
header, the same retry count (``MAINTENANCE_ACTION_RETRY_COUNT``) with exponential backoff, and the same
claim-by-conditional-update so two workers never send one delivery twice; every attempt is counted in the
delivery log and a delivery that failed for good is reported to ``MAINTENANCE_ERROR_DISTRIBUTION_LIST``.

A receiver checks ``X-MMS-Signature: sha256=<hex>`` = HMAC-SHA256(secret, raw body) and may use
``X-MMS-Delivery`` (the delivery id) to ignore a delivery it has already processed.
"""

from __future__ import annotations

import datetime
import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from core.scoping import visible_site_ids
from orders.actions import SIGNATURE_HEADER, ActionFailed, sign
from orders.models import ActionLogStatus, WebhookDelivery, WebhookEvent, WebhookSubscription, WorkOrder

EVENT_HEADER = "X-MMS-Event"
DELIVERY_HEADER = "X-MMS-Delivery"
TASK_CHUNK = 200
PENDING = (ActionLogStatus.QUEUED, ActionLogStatus.RETRYING)


# --- Emitting ----------------------------------------------------------------------------------
def _subscriptions(event: str) -> list[WebhookSubscription]:
    return [
        subscription
        for subscription in WebhookSubscription.objects.filter(active=True, owner__is_active=True).select_related(
            "owner"
        )
        if event in subscription.events
    ]


def emit(
    event: str,
    order_ids: Iterable[int],
    transition: str = "",
    now: datetime.datetime | None = None,
    site_by_order: dict[int, int] | None = None,
) -> int:
    """Queue ``event`` for each order to every active subscription whose owner may see the order.

    Set-based: one query for the subscriptions (most calls stop there), one for the orders' sites unless
    given, one ``bulk_create`` for the deliveries. Returns how many deliveries were queued.
    """
    order_ids = list(order_ids)
    if not order_ids:
        return 0
    subscriptions = _subscriptions(event)
    if not subscriptions:
        return 0
    if site_by_order is None:
        site_by_order = dict(WorkOrder.objects.filter(pk__in=order_ids).values_list("id", "site_id"))
    now = now or timezone.now()
    rows = []
    for subscription in subscriptions:
        site_ids = visible_site_ids(subscription.owner)
        allowed = None if site_ids is None else set(site_ids)
        rows += [
            WebhookDelivery(
                subscription=subscription,
                event=event,
                order_id=order_id,
                transition=transition[:40],
                occurred_at=now,
                created_at=now,
            )
            for order_id in order_ids
            if allowed is None or site_by_order.get(order_id) in allowed
        ]
    created = WebhookDelivery.objects.bulk_create(rows, batch_size=2000)
    ids = [delivery.pk for delivery in created]
    transaction.on_commit(
        lambda: [deliver_webhooks.delay(ids[i : i + TASK_CHUNK]) for i in range(0, len(ids), TASK_CHUNK)]
    )
    return len(ids)


def order_saved(order: WorkOrder, *, created: bool, transition: str) -> int:
    """Called by the order services after saving: a new order, or an execution transition."""
    if created:
        return emit(WebhookEvent.ORDER_CREATED, [order.pk], transition, site_by_order={order.pk: order.site_id})
    return emit(WebhookEvent.EXECUTION_TRANSITION, [order.pk], transition, site_by_order={order.pk: order.site_id})


# --- Sending -----------------------------------------------------------------------------------
def order_payload(order: WorkOrder) -> dict[str, Any]:
    def iso(value: datetime.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": order.pk,
        "number": order.number,
        "title": order.title,
        "kind": order.kind,
        "execution_state": order.execution_state,
        "schedule_state": order.schedule_state,
        "priority": order.priority,
        "site": order.site_id,
        "area": order.area_id,
        "resource": order.resource_id,
        "container": order.container_id,
        "material": order.material_id,
        "plan_instance": order.plan_instance_id,
        "activity": order.activity_id,
        "due_at": iso(order.due_at),
        "closed_at": iso(order.closed_at),
        "updated_at": iso(order.updated_at),
    }


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body: the event, when it happened, and the order as it is when sent."""
    payload = {
        "delivery": delivery.pk,
        "event": delivery.event,
        "transition": delivery.transition,
        "occurred_at": delivery.occurred_at.isoformat(),
        "sent_at": timezone.now().isoformat(),
        "order": order_payload(delivery.order),
    }
    return json.dumps(payload, sort_keys=True).encode()


def post_signed(url: str, body: bytes, secret: str, headers: dict[str, str]) -> int:
    """POST ``body`` signed with ``secret``; return the HTTP status, raise ``ActionFailed`` unless 2xx."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "MMS-webhook/1", **headers},
    )
    request.add_header(SIGNATURE_HEADER, sign(body, secret))
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            if not 200 <= response.status < 300:
                raise ActionFailed(f"HTTP {response.status}")
            return int(response.status)
    except urllib.error.HTTPError as error:
        raise ActionFailed(f"HTTP {error.code}") from error
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        raise ActionFailed(str(error)) from error


def deliver_one(delivery: WebhookDelivery) -> bool:
    """One attempt at one delivery; False when it failed and is to be retried, else True (sent, failed for
    good, or claimed by another worker)."""
    claimed = WebhookDelivery.objects.filter(pk=delivery.pk, status__in=PENDING).update(
        status=ActionLogStatus.RUNNING, updated_at=timezone.now()
    )
    if not claimed:
        return True
    delivery = WebhookDelivery.objects.select_related("subscription", "order").get(pk=delivery.pk)
    delivery.attempts += 1
    subscription = delivery.subscription
    headers = {EVENT_HEADER: delivery.event, DELIVERY_HEADER: str(delivery.pk)}
    try:
        delivery.response_status = post_signed(subscription.url, delivery_body(delivery), subscription.secret, headers)
    except ActionFailed as error:
        delivery.last_error = str(error)[:2000]
        code = str(error)[5:8]
        delivery.response_status = int(code) if str(error).startswith("HTTP ") and code.isdigit() else None
        if delivery.attempts >= settings.MAINTENANCE_ACTION_RETRY_COUNT:
            delivery.status, delivery.finished_at = ActionLogStatus.FAILED, timezone.now()
            delivery.save()
            report_failure(delivery)
            return True
        delivery.status = ActionLogStatus.RETRYING
        delivery.save()
        return False
    delivery.status, delivery.finished_at, delivery.last_error = ActionLogStatus.SUCCEEDED, timezone.now(), ""
    delivery.save()
    return True


def deliver_pending(delivery_ids: list[int]) -> list[int]:
    """Attempt each pending delivery once; return the ids still to retry."""
    return [
        delivery.pk
        for delivery in WebhookDelivery.objects.filter(pk__in=delivery_ids, status__in=PENDING).order_by("id")
        if not deliver_one(delivery)
    ]


def report_failure(delivery: WebhookDelivery) -> None:
    recipients = settings.MAINTENANCE_ERROR_DISTRIBUTION_LIST
    if not recipients:
        return
    send_mail(
        subject=f"[MMS] Webhook failed: {delivery.event} for {delivery.order.number}",
        message=(
            f"The webhook {delivery.event} of work order {delivery.order.number} to {delivery.subscription.url} "
            f"failed {delivery.attempts} times and will not be retried.\n\nLast error: {delivery.last_error}\n"
        ),
        from_email=settings.SERVER_EMAIL,
        recipient_list=recipients,
    )


@shared_task(name="orders.deliver_webhooks", bind=True, ignore_result=True, max_retries=None)
def deliver_webhooks(self: Any, delivery_ids: list[int]) -> None:
    """Send queued webhook deliveries; retry the failing ones with exponential backoff."""
    failing = deliver_pending(delivery_ids)
    if failing:
        delay = settings.MAINTENANCE_ACTION_RETRY_BASE_SECONDS * 2 ** min(self.request.retries, 8)
        raise self.retry(args=[failing], countdown=delay)
