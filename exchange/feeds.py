"""Calendar feeds: a person's secret iCalendar URL of their work, made, read and revoked here.

A feed shows either the orders assigned to its owner (any role that sees work orders) or one site's
scheduled orders (planners, supervisors and administrators, for a site they see). The token is in the URL
(calendar programs subscribe without a session) and only its hash is stored; every read checks again that
the owner is still active and still allowed to see what the feed shows, since roles and sites change after
a feed is made.

Which orders a feed shows: those with a due time whose window reaches into the period from ``PAST`` ago
to ``AHEAD`` from now, open or closed within ``PAST`` (a canceled order stays a while as a CANCELLED event,
so subscribed calendars drop it instead of keeping a stale copy), at most ``FEED_LIMIT`` of them.
"""

from __future__ import annotations

import datetime
import hmac
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Area, AreaKind
from core.errors import ActionForbidden
from core.roles import PLANNER, SUPERVISOR
from core.scoping import has_role, is_administrator, visible_site_ids
from exchange.ical import build_calendar, with_calendar_related
from exchange.models import CalendarFeed, FeedKind, _token_hash
from orders.models import OPEN_STATES, Assignment, WorkOrder

PAST = datetime.timedelta(days=30)
AHEAD = datetime.timedelta(days=365)
FEED_LIMIT = 2000  # events in one feed; a site with more in the window is cut at its latest orders
MAX_ACTIVE_FEEDS = 10  # per person: one per device or calendar program, with room to spare
TOUCH_EVERY = datetime.timedelta(minutes=1)  # last_used_at is written at most this often
ORDERS_PERMISSION = "orders.view_workorder"
# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet; anything else is not a token.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")

START_POINT = Coalesce("early_due_at", "due_at", "late_due_at")
END_POINT = Coalesce("late_due_at", "due_at", "early_due_at")


@dataclass(frozen=True)
class NewFeed:
    """A feed just made, with its secret: the only time the token (and so the URL) is known."""

    feed: CalendarFeed
    token: str

    @property
    def url(self) -> str:
        return feed_url(self.token)

    @property
    def webcal_url(self) -> str:
        return webcal_url(self.url)


def feed_url(token: str) -> str:
    """The feed's address at the public URL (``SITE_URL``), which calendar programs reach."""
    return settings.SITE_URL.rstrip("/") + reverse("exchange:calendar_feed_ics", args=[token])


def webcal_url(url: str) -> str:
    """The same address as ``webcal://``, which opens the subscription dialog of calendar programs."""
    return "webcal://" + url.split("://", 1)[-1]


def may_read_orders(user: Any) -> bool:
    return bool(user.is_active and user.has_perm(ORDERS_PERMISSION))


def may_have_site_feed(user: Any) -> bool:
    """Planners, supervisors and administrators may subscribe to a site's scheduled orders."""
    return is_administrator(user) or has_role(user, PLANNER) or has_role(user, SUPERVISOR)


def site_choices(user: Any) -> QuerySet[Area]:
    """The sites the user may make a site feed of: the ones they see."""
    return Area.objects.sites().in_sites(visible_site_ids(user)).order_by("name")


def sees_site(user: Any, site_id: int | None) -> bool:
    site_ids = visible_site_ids(user)
    return site_ids is None or site_id in site_ids


def _check_new_feed(user: Any, kind: str, site: Area | None) -> None:
    if kind not in FeedKind.values:
        raise ValidationError({"kind": _("Choose what the calendar shows.")})
    if kind == FeedKind.ASSIGNED:
        if site is not None:
            raise ValidationError({"site": _("The orders assigned to you come from every site: leave the site empty.")})
        return
    if not may_have_site_feed(user):
        raise ValidationError({"kind": _("Only planners, supervisors and administrators may follow a site's orders.")})
    if site is None:
        raise ValidationError({"site": _("Choose the site whose scheduled orders the calendar shows.")})
    if site.kind != AreaKind.SITE or not sees_site(user, site.pk):
        raise ValidationError({"site": _("Choose one of your sites.")})


@transaction.atomic
def calendar_feed_create(*, user: Any, kind: str, site: Area | None = None) -> NewFeed:
    """Make a secret feed for ``user`` and return it with its token (shown once, never stored)."""
    if not may_read_orders(user):
        raise ActionForbidden(_("Your roles do not let you see work orders."))
    _check_new_feed(user, kind, site)
    # Two requests at once could both pass the count below: the owner's row is locked while counting.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if CalendarFeed.objects.active().filter(user=user).count() >= MAX_ACTIVE_FEEDS:
        raise ValidationError(
            _("You already have %(count)s calendar feeds: revoke one you no longer use first.")
            % {"count": MAX_ACTIVE_FEEDS}
        )
    token = CalendarFeed.new_token()
    feed = CalendarFeed(user=user, kind=kind, site=site if kind == FeedKind.SITE else None)
    feed.set_token(token)
    feed.full_clean(exclude=["token_hash"])
    feed.save()
    return NewFeed(feed=feed, token=token)


@transaction.atomic
def calendar_feed_revoke(*, feed: CalendarFeed, user: Any) -> CalendarFeed:
    """End a feed for good: its URL answers 404 from now on. Its owner or an administrator may."""
    if feed.user_id != user.pk and not is_administrator(user):
        raise ActionForbidden(_("Only the owner of a calendar feed may revoke it."))
    now = timezone.now()
    # Conditional: a feed revoked twice (two tabs, the admin and its owner) keeps the first time.
    CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(revoked_at=now)
    feed.refresh_from_db(fields=["revoked_at"])
    return feed


def feed_still_allowed(feed: CalendarFeed) -> bool:
    """Whether the owner may still see what the feed shows (asked at every read: roles and sites change)."""
    user = feed.user
    if not may_read_orders(user):
        return False
    if feed.kind == FeedKind.SITE:
        return may_have_site_feed(user) and sees_site(user, feed.site_id)
    return True


def feed_touch(feed: CalendarFeed, now: datetime.datetime) -> None:
    """Note when the feed was last read, at most once every ``TOUCH_EVERY``: a calendar program polling
    hard (or several at once) costs no write per request."""
    if feed.last_used_at is not None and now - feed.last_used_at < TOUCH_EVERY:
        return
    # Concurrent reads of a stale feed: the condition lets one of them write.
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOUCH_EVERY)
    if CalendarFeed.objects.filter(stale, pk=feed.pk).update(last_used_at=now):
        feed.last_used_at = now


def feed_for_token(token: str, now: datetime.datetime | None = None) -> CalendarFeed | None:
    """The live feed whose secret is ``token``, if its owner may still read it (else None, never a hint
    of why). The lookup is by the token's hash through a unique index, so its time does not depend on how
    much of a guess matches; the hashes are compared in constant time as well."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    feed = CalendarFeed.objects.by_token(token)
    if feed is None or not hmac.compare_digest(feed.token_hash, _token_hash(token)):
        return None
    if not feed_still_allowed(feed):
        return None
    feed_touch(feed, now or timezone.now())
    return feed


def in_window(queryset: QuerySet[WorkOrder], now: datetime.datetime) -> QuerySet[WorkOrder]:
    """Orders whose due window reaches into [now - PAST, now + AHEAD), open or closed within PAST."""
    return (
        queryset.alias(start_point=START_POINT, end_point=END_POINT)
        .filter(start_point__lt=now + AHEAD, end_point__gte=now - PAST)
        .filter(Q(execution_state__in=OPEN_STATES) | Q(closed_at__gte=now - PAST))
    )


def window_orders(user: Any, *, site_id: int | None, now: datetime.datetime) -> list[WorkOrder]:
    """The orders of a feed in the window (one query, whatever their number): those of the site
    ``site_id``, or (``None``) those assigned to ``user``; either way only in the sites the user sees."""
    queryset = WorkOrder.objects.visible_to(user)
    if site_id is not None:
        queryset = queryset.filter(site_id=site_id)
    else:
        mine = Assignment.objects.filter(order_id=OuterRef("pk"), employee__user_id=user.pk)
        queryset = queryset.filter(Exists(mine))
    ordered = with_calendar_related(in_window(queryset, now)).order_by(START_POINT.asc(), "number")
    return list(ordered[:FEED_LIMIT])


def feed_orders(feed: CalendarFeed, now: datetime.datetime) -> list[WorkOrder]:
    """The orders the feed shows."""
    return window_orders(feed.user, site_id=feed.site_id if feed.kind == FeedKind.SITE else None, now=now)


def calendar_name(user: Any, site: Area | None = None) -> str:
    """What a calendar program calls the calendar: whose orders, or which site's."""
    if site is not None:
        return _("Work orders at %(site)s") % {"site": site.name}
    return _("Work orders assigned to %(name)s") % {"name": user.get_full_name() or user.get_username()}


def feed_name(feed: CalendarFeed) -> str:
    return calendar_name(feed.user, feed.site if feed.kind == FeedKind.SITE else None)


def feed_calendar(feed: CalendarFeed, now: datetime.datetime | None = None) -> bytes:
    """The feed's calendar (RFC 5545) as it is now."""
    orders = feed_orders(feed, now or timezone.now())
    return build_calendar(orders, name=feed_name(feed), uid=f"feed-{feed.pk}")
