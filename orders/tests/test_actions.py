"""Actions fired by schedule transitions, run for real: e-mail, a loopback webhook receiver, holds."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from assets.models import EntityStatus
from core.models import Notification
from orders import actions, scheduler, services
from orders.models import ActionLog, ActionLogStatus, WorkOrder
from orders.tests.test_scheduler import apply, at, effective
from people.factories import make_role_user
from plans.factories import ActivityActionFactory, ActivityFactory
from plans.models import ActionKind, ScheduleTransition, TimeUnit

pytestmark = pytest.mark.django_db


class Receiver(BaseHTTPRequestHandler):
    """Records each POST; answers with the status the test sets."""

    received: list[tuple[Any, bytes]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers, body))  # a case-insensitive mapping
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver():
    Receiver.received, Receiver.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def site():
    return SiteFactory(time_zone="Africa/Nairobi")


@pytest.fixture
def pump(site):
    return ResourceFactory(area=AreaFactory(parent=site))


def late_order(pump, kind, settings, transition=ScheduleTransition.TO_LATE_DUE):
    """A generated order whose activity fires ``kind`` at ``transition``, pushed past late due."""
    activity = effective(
        ActivityFactory(time_interval=30, time_unit=TimeUnit.DAYS, time_early_window=5, time_late_tolerance=2)
    )
    ActivityActionFactory(activity=activity, on_transition=transition, kind=kind, settings=settings)
    apply(activity, pump)
    [order] = scheduler.generate(now=at(2026, 1, 10))
    scheduler.advance_schedule(now=at(2026, 3, 1))
    return WorkOrder.objects.get(pk=order.pk)


def run(order):
    entry = ActionLog.objects.get(order=order)
    actions.run_one(entry)
    entry.refresh_from_db()
    return entry


def test_notify_reaches_the_owner_role_of_the_site_in_app_and_by_email(pump, site):
    supervisor = make_role_user("Supervisor", site=site, username="sup", email="sup@example.org")
    make_role_user("Supervisor", site=SiteFactory(), username="elsewhere", email="far@example.org")
    order = late_order(pump, ActionKind.NOTIFY, {"recipients": ["owner_role"], "emails": ["ops@example.org"]})
    entry = run(order)
    assert entry.status == ActionLogStatus.SUCCEEDED
    assert entry.attempts == 1
    notification = Notification.objects.get()
    assert notification.recipient == supervisor
    assert order.number in notification.title
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["ops@example.org", "sup@example.org"]


def test_webhook_is_signed_with_hmac_sha256(pump, receiver):
    url = f"http://127.0.0.1:{receiver.server_port}/erp"
    order = late_order(pump, ActionKind.WEBHOOK, {"url": url, "secret": "s3cret"})
    assert run(order).status == ActionLogStatus.SUCCEEDED
    [(headers, body)] = Receiver.received
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers[actions.SIGNATURE_HEADER], expected)
    payload = json.loads(body)
    assert payload["order"]["number"] == order.number
    assert payload["transition"] == "late_due"


def test_a_failing_webhook_is_tried_exactly_the_retry_count_then_reported(pump, receiver, settings):
    settings.MAINTENANCE_ACTION_RETRY_COUNT = 3
    settings.MAINTENANCE_ERROR_DISTRIBUTION_LIST = ["maintenance-errors@example.org"]
    Receiver.status = 503
    order = late_order(pump, ActionKind.WEBHOOK, {"url": f"http://127.0.0.1:{receiver.server_port}/erp"})
    entry = ActionLog.objects.get(order=order)
    for _attempt in range(5):  # more chances than allowed: the log stops it at three
        actions.run_pending(order.pk, "late_due")
    entry.refresh_from_db()
    assert len(Receiver.received) == 3
    assert (entry.status, entry.attempts) == (ActionLogStatus.FAILED, 3)
    assert "HTTP 503" in entry.last_error
    [report] = mail.outbox
    assert report.to == ["maintenance-errors@example.org"]
    assert order.number in report.subject


def test_hold_entity_while_open_and_release_on_close(pump, site):
    order = late_order(pump, ActionKind.HOLD_ENTITY, {})
    assert run(order).status == ActionLogStatus.SUCCEEDED
    pump.refresh_from_db()
    assert pump.status == EntityStatus.ON_HOLD
    supervisor = make_role_user("Supervisor", site=site, username="sup")
    services.order_skip(order=order, user=supervisor, reason="Replaced the pump instead")
    pump.refresh_from_db()
    assert pump.status == EntityStatus.IN_SERVICE


def test_a_hold_stays_while_another_open_order_holds_it(pump, site):
    first = late_order(pump, ActionKind.HOLD_ENTITY, {})
    run(first)
    second_activity = effective(ActivityFactory(time_interval=30, time_unit=TimeUnit.DAYS))
    ActivityActionFactory(
        activity=second_activity, on_transition=ScheduleTransition.TO_LATE_DUE, kind=ActionKind.HOLD_ENTITY, settings={}
    )
    apply(second_activity, pump)
    [second] = scheduler.generate(now=at(2026, 1, 10))
    scheduler.advance_schedule(now=at(2026, 3, 1))
    run(second)
    supervisor = make_role_user("Supervisor", site=site, username="sup")
    services.order_skip(order=first, user=supervisor, reason="Done under the other order")
    pump.refresh_from_db()
    assert pump.status == EntityStatus.ON_HOLD


def test_raise_priority_only_raises(pump):
    order = late_order(pump, ActionKind.RAISE_PRIORITY, {"priority": 4})
    run(order)
    order.refresh_from_db()
    assert order.priority == 4


def test_an_action_runs_once_even_if_two_workers_pick_it(pump):
    order = late_order(pump, ActionKind.RAISE_PRIORITY, {"priority": 4})
    entry = ActionLog.objects.get(order=order)
    assert actions.run_one(entry) is True
    assert actions.run_one(entry) is True  # already done: claimed by nobody, not run again
    entry.refresh_from_db()
    assert entry.attempts == 1


def test_owner_group_of_another_role_is_not_notified(pump, site):
    make_role_user("Technician", site=site, username="tech", email="tech@example.org")
    order = late_order(pump, ActionKind.NOTIFY, {"recipients": ["owner_role"]})
    assert order.plan_instance.owner_role == Group.objects.get(name="Supervisor")
    run(order)
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_closed_orders_are_not_put_on_hold(pump, site):
    order = late_order(pump, ActionKind.HOLD_ENTITY, {})
    services.order_skip(order=order, user=make_role_user("Supervisor", site=site, username="sup"), reason="No")
    run(order)
    pump.refresh_from_db()
    assert pump.status == EntityStatus.IN_SERVICE
