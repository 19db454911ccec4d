"""Helpers of the iCalendar tests: orders at the site's local midnight, assignment, feeds, parsing."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import icalendar
from django.contrib.auth.models import User
from django.utils import timezone

from assets.models import Area, Resource
from exchange import feeds
from exchange.models import CalendarFeed, FeedKind
from orders import records
from orders.factories import planned_order
from orders.models import WorkOrder

PUBLIC_HOST = "mms.example.org"  # the host of SITE_URL in these tests (the ``public_address`` fixture)
NAIROBI = zoneinfo.ZoneInfo("Africa/Nairobi")  # the test site's zone
# What every VEVENT of ours carries (RFC 5545 requires UID and DTSTAMP, and DTSTART without a METHOD).
REQUIRED = ("UID", "DTSTAMP", "DTSTART", "SUMMARY", "SEQUENCE", "STATUS", "URL", "LAST-MODIFIED", "DESCRIPTION")


def midnight(days: int) -> datetime.datetime:
    """Local midnight at the site (Nairobi), ``days`` from today."""
    today = timezone.now().astimezone(NAIROBI).date()
    return datetime.datetime.combine(today + datetime.timedelta(days=days), datetime.time.min, tzinfo=NAIROBI)


def day_order(resource: Resource, due_in: int, *, early: int = 3, late: int = 2, **fields: Any) -> WorkOrder:
    """A planned order whose points fall at local midnight (as the scheduler makes them from day intervals)."""
    return planned_order(
        resource,
        early_due_at=midnight(due_in - early),
        due_at=midnight(due_in),
        late_due_at=midnight(due_in + late),
        **fields,
    )


def assign(order: WorkOrder, user: User, by: User) -> WorkOrder:
    """Assign ``user`` (through their employee record) to the order, as its owner role ``by`` does."""
    records.order_assign(order=order, employees=[user.employee], user=by)  # type: ignore[attr-defined]
    return order


def new_feed(user: User, kind: str = FeedKind.ASSIGNED, site: Area | None = None) -> tuple[CalendarFeed, str]:
    made = feeds.calendar_feed_create(user=user, kind=kind, site=site)
    return made.feed, made.token


def parse(content: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(content)


def events(content: bytes) -> dict[str, icalendar.Event]:
    """The calendar's VEVENTs by UID (parsing it with ``icalendar``, as a calendar program would)."""
    return {str(event["UID"]): event for event in parse(content).walk("VEVENT")}


def uid(order: WorkOrder) -> str:
    return f"wo-{order.pk}@{PUBLIC_HOST}"


def move(order: WorkOrder, days: int) -> WorkOrder:
    """Move the order's whole due window by ``days`` and save it (with its history row, as every save)."""
    order.refresh_from_db()
    delta = datetime.timedelta(days=days)
    order.early_due_at = order.early_due_at + delta if order.early_due_at else None
    order.due_at = order.due_at + delta if order.due_at else None
    order.late_due_at = order.late_due_at + delta if order.late_due_at else None
    order.save()
    return order
