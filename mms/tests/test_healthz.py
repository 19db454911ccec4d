"""/healthz: database, broker and heartbeat; 200 when healthy, 503 when not."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from kombu import Connection

from mms.celery import app
from mms.models import Heartbeat
from mms.services import heartbeat_record

pytestmark = pytest.mark.django_db


def test_healthy(client):
    heartbeat_record(worker="worker@test")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "vendor": connection.vendor}
    assert body["broker"]["ok"] is True
    assert body["heartbeat"]["ok"] is True
    assert body["heartbeat"]["worker"] == "worker@test"
    assert response["Cache-Control"].startswith("max-age=0")


def test_no_heartbeat_yet_is_unhealthy(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["heartbeat"]["ok"] is False
    assert "no heartbeat" in response.json()["heartbeat"]["error"]


def test_stale_heartbeat_is_unhealthy(client, settings):
    settings.HEARTBEAT_STALE_SECONDS = 60
    Heartbeat.objects.create(name="celery", beat_at=timezone.now() - datetime.timedelta(minutes=5), count=3)
    response = client.get("/healthz")
    assert response.status_code == 503
    heartbeat = response.json()["heartbeat"]
    assert heartbeat["ok"] is False
    assert heartbeat["age_seconds"] >= 300


def test_database_down(client):
    heartbeat_record()
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is False
    assert "connection refused" in body["database"]["error"]


def test_broker_down(client):
    heartbeat_record()
    # Nothing listens on port 1 of loopback: a real failed connection, not a mocked answer.
    with mock.patch.object(app, "connection_for_write", return_value=Connection("redis://127.0.0.1:1/0")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_heartbeat_counts_beats():
    heartbeat_record(worker="a")
    beat = heartbeat_record(worker="b")
    assert beat.count == 2
    assert beat.worker == "b"
    assert Heartbeat.objects.count() == 1


def test_only_get(client):
    assert client.post("/healthz").status_code == 405
