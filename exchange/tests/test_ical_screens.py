"""Calendar feeds from the outside: the feed URL without a session, the "Calendar feeds" screen, the API,
the admin, and the ".ics" export of the orders calendar screen (same filters, same builder)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import icalendar
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.api.testing import token_client
from core.roles import ADMINISTRATOR, PLANNER
from exchange import feeds
from exchange.models import CalendarFeed, FeedKind
from exchange.tests.test_ical import REQUIRED, assign, day_order, events, uid
from orders.factories import planned_order, released_order
from people.factories import make_role_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_address")]


URL_PATTERN = re.compile(r"https://mms\.example\.org(/exchange/ical/[A-Za-z0-9_-]{43}\.ics)")


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def path_of(url: str) -> str:
    return url.removeprefix("https://mms.example.org")


# --- The feed URL ------------------------------------------------------------------------------
def test_the_feed_answers_without_a_session(client, pump, technician, supervisor) -> None:
    order = assign(day_order(pump, 10), technician, supervisor)
    new = feeds.calendar_feed_create(user=technician, kind=FeedKind.ASSIGNED)
    response = client.get(path_of(new.url))  # nobody signed in
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-cache"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "Cookie" not in response.get("Vary", "")  # the session is never read
    assert list(events(response.content)) == [uid(order)]
    assert client.head(path_of(new.url)).status_code == 200
    assert client.post(path_of(new.url)).status_code == 405
    new.feed.refresh_from_db()
    assert new.feed.last_used_at is not None


def test_the_feed_ignores_the_session_it_is_read_in(client, pump, technician, supervisor, planner) -> None:
    """Signed in as someone else, the feed still shows its owner's orders (and only theirs)."""
    mine = assign(day_order(pump, 10), technician, supervisor)
    theirs = assign(day_order(pump, 11), planner, supervisor)
    new = feeds.calendar_feed_create(user=technician, kind=FeedKind.ASSIGNED)
    signed_in(client, planner)
    shown = events(client.get(path_of(new.url)).content)
    assert uid(mine) in shown
    assert uid(theirs) not in shown


def test_unknown_revoked_and_malformed_tokens_answer_404(client, technician) -> None:
    new = feeds.calendar_feed_create(user=technician, kind=FeedKind.ASSIGNED)
    assert client.get(path_of(new.url)).status_code == 200
    unknown = reverse("exchange:calendar_feed_ics", args=["A" * 43])
    assert client.get(unknown).status_code == 404
    assert client.get("/exchange/ical/short.ics").status_code == 404
    assert client.get("/exchange/ical/" + "x" * 200 + ".ics").status_code == 404
    feeds.calendar_feed_revoke(feed=new.feed, user=technician)
    gone = client.get(path_of(new.url))
    assert gone.status_code == 404
    assert gone["Content-Type"].startswith("text/plain")


def test_a_site_feed_stops_when_its_owner_no_longer_sees_the_site(client, planner, site, pump) -> None:
    order = day_order(pump, 10)
    new = feeds.calendar_feed_create(user=planner, kind=FeedKind.SITE, site=site)
    assert uid(order) in events(client.get(path_of(new.url)).content)
    planner.employee.sites.clear()
    assert client.get(path_of(new.url)).status_code == 404
    planner.employee.sites.add(site)
    planner.is_active = False
    planner.save()
    assert client.get(path_of(new.url)).status_code == 404


def test_the_feed_reads_in_a_bounded_number_of_queries(
    client, pump, plant, technician, supervisor, django_assert_max_num_queries: Any
) -> None:
    new = feeds.calendar_feed_create(user=technician, kind=FeedKind.ASSIGNED)
    for n in range(15):
        assign(day_order(ResourceFactory(area=AreaFactory(parent=plant.site)), 3 + n), technician, supervisor)
    client.get(path_of(new.url))
    with django_assert_max_num_queries(8):
        response = client.get(path_of(new.url))
    assert len(events(response.content)) == 15


# --- The "Calendar feeds" screen ---------------------------------------------------------------
def test_a_technician_makes_a_feed_and_sees_its_address_once(client, technician, pump, supervisor) -> None:
    order = assign(day_order(pump, 10), technician, supervisor)
    signed_in(client, technician)
    screen = client.get(reverse("exchange:calendar_feeds"))
    assert screen.status_code == 200
    html = screen.content.decode()
    assert "You have no calendar feed yet." in html
    assert 'name="site"' not in html  # a technician follows their own orders only

    made = client.post(reverse("exchange:calendar_feeds"), {"kind": FeedKind.ASSIGNED})
    assert made.status_code == 200
    page = made.content.decode()
    match = URL_PATTERN.search(page)
    assert match is not None
    assert "shown only this once" in page
    assert f'href="webcal://mms.example.org{match.group(1)}"' in page
    feed = CalendarFeed.objects.get(user=technician)
    assert feed.kind == FeedKind.ASSIGNED

    listed = client.get(reverse("exchange:calendar_feeds")).content.decode()
    assert match.group(1) not in listed  # never shown again
    assert "Orders assigned to me" in listed
    assert reverse("exchange:calendar_feed_revoke", args=[feed.pk]) in listed
    client.logout()
    assert uid(order) in events(client.get(match.group(1)).content)


def test_a_planner_chooses_a_site_among_theirs(client, planner, site) -> None:
    foreign = SiteFactory(name="Not my site")
    signed_in(client, planner)
    html = client.get(reverse("exchange:calendar_feeds")).content.decode()
    assert f'<option value="{site.pk}">' in html
    assert foreign.name not in html
    missing = client.post(reverse("exchange:calendar_feeds"), {"kind": FeedKind.SITE})
    assert missing.status_code == 400
    assert "Choose the site whose scheduled orders the calendar shows." in missing.content.decode()
    refused = client.post(reverse("exchange:calendar_feeds"), {"kind": FeedKind.SITE, "site": foreign.pk})
    assert refused.status_code == 400
    assert not CalendarFeed.objects.exists()
    made = client.post(reverse("exchange:calendar_feeds"), {"kind": FeedKind.SITE, "site": site.pk})
    assert made.status_code == 200
    assert CalendarFeed.objects.get(user=planner).site == site
    # "My orders" with a site still picked in the form: the choice counts, the site is dropped.
    client.post(reverse("exchange:calendar_feeds"), {"kind": FeedKind.ASSIGNED, "site": site.pk})
    assert CalendarFeed.objects.filter(user=planner, kind=FeedKind.ASSIGNED, site__isnull=True).count() == 1


def test_a_technician_cannot_post_a_site_feed(client, technician, site) -> None:
    signed_in(client, technician)
    response = client.post(reverse("exchange:calendar_feeds"), {"kind": FeedKind.SITE, "site": site.pk})
    assert response.status_code == 400
    assert not CalendarFeed.objects.exists()


def test_revoking_asks_first_and_another_persons_feed_is_404(client, technician, planner) -> None:
    new = feeds.calendar_feed_create(user=technician, kind=FeedKind.ASSIGNED)
    theirs = feeds.calendar_feed_create(user=planner, kind=FeedKind.ASSIGNED)
    signed_in(client, technician)
    url = reverse("exchange:calendar_feed_revoke", args=[new.feed.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Revoke this calendar feed?" in confirm.content.decode()
    new.feed.refresh_from_db()
    assert new.feed.revoked_at is None  # asking is not revoking
    other = reverse("exchange:calendar_feed_revoke", args=[theirs.feed.pk])
    assert client.get(other).status_code == 404
    assert client.post(other).status_code == 404
    theirs.feed.refresh_from_db()
    assert theirs.feed.revoked_at is None
    done = client.post(url, follow=True)
    assert "Calendar feed revoked" in done.content.decode()
    new.feed.refresh_from_db()
    assert new.feed.revoked_at is not None
    assert client.get(path_of(new.url)).status_code == 404
    assert "Revoked" in client.get(reverse("exchange:calendar_feeds")).content.decode()
    again = client.post(url, follow=True)
    assert "already revoked" in again.content.decode()


def test_the_screen_needs_a_login_and_a_role_to_make_feeds(client) -> None:
    assert client.get(reverse("exchange:calendar_feeds")).status_code == 302
    nobody = User.objects.create_user("nobody", password="x")
    signed_in(client, nobody)
    html = client.get(reverse("exchange:calendar_feeds")).content.decode()
    assert "nothing to subscribe to" in html
    assert client.post(reverse("exchange:calendar_feeds"), {"kind": FeedKind.ASSIGNED}).status_code == 403


def test_the_list_of_feeds_reads_in_constant_queries(client, planner, site) -> None:
    signed_in(client, planner)
    feeds.calendar_feed_create(user=planner, kind=FeedKind.SITE, site=site)
    client.get(reverse("exchange:calendar_feeds"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("exchange:calendar_feeds"))
    for _ in range(5):
        feeds.calendar_feed_create(user=planner, kind=FeedKind.SITE, site=site)
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("exchange:calendar_feeds"))
    assert len(six) == len(one)


# --- API ---------------------------------------------------------------------------------------
def test_the_api_makes_lists_and_revokes_my_feeds(client, technician, planner, site, pump, supervisor) -> None:
    order = assign(day_order(pump, 10), technician, supervisor)
    api = token_client(technician)
    made = api.post(reverse("api:calendarfeed-list"), {"kind": "assigned"}, format="json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["kind"] == "assigned"
    assert body["active"] is True
    assert URL_PATTERN.fullmatch(body["url"])
    assert body["webcal_url"] == body["url"].replace("https://", "webcal://")
    assert uid(order) in events(client.get(path_of(body["url"])).content)

    feeds.calendar_feed_create(user=planner, kind=FeedKind.ASSIGNED)  # someone else's
    listed = api.get(reverse("api:calendarfeed-list")).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert "url" not in listed[0]
    assert "token_hash" not in listed[0]

    refused = api.post(reverse("api:calendarfeed-list"), {"kind": "site", "site": site.pk}, format="json")
    assert refused.status_code == 400
    assert "kind" in refused.json()

    theirs = CalendarFeed.objects.get(user=planner)
    assert api.post(reverse("api:calendarfeed-revoke", args=[theirs.pk])).status_code == 404
    revoked = api.post(reverse("api:calendarfeed-revoke", args=[body["id"]]))
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    assert client.get(path_of(body["url"])).status_code == 404


def test_the_api_site_feed_takes_only_my_sites(planner, site) -> None:
    api = token_client(planner)
    foreign = SiteFactory()
    refused = api.post(reverse("api:calendarfeed-list"), {"kind": "site", "site": foreign.pk}, format="json")
    assert refused.status_code == 400
    assert "site" in refused.json()
    made = api.post(reverse("api:calendarfeed-list"), {"kind": "site", "site": site.pk}, format="json")
    assert made.status_code == 201
    assert made.json()["site"] == site.pk


def test_the_api_list_reads_in_constant_queries(planner, site, django_assert_max_num_queries: Any) -> None:
    api = token_client(planner)
    for _ in range(6):
        feeds.calendar_feed_create(user=planner, kind=FeedKind.SITE, site=site)
    with django_assert_max_num_queries(5):
        response = api.get(reverse("api:calendarfeed-list"))
    assert len(response.json()["results"]) == 6
    assert api.get(reverse("api:calendarfeed-list"), {"kind": "assigned"}).json()["results"] == []


# --- Admin -------------------------------------------------------------------------------------
def test_the_admin_lists_feeds_without_their_token_and_revokes(client, technician) -> None:
    new = feeds.calendar_feed_create(user=technician, kind=FeedKind.ASSIGNED)
    administrator = make_role_user(ADMINISTRATOR)
    signed_in(client, administrator)
    changelist = client.get(reverse("admin:exchange_calendarfeed_changelist"))
    assert changelist.status_code == 200
    change = client.get(reverse("admin:exchange_calendarfeed_change", args=[new.feed.pk])).content.decode()
    for secret in (new.token, new.feed.token_hash):
        assert secret not in changelist.content.decode()
        assert secret not in change
    client.post(
        reverse("admin:exchange_calendarfeed_changelist"),
        {"action": "revoke", "_selected_action": [new.feed.pk]},
    )
    new.feed.refresh_from_db()
    assert new.feed.revoked_at is not None


# --- The calendar screen's export --------------------------------------------------------------
def test_the_calendar_screen_exports_what_it_shows(client, planner, supervisor, pump, site) -> None:
    due = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    shown = released_order(pump, supervisor, due_at=due, late_due_at=due + datetime.timedelta(hours=4))
    other_tag = released_order(ResourceFactory(area=pump.area, tag="V-0200"), supervisor, due_at=due)
    foreign = planned_order(ResourceFactory(area=AreaFactory(parent=SiteFactory())), due_at=due)
    next_year = released_order(pump, supervisor, due_at=due + datetime.timedelta(days=400))
    signed_in(client, planner)

    page = client.get(reverse("orders:calendar"), {"q": "P-0101"}).content.decode()
    link = re.search(r'href="(/exchange/calendar/export\.ics\?[^"]+)"', page)
    assert link is not None
    assert "q=P-0101" in link.group(1)
    exported = client.get(link.group(1).replace("&amp;", "&"))
    assert exported.status_code == 200
    assert exported["Content-Type"] == "text/calendar; charset=utf-8"
    assert exported["Content-Disposition"].startswith("attachment; filename=")
    found = events(exported.content)
    assert list(found) == [uid(shown)]
    for name in REQUIRED:
        assert name in found[uid(shown)], name
    assert found[uid(shown)].decoded("DTEND") - found[uid(shown)].decoded("DTSTART") == datetime.timedelta(hours=4)

    everything = events(client.get(reverse("exchange:calendar_export")).content)
    assert set(everything) == {uid(shown), uid(other_tag)}  # this month, my sites, no filter
    assert uid(foreign) not in everything
    assert uid(next_year) not in everything
    parsed = icalendar.Calendar.from_ical(client.get(reverse("exchange:calendar_export")).content)
    assert parsed.walk("VEVENT")


def test_the_export_needs_the_calendar_screens_permission(client, pump) -> None:
    assert client.get(reverse("exchange:calendar_export")).status_code == 302
    signed_in(client, User.objects.create_user("nobody"))
    assert client.get(reverse("exchange:calendar_export")).status_code == 403


def test_the_export_reads_in_constant_queries(client, planner, supervisor, pump, plant) -> None:
    due = timezone.now()
    signed_in(client, planner)
    released_order(pump, supervisor, due_at=due)
    client.get(reverse("exchange:calendar_export"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("exchange:calendar_export"))
    for n in range(8):
        released_order(ResourceFactory(area=AreaFactory(parent=plant.site, name=f"Hall {n}")), supervisor, due_at=due)
    with CaptureQueriesContext(connection) as many:
        assert len(events(client.get(reverse("exchange:calendar_export")).content)) == 9
    assert len(many) == len(one)


def test_the_export_keeps_to_the_users_sites(client, site, supervisor, pump) -> None:
    due = timezone.now()
    order = released_order(pump, supervisor, due_at=due)
    elsewhere = make_role_user(PLANNER, site=SiteFactory())
    signed_in(client, elsewhere)
    assert uid(order) not in events(client.get(reverse("exchange:calendar_export")).content)
    assert uid(order) not in events(client.get(reverse("exchange:calendar_export"), {"site": site.pk}).content)
