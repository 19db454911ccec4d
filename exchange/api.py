"""Imports and exports through the API (``/api/v1/imports/``, ``/api/v1/exports/``), and calendar feeds
(``/api/v1/calendar-feeds/``, ``exchange.calendar_api``)."""

from __future__ import annotations

from typing import Any

from exchange.calendar_api import CalendarFeedViewSet

ROUTES: list[tuple[str, Any, str]] = [
    ("calendar-feeds", CalendarFeedViewSet, "calendarfeed"),
]
