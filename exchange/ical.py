"""Work orders as an iCalendar (RFC 5545) calendar: one VEVENT per order, built with ``icalendar``.

The secret feeds (``exchange.feeds``) and the calendar screen's ".ics" export both call
``build_calendar``, so a subscribed calendar and a downloaded file show the same events.

How an order becomes an event:

- **When** (``event_times``): the order's due window, from its early-due point (or its due point when it
  has no early window) to its late-due point. Orders made from day, week, month or year intervals have
  all three points at local midnight of their site's time zone: they become **all-day** events covering
  the days from the early-due day up to the day before the order becomes late (``DTEND`` is exclusive),
  and at least the due day itself. Any other order (hour intervals, a due time entered by hand) becomes a
  **timed** event from its first point to its last, in the site's time zone (``TZID`` with its
  ``VTIMEZONE``); an order whose points are all the same instant is an event at that instant with no
  ``DTEND`` (RFC 5545 3.6.1: it ends where it starts). Orders with no due time at all (counter points
  only) cannot be placed on a calendar and are left out.
- **STATUS**: ``CANCELLED`` for orders that will not be done under this number (canceled, rejected,
  skipped, joined into another), ``TENTATIVE`` while only requested, ``CONFIRMED`` otherwise (approved
  up to closed).
- **UID** ``wo-<id>@<host of SITE_URL>``: the same order is the same event in every feed and export, for
  as long as the public address stays.
- **SEQUENCE**: how many times what the event shows as *when* or *whether* (its start, end, all-day or
  not, and STATUS) changed over the order's history, counted from the order's history rows in order
  (``revision_numbers``). History rows are only ever appended (every save, every scheduler step writes
  one), so the number only grows, and it grows exactly when the order moves, is approved (TENTATIVE to
  CONFIRMED) or will not be done (CANCELLED); other edits (a title, the schedule state moving on) leave
  it as it is. A change written without a history row (a bulk ``update()``) still counts once, the
  order as it is now being compared with its last history row.
- **DTSTAMP** and **LAST-MODIFIED**: the order's ``updated_at``. A published calendar has no METHOD, and
  there RFC 5545 (3.8.7.2) makes DTSTAMP the time the information was last revised, so two reads of an
  unchanged order give the same bytes.
- **TRANSP** is ``TRANSPARENT``: a due window is not busy time and must not block anyone's free/busy.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from assets.models import Area
from orders.models import ExecutionState, WorkOrder

PRODID = "-//MMS//Work orders//EN"
REFRESH_INTERVAL = datetime.timedelta(hours=1)  # how often a subscribed calendar is asked to read again
DESCRIPTION_TEXT_LIMIT = 1000  # characters of the order's own description copied into the event

CANCELLED_STATES = (
    ExecutionState.CANCELED,
    ExecutionState.REJECTED,
    ExecutionState.SKIPPED,
    ExecutionState.CLOSED_AS_JOINED,
)
# Priority 1 (low) .. 4 (urgent) of an order -> RFC 5545 PRIORITY (1 highest, 9 lowest, 0 undefined).
ICAL_PRIORITY = {1: 9, 2: 5, 3: 3, 4: 1}

# What the builder reads of each order, in one query with the order (history and area names: one more each).
RELATED = ("site", "area", "resource__area", "container__area", "material__area", "counter")


@dataclass(frozen=True)
class EventTimes:
    """When an order's event is: ``start`` and ``end`` are dates for all-day events, aware date-times in
    the site's zone otherwise; ``end`` is None for an event at one instant."""

    start: datetime.date | datetime.datetime
    end: datetime.date | datetime.datetime | None
    all_day: bool


def _is_local_midnight(moment: datetime.datetime, tz: zoneinfo.ZoneInfo) -> bool:
    return moment.astimezone(tz).time() == datetime.time.min


def event_times(
    early: datetime.datetime | None,
    due: datetime.datetime | None,
    late: datetime.datetime | None,
    tz: zoneinfo.ZoneInfo,
) -> EventTimes | None:
    """The event of a due window (see the module docstring), or None when the order has no due time."""
    points = [point for point in (early, due, late) if point is not None]
    if not points:
        return None
    first, last = points[0], points[-1]
    if all(_is_local_midnight(point, tz) for point in points):
        # DTEND is exclusive: the day the order becomes late, and at least the day after the due day.
        due_day = (due or first).astimezone(tz).date()
        end_day = max(last.astimezone(tz).date(), due_day + datetime.timedelta(days=1))
        return EventTimes(first.astimezone(tz).date(), end_day, all_day=True)
    start, end = first.astimezone(tz), last.astimezone(tz)
    return EventTimes(start, end if end > start else None, all_day=False)


def event_status(execution_state: str) -> str:
    if execution_state in CANCELLED_STATES:
        return "CANCELLED"
    if execution_state == ExecutionState.REQUESTED:
        return "TENTATIVE"
    return "CONFIRMED"


def site_zone(order: WorkOrder) -> zoneinfo.ZoneInfo:
    """The zone the order's due dates fall in: its site's (the setting's if the site names none)."""
    return zoneinfo.ZoneInfo(order.site.time_zone or settings.TIME_ZONE)


def uid_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "mms.invalid"


def order_uid(order_id: int) -> str:
    return f"wo-{order_id}@{uid_host()}"


def order_url(order_id: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("orders:detail", args=[order_id])


def with_calendar_related(queryset: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """The orders with what their events show, in the same query."""
    return queryset.select_related(*RELATED)


def _shown(
    early: datetime.datetime | None,
    due: datetime.datetime | None,
    late: datetime.datetime | None,
    state: str,
    tz: zoneinfo.ZoneInfo,
) -> tuple[EventTimes | None, str]:
    """What SEQUENCE counts the changes of: when the event is, and whether it happens."""
    return event_times(early, due, late, tz), event_status(state)


def revision_numbers(orders: Sequence[WorkOrder]) -> dict[int, int]:
    """Order id -> SEQUENCE: the number of changes of when or whether its event is, along its history rows
    (one query for all the orders), the order as it is now counting as the last row."""
    zones = {order.pk: site_zone(order) for order in orders}
    history = WorkOrder.history.model.objects.filter(id__in=list(zones)).order_by("id", "history_date", "history_id")
    last: dict[int, tuple[EventTimes | None, str]] = {}
    changes: dict[int, int] = dict.fromkeys(zones, 0)
    for order_id, early, due, late, state in history.values_list(
        "id", "early_due_at", "due_at", "late_due_at", "execution_state"
    ):
        shown = _shown(early, due, late, state, zones[order_id])
        if order_id in last and last[order_id] != shown:
            changes[order_id] += 1
        last[order_id] = shown
    for order in orders:
        shown = _shown(order.early_due_at, order.due_at, order.late_due_at, order.execution_state, zones[order.pk])
        if order.pk in last and last[order.pk] != shown:
            changes[order.pk] += 1  # changed without a history row (a bulk update): still a new revision
    return changes


def _entity_area(order: WorkOrder) -> Area | None:
    entity = order.entity
    if entity is None:
        return None
    if isinstance(entity, Area):
        return entity
    area: Area | None = entity.area  # resources, containers and materials are in an area
    return area


def area_paths(orders: Iterable[WorkOrder]) -> dict[int, str]:
    """Area id -> "Site / Building / Floor" for the areas the orders' entities are in (one query)."""
    areas = {area.pk: area for order in orders if (area := _entity_area(order)) is not None}
    wanted = {int(part) for area in areas.values() for part in area.path.strip("/").split("/") if part}
    names = dict(Area.objects.filter(pk__in=wanted).values_list("pk", "name"))
    return {
        pk: " / ".join(names.get(int(part), "?") for part in area.path.strip("/").split("/") if part)
        for pk, area in areas.items()
    }


def location_of(order: WorkOrder, paths: dict[int, str]) -> str:
    """The entity and where it is: "P-0101 Raw water pump 1 · Kisumu water works / Treatment plant"."""
    area = _entity_area(order)
    path = paths.get(area.pk, "") if area is not None else ""
    entity = order.entity
    if entity is None or isinstance(entity, Area):
        return path  # an order on an area: the path ends with the area itself
    return f"{entity} · {path}" if path else str(entity)


def _moment_text(moment: datetime.datetime, tz: zoneinfo.ZoneInfo, all_day: bool) -> str:
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%d") if all_day else local.strftime("%Y-%m-%d %H:%M %Z")


def description_of(order: WorkOrder, times: EventTimes, tz: zoneinfo.ZoneInfo) -> str:
    """What the event's notes say: kind, states, each due point, counter points, priority, the order's own
    description and its link."""
    lines = [
        " · ".join(
            [
                str(order.get_kind_display()),
                str(order.get_execution_state_display()),
                str(order.get_schedule_state_display()),
                _("Priority: %(priority)s") % {"priority": order.get_priority_display()},
            ]
        )
    ]
    due = order.due_at
    for label, moment, edge in (
        (_("Early due"), order.early_due_at, True),
        (_("Due"), due, False),
        (_("Late due"), order.late_due_at, True),
    ):
        if moment is not None and not (edge and moment == due):  # an edge at the due point says nothing new
            lines.append(f"{label}: {_moment_text(moment, tz, times.all_day)}")
    if order.counter is not None and order.due_value is not None:
        lines.append(
            _("Due at %(value)s %(unit)s on %(counter)s")
            % {"value": order.due_value.normalize(), "unit": order.counter.unit, "counter": order.counter.name}
        )
    if order.state_reason:
        lines.append(_("Reason: %(reason)s") % {"reason": order.state_reason})
    if order.description:
        text = order.description.strip()
        lines += ["", text[:DESCRIPTION_TEXT_LIMIT] + ("…" if len(text) > DESCRIPTION_TEXT_LIMIT else "")]
    lines += ["", order_url(order.pk)]
    return "\n".join(lines)


def _geo(order: WorkOrder) -> tuple[float, float] | None:
    for place in (order.entity, _entity_area(order)):
        latitude, longitude = getattr(place, "latitude", None), getattr(place, "longitude", None)
        if latitude is not None and longitude is not None:
            return float(latitude), float(longitude)
    return None


def order_event(order: WorkOrder, sequence: int, paths: dict[int, str]) -> icalendar.Event | None:
    """The VEVENT of one order, or None if it has no due time."""
    tz = site_zone(order)
    times = event_times(order.early_due_at, order.due_at, order.late_due_at, tz)
    if times is None:
        return None
    event = icalendar.Event.new(
        uid=order_uid(order.pk),
        summary=f"{order.number} {order.title}",
        start=times.start,
        end=times.end,
        stamp=order.updated_at,
        last_modified=order.updated_at,
        created=order.created_at,
        sequence=sequence,
        status=event_status(order.execution_state),  # type: ignore[arg-type]  # a STATUS value
        location=location_of(order, paths) or None,
        description=description_of(order, times, tz),
        url=order_url(order.pk),
        priority=ICAL_PRIORITY.get(order.priority, 0),
        transparency="TRANSPARENT",  # type: ignore[arg-type]  # a TRANSP value
        categories=[str(order.get_kind_display())],
    )
    geo = _geo(order)
    if geo is not None:
        event.add("geo", geo)
    return event


def _zone_range(events: list[icalendar.Event]) -> tuple[datetime.date, datetime.date]:
    days: list[datetime.date] = []
    for event in events:
        for moment in (event.start, event.end):
            days.append(moment.date() if isinstance(moment, datetime.datetime) else moment)
    margin = datetime.timedelta(days=1)
    return min(days) - margin, max(days) + margin


def build_calendar(orders: Sequence[WorkOrder], *, name: str, uid: str, description: str = "") -> bytes:
    """The orders (loaded through ``with_calendar_related``) as one RFC 5545 calendar."""
    sequences = revision_numbers(orders)
    paths = area_paths(orders)
    calendar = icalendar.Calendar.new(
        prodid=PRODID,
        name=name,
        description=description or None,
        uid=f"{uid}@{uid_host()}",
        refresh_interval=REFRESH_INTERVAL,
        calscale="GREGORIAN",
    )
    # Apple's and Outlook's name for REFRESH-INTERVAL (RFC 7986 is younger than both).
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))
    zones = {order.site.time_zone for order in orders}
    if len(zones) == 1:
        calendar.add("x-wr-timezone", zones.pop() or settings.TIME_ZONE)
    events = [event for order in orders if (event := order_event(order, sequences[order.pk], paths)) is not None]
    for event in events:
        calendar.add_component(event)
    if events:
        # The zones of the timed events, described for the dates the calendar spans (a short VTIMEZONE).
        first, last = _zone_range(events)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    content: bytes = calendar.to_ical()
    return content
