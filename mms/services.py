"""Services of the project package: heartbeat and system health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from mms.models import Heartbeat


def heartbeat_record(*, name: str = "celery", worker: str = "") -> Heartbeat:
    """Store the time of a heartbeat; safe when two workers beat at once (one row per name)."""
    now = timezone.now()
    updated = Heartbeat.objects.filter(name=name).update(beat_at=now, worker=worker, count=F("count") + 1)
    if not updated:
        # Two first beats racing: the unique name makes the loser update instead.
        beat, created = Heartbeat.objects.get_or_create(
            name=name, defaults={"beat_at": now, "worker": worker, "count": 1}
        )
        if not created:
            Heartbeat.objects.filter(pk=beat.pk).update(beat_at=now, worker=worker, count=F("count") + 1)
    return Heartbeat.objects.get(name=name)


@dataclass
class HealthReport:
    """What ``/healthz`` answers."""

    database: dict[str, Any]
    broker: dict[str, Any]
    heartbeat: dict[str, Any]

    @property
    def healthy(self) -> bool:
        return bool(self.database["ok"] and self.broker["ok"] and self.heartbeat["ok"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "database": self.database,
            "broker": self.broker,
            "heartbeat": self.heartbeat,
        }


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means unreachable
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict[str, Any]:
    from mms.celery import app

    url = app.conf.broker_url or ""
    transport = url.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises many kinds; all mean unreachable
        return {"ok": False, "transport": transport, "error": str(exc)[:200]}
    return {"ok": True, "transport": transport}


def check_heartbeat(now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    try:
        beat = Heartbeat.objects.filter(name="celery").first()
    except Exception as exc:
        return {"ok": False, "last": None, "error": str(exc)[:200]}
    if beat is None:
        return {"ok": False, "last": None, "error": "no heartbeat yet: is the Celery worker and beat running?"}
    age = (now - beat.beat_at).total_seconds()
    stale = age > settings.HEARTBEAT_STALE_SECONDS
    result: dict[str, Any] = {
        "ok": not stale,
        "last": beat.beat_at.isoformat(),
        "age_seconds": round(age, 1),
        "worker": beat.worker,
        "count": beat.count,
    }
    if stale:
        result["error"] = f"last heartbeat older than {settings.HEARTBEAT_STALE_SECONDS} s"
    return result


def system_health() -> HealthReport:
    """Check the database, the broker and the Celery heartbeat."""
    database = check_database()
    heartbeat = check_heartbeat() if database["ok"] else {"ok": False, "last": None, "error": "database down"}
    return HealthReport(database=database, broker=check_broker(), heartbeat=heartbeat)
