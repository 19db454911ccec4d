"""iCalendar in the format registry: ``export_data ical`` (and the generic export screen and API) write
the same calendar as a feed, for the user who exports: the orders assigned to them, or with the ``site``
option a site's scheduled orders (planners, supervisors, administrators), in the feeds' window."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ActionForbidden
from exchange.feeds import calendar_name, may_have_site_feed, site_choices, window_orders
from exchange.ical import build_calendar
from exchange.registry import register_exporter


class ICalendarExporter:
    format = "ical"
    label: str = gettext_lazy("iCalendar (work orders)")  # type: ignore[assignment]  # a lazy str
    extension = "ics"
    content_type = "text/calendar; charset=utf-8"
    permission = "orders.view_workorder"
    options: tuple[str, ...] = ("site",)

    def export(self, *, user: Any, options: dict[str, Any]) -> bytes:
        """The user's assigned orders, or (``site``: an id) that site's scheduled orders, as RFC 5545."""
        raw: Any = options.get("site")
        if raw in (None, ""):
            orders = window_orders(user, site_id=None, now=timezone.now())
            return build_calendar(orders, name=calendar_name(user), uid=f"export-{user.pk}")
        if not may_have_site_feed(user):
            raise ActionForbidden(_("Only planners, supervisors and administrators may export a site's orders."))
        try:
            site_id = int(getattr(raw, "pk", raw))
        except (TypeError, ValueError):
            raise ValueError(_("Give the id of the site.")) from None
        site = site_choices(user).filter(pk=site_id).first()
        if site is None:
            raise ValueError(_("Choose one of your sites."))
        orders = window_orders(user, site_id=site.pk, now=timezone.now())
        return build_calendar(orders, name=calendar_name(user, site), uid=f"export-{user.pk}-site-{site.pk}")


register_exporter(ICalendarExporter())
