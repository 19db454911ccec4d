"""Calendar screens and files: the secret feed (no session), the "Calendar feeds" screen where a person
makes and revokes theirs, and the ".ics" export of the orders calendar screen."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.pagination import paginate
from core.views import screen
from exchange.calendar_forms import CalendarFeedForm
from exchange.feeds import (
    AHEAD,
    MAX_ACTIVE_FEEDS,
    PAST,
    calendar_feed_create,
    calendar_feed_revoke,
    feed_calendar,
    feed_for_token,
    may_have_site_feed,
    may_read_orders,
)
from exchange.ical import build_calendar, with_calendar_related
from exchange.models import CalendarFeed
from orders.planner_views import CALENDAR_LIMIT, calendar_selection

ICAL_CONTENT_TYPE = "text/calendar; charset=utf-8"
FEEDS_PAGE_SIZE = 20
LIVE_FIRST = F("revoked_at").desc(nulls_first=True)  # live feeds, then the most recently revoked


def _own_feeds(request: HttpRequest) -> QuerySet[CalendarFeed]:
    owner: Any = request.user
    return CalendarFeed.objects.filter(user=owner).select_related("site")


def _calendar_response(content: bytes, filename: str, *, download: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=ICAL_CONTENT_TYPE)
    response["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def calendar_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed of ``token``: no session, no login; unknown, revoked or no longer allowed answers 404."""
    feed = feed_for_token(token)
    if feed is None:
        # A plain answer: the site's 404 page would read the session this address must not depend on.
        return HttpResponseNotFound(_("No such calendar feed."), content_type="text/plain; charset=utf-8")
    response = _calendar_response(feed_calendar(feed), "work-orders.ics", download=False)
    # The URL is the secret: no shared cache keeps it, no page it links to learns it, no robot lists it.
    response["Cache-Control"] = "private, no-cache"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    """My calendar feeds: the list (what, since when, last read) and a form for a new one. A new feed's
    address is shown once, in the answer to the form, and never again."""
    may_subscribe = may_read_orders(request.user)
    if request.method == "POST" and not may_subscribe:
        raise PermissionDenied
    form = CalendarFeedForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            new = calendar_feed_create(
                user=request.user, kind=form.cleaned_data["kind"], site=form.cleaned_data.get("site")
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(
                request,
                "exchange/calendar_feed_created.html",
                {"feed": new.feed, "url": new.url, "webcal_url": new.webcal_url},
            )
    feeds = paginate(request, _own_feeds(request).order_by(LIVE_FIRST, "-created_at"), "page", FEEDS_PAGE_SIZE)
    return render(
        request,
        "exchange/calendar_feeds.html",
        {
            "feeds": feeds,
            "form": form,
            "may_subscribe": may_subscribe,
            "may_follow_sites": may_have_site_feed(request.user),
            "limit": MAX_ACTIVE_FEEDS,
            "past_days": PAST.days,
            "ahead_days": AHEAD.days,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of my feeds, after a confirmation page (another person's feed answers 404)."""
    feed = get_object_or_404(_own_feeds(request), pk=pk)
    if feed.revoked_at is not None:
        messages.info(request, _("This calendar feed was already revoked."))
        return redirect("exchange:calendar_feeds")
    if request.method == "POST":
        calendar_feed_revoke(feed=feed, user=request.user)
        messages.success(request, _("Calendar feed revoked: calendars subscribed to it no longer update."))
        return redirect("exchange:calendar_feeds")
    return render(request, "exchange/calendar_feed_revoke.html", {"feed": feed})


@screen("orders.view_workorder")
@require_safe
def calendar_export(request: HttpRequest) -> HttpResponse:
    """The orders the calendar screen shows (same period, same filters, same scope) as an ``.ics`` file."""
    selection = calendar_selection(request)
    orders = list(with_calendar_related(selection.orders)[:CALENDAR_LIMIT])
    if selection.view == "week":
        period = selection.days[0].isoformat()
        name = _("Work orders, week of %(day)s") % {"day": period}
    else:
        period = selection.around.strftime("%Y-%m")
        name = _("Work orders, %(month)s") % {"month": period}
    content = build_calendar(
        orders,
        name=name,
        uid=f"calendar-{request.user.pk}-{selection.view}-{period}",
    )
    return _calendar_response(content, f"work-orders-{selection.view}-{period}.ics", download=True)
