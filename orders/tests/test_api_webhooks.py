"""Outgoing webhooks: subscriptions through the API, events queued by the services and the scheduler,
signed deliveries checked by a receiver on loopback, retries and the delivery log."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.api.testing import token_client
from orders import scheduler, webhooks
from orders.factories import planned_order
from orders.models import ActionLogStatus, WebhookDelivery, WebhookEvent, WebhookSubscription, WorkOrder
from people.factories import make_role_user

pytestmark = pytest.mark.django_db
SECRET = "s3cret-shared-with-the-erp"


class Receiver:
    """An HTTP server on loopback that records each POST and answers the next queued status."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": self.headers, "body": body})  # case-insensitive
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/mms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def site():
    return SiteFactory()


@pytest.fixture
def resource(site):
    return ResourceFactory(area=AreaFactory(parent=site))


@pytest.fixture
def sup(site):
    return make_role_user("Supervisor", site=site, username="sup")


@pytest.fixture
def integrator():
    return make_role_user("Integrator", username="erp")


def subscribe(user, url, events):
    response = token_client(user).post(
        reverse("api:webhooksubscription-list"), {"url": url, "secret": SECRET, "events": events}, format="json"
    )
    assert response.status_code == 201, response.content
    assert "secret" not in response.json()
    return WebhookSubscription.objects.get(pk=response.json()["id"])


def test_transition_is_delivered_signed_and_logged(receiver, resource, sup, integrator):
    subscribe(integrator, receiver.url, [WebhookEvent.EXECUTION_TRANSITION])
    order = planned_order(resource)
    assert token_client(sup).post(reverse("api:workorder-approve", args=[order.pk])).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.transition, delivery.order_id) == (
        "order.execution_transition",
        "approve",
        order.pk,
    )

    assert webhooks.deliver_pending([delivery.pk]) == []

    [request] = receiver.received
    expected = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request["headers"]["X-MMS-Signature"], expected)
    assert request["headers"]["X-MMS-Event"] == "order.execution_transition"
    payload = json.loads(request["body"])
    assert payload["order"]["number"] == order.number
    assert payload["order"]["execution_state"] == "approved"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (ActionLogStatus.SUCCEEDED, 1, 200)
    log = token_client(integrator).get(reverse("api:webhookdelivery-list")).json()["results"]
    assert [row["status"] for row in log] == ["succeeded"]


def test_failures_are_retried_then_given_up_and_reported(receiver, resource, sup, integrator, settings, mailoutbox):
    settings.MAINTENANCE_ACTION_RETRY_COUNT = 2
    settings.MAINTENANCE_ERROR_DISTRIBUTION_LIST = ["ops@example.org"]
    subscribe(integrator, receiver.url, [WebhookEvent.EXECUTION_TRANSITION])
    order = planned_order(resource)
    token_client(sup).post(reverse("api:workorder-approve", args=[order.pk]))
    delivery = WebhookDelivery.objects.get()
    receiver.statuses = [500, 503]
    assert webhooks.deliver_pending([delivery.pk]) == [delivery.pk]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status) == (ActionLogStatus.RETRYING, 500)
    assert webhooks.deliver_pending([delivery.pk]) == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (ActionLogStatus.FAILED, 2, "HTTP 503")
    assert "Webhook failed" in mailoutbox[0].subject


def test_created_and_schedule_events_only_for_the_owners_sites(receiver, resource, sup, integrator):
    subscribe(sup, receiver.url, [WebhookEvent.ORDER_CREATED, WebhookEvent.SCHEDULE_TRANSITION])
    foreign = ResourceFactory(area=AreaFactory(parent=SiteFactory()))
    mine = planned_order(resource)
    planned_order(foreign)
    token_client(sup).post(reverse("api:workorder-list"), {"resource": resource.pk, "title": "Leak"})
    past = timezone.now() - datetime.timedelta(hours=1)
    WorkOrder.objects.filter(pk=mine.pk).update(early_due_at=past)
    scheduler.advance_schedule()
    events = sorted(WebhookDelivery.objects.values_list("event", "transition"))
    assert events == [("order.created", "requested"), ("order.schedule_transition", "early_due")]


def test_subscriptions_are_private_and_validated(receiver, integrator, sup):
    subscription = subscribe(integrator, receiver.url, [WebhookEvent.ORDER_CREATED])
    client = token_client(sup)
    assert client.get(reverse("api:webhooksubscription-detail", args=[subscription.pk])).status_code == 404
    bad = client.post(
        reverse("api:webhooksubscription-list"), {"url": "not a url", "secret": "short", "events": ["x"]}, format="json"
    )
    assert bad.status_code == 400
    assert {"url", "secret", "events"} <= set(bad.json())
    technician = make_role_user("Technician")
    assert token_client(technician).get(reverse("api:webhooksubscription-list")).status_code == 403
