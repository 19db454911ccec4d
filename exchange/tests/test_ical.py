"""The iCalendar builder and the feed services: every event parses with ``icalendar`` and carries its
required properties; UIDs are stable; SEQUENCE grows when an order moves or is canceled and only then;
which orders a feed shows (assigned to its owner, or one site's, in the window); tokens, revocation and
the checks made again at every read; last read written at most once a minute; bounded queries."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.errors import ActionForbidden
from core.roles import TECHNICIAN
from exchange import feeds
from exchange.ical import event_times
from exchange.models import CalendarFeed, FeedKind
from exchange.services import export_file
from exchange.tests.ical_helpers import (
    NAIROBI,
    REQUIRED,
    assign,
    day_order,
    events,
    midnight,
    move,
    new_feed,
    parse,
    uid,
)
from orders import services
from orders.factories import planned_order
from orders.models import WorkOrder
from people.factories import make_role_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_address")]


# --- How an order becomes an event -------------------------------------------------------------
def test_event_times_all_day_timed_instant_and_none() -> None:
    early, due, late = midnight(7), midnight(10), midnight(12)
    window = event_times(early, due, late, NAIROBI)
    assert window is not None
    assert window.all_day
    assert (window.start, window.end) == (early.date(), late.date())  # DTEND exclusive: the day it is late
    # No late tolerance: the due day itself is still covered.
    tight = event_times(None, due, due, NAIROBI)
    assert tight is not None
    assert tight.all_day
    assert (tight.start, tight.end) == (due.date(), due.date() + datetime.timedelta(days=1))
    # Hours: a timed event in the site's zone.
    nine = due.replace(hour=9)
    timed = event_times(nine - datetime.timedelta(hours=2), nine, nine + datetime.timedelta(hours=4), NAIROBI)
    assert timed is not None
    assert not timed.all_day
    assert timed.start == nine - datetime.timedelta(hours=2)
    assert timed.end == nine + datetime.timedelta(hours=4)
    assert timed.start.tzinfo == NAIROBI  # type: ignore[union-attr]
    # One instant (a corrective order due at a time): no DTEND.
    instant = event_times(None, nine, nine, NAIROBI)
    assert instant is not None
    assert instant.end is None
    assert instant.start == nine
    # Midnight in UTC is not midnight in Nairobi: timed, not all-day.
    utc_midnight = datetime.datetime(2026, 5, 4, tzinfo=datetime.UTC)
    assert not event_times(None, utc_midnight, utc_midnight, NAIROBI).all_day  # type: ignore[union-attr]
    assert event_times(None, None, None, NAIROBI) is None


def test_every_event_has_its_required_properties(pump, technician, supervisor, plant, site) -> None:
    window = assign(day_order(pump, 10, description="Isolate the pump first."), technician, supervisor)
    nine = midnight(3).replace(hour=9, minute=30)
    corrective = services.order_request_corrective(entity=pump, user=supervisor, title="Seal leaks", due_at=nine)
    assign(corrective, technician, supervisor)
    on_area = assign(planned_order(ResourceFactory(area=plant), due_at=midnight(5)), technician, supervisor)
    feed, _token = new_feed(technician)

    content = feeds.feed_calendar(feed)
    calendar = parse(content)
    assert str(calendar["VERSION"]) == "2.0"
    assert "PRODID" in calendar
    assert str(calendar["X-WR-CALNAME"]) == "Work orders assigned to tina-tech"
    found = events(content)
    assert set(found) == {uid(window), uid(corrective), uid(on_area)}
    for order in (window, corrective, on_area):
        event = found[uid(order)]
        for name in REQUIRED:
            assert name in event, (order.number, name)
        order.refresh_from_db()
        assert str(event["SUMMARY"]) == f"{order.number} {order.title}"
        assert str(event["URL"]) == f"https://mms.example.org/orders/{order.pk}/"
        assert event["LAST-MODIFIED"].dt == order.updated_at.replace(microsecond=0)  # iCalendar has seconds
        assert event["DTSTAMP"].dt == order.updated_at.replace(microsecond=0)
        assert str(event["TRANSP"]) == "TRANSPARENT"
        assert "Kisumu water works / Treatment plant" in str(event["LOCATION"])
        assert str(event["URL"]) in str(event["DESCRIPTION"])

    all_day = found[uid(window)]
    assert all_day.decoded("DTSTART") == midnight(7).date()
    assert all_day.decoded("DTEND") == midnight(12).date()
    assert str(all_day["LOCATION"]) == "P-0101 Raw water pump 1 · Kisumu water works / Treatment plant"
    assert "Isolate the pump first." in str(all_day["DESCRIPTION"])
    assert f"Due: {midnight(10).date().isoformat()}" in str(all_day["DESCRIPTION"])
    assert str(all_day["STATUS"]) == "TENTATIVE"  # requested, not yet approved

    timed = found[uid(corrective)]
    assert timed.decoded("DTSTART") == nine
    assert timed["DTSTART"].params["TZID"] == "Africa/Nairobi"
    assert "DTEND" not in timed  # due and late at the same instant
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Africa/Nairobi"]


def test_uids_and_output_are_stable_across_calls(pump, technician, supervisor) -> None:
    order = assign(day_order(pump, 10), technician, supervisor)
    feed, _token = new_feed(technician)
    first = feeds.feed_calendar(feed)
    assert feeds.feed_calendar(feed) == first  # nothing changed: the same bytes (DTSTAMP is the revision)
    services.order_approve(order=order, user=supervisor)
    after = events(feeds.feed_calendar(feed))
    assert list(after) == [uid(order)]
    assert str(after[uid(order)]["STATUS"]) == "CONFIRMED"


def test_sequence_grows_when_the_order_moves_and_only_then(pump, technician, supervisor) -> None:
    order = assign(day_order(pump, 10), technician, supervisor)
    feed, _token = new_feed(technician)

    def sequence() -> int:
        return int(events(feeds.feed_calendar(feed))[uid(order)]["SEQUENCE"])

    assert sequence() == 0
    move(order, 7)
    assert sequence() == 1
    event = events(feeds.feed_calendar(feed))[uid(order)]
    assert event.decoded("DTSTART") == midnight(14).date()
    # Other edits leave it: a new title, the schedule state moving on.
    order.title = "Pump inspection (bearing noise)"
    order.save()
    services.order_approve(order=order, user=supervisor)  # TENTATIVE -> CONFIRMED: a new status
    assert sequence() == 2
    order.refresh_from_db()
    order.save()
    assert sequence() == 2
    # Moved back where it was: a change again, never a step back.
    move(order, -7)
    assert sequence() == 3
    # A bulk update without a history row still counts, and the next history row does not count twice.
    WorkOrder.objects.filter(pk=order.pk).update(due_at=midnight(11), late_due_at=midnight(13))
    assert sequence() == 4
    order.refresh_from_db()
    order.save()
    assert sequence() == 4


def test_a_canceled_order_is_a_cancelled_event_with_a_new_sequence(pump, technician, supervisor) -> None:
    nine = midnight(2).replace(hour=9)
    order = assign(
        services.order_request_corrective(entity=pump, user=supervisor, title="Seal leaks", due_at=nine),
        technician,
        supervisor,
    )
    feed, _token = new_feed(technician)
    before = events(feeds.feed_calendar(feed))[uid(order)]
    services.order_cancel(order=order, user=supervisor, reason="Reported twice")
    after = events(feeds.feed_calendar(feed))[uid(order)]
    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert "Reported twice" in str(after["DESCRIPTION"])
    # Canceled long ago: out of the feed.
    WorkOrder.objects.filter(pk=order.pk).update(closed_at=timezone.now() - datetime.timedelta(days=40))
    assert uid(order) not in events(feeds.feed_calendar(feed))


# --- Which orders a feed shows -----------------------------------------------------------------
def test_the_assigned_feed_shows_my_orders_in_the_window_only(pump, technician, supervisor, site) -> None:
    mine = assign(day_order(pump, 10), technician, supervisor)
    recent_past = assign(day_order(pump, -20), technician, supervisor)
    too_far = assign(day_order(pump, 400), technician, supervisor)
    too_old = assign(day_order(pump, -60), technician, supervisor)
    undated = assign(planned_order(pump), technician, supervisor)  # counter points only: no date
    unassigned = day_order(pump, 10)
    colleague = make_role_user(TECHNICIAN, site=site)
    theirs = assign(day_order(pump, 10), colleague, supervisor)
    feed, _token = new_feed(technician)
    shown = set(events(feeds.feed_calendar(feed)))
    assert shown == {uid(mine), uid(recent_past)}
    assert not shown & {uid(o) for o in (too_far, too_old, undated, unassigned, theirs)}
    # The colleague's feed: only the colleague's order.
    their_feed, _ = new_feed(colleague)
    assert set(events(feeds.feed_calendar(their_feed))) == {uid(theirs)}


def test_the_assigned_feed_leaves_out_sites_i_no_longer_see(pump, technician, supervisor) -> None:
    order = assign(day_order(pump, 10), technician, supervisor)
    feed, _token = new_feed(technician)
    assert uid(order) in events(feeds.feed_calendar(feed))
    technician.employee.sites.clear()
    assert events(feeds.feed_calendar(CalendarFeed.objects.select_related("user").get(pk=feed.pk))) == {}


def test_a_site_feed_shows_that_sites_scheduled_orders(pump, planner, site) -> None:
    here = day_order(pump, 10)
    elsewhere_site = SiteFactory()
    planner.employee.sites.add(elsewhere_site)
    elsewhere = day_order(ResourceFactory(area=AreaFactory(parent=elsewhere_site)), 10)
    feed, _token = new_feed(planner, FeedKind.SITE, site)
    content = feeds.feed_calendar(feed)
    assert set(events(content)) == {uid(here)}
    assert str(parse(content)["X-WR-CALNAME"]) == "Work orders at Kisumu water works"
    assert str(parse(content)["X-WR-TIMEZONE"]) == "Africa/Nairobi"
    assert uid(elsewhere) not in events(content)


def test_who_may_make_which_feed(technician, planner, supervisor, site) -> None:
    with pytest.raises(ValidationError) as refused:
        feeds.calendar_feed_create(user=technician, kind=FeedKind.SITE, site=site)
    assert "kind" in refused.value.message_dict
    assert new_feed(supervisor, FeedKind.SITE, site)[0].site == site
    with pytest.raises(ValidationError) as foreign:
        feeds.calendar_feed_create(user=planner, kind=FeedKind.SITE, site=SiteFactory())
    assert "site" in foreign.value.message_dict
    with pytest.raises(ValidationError) as missing:
        feeds.calendar_feed_create(user=planner, kind=FeedKind.SITE)
    assert "site" in missing.value.message_dict
    with pytest.raises(ValidationError) as not_a_site:
        feeds.calendar_feed_create(user=planner, kind=FeedKind.SITE, site=AreaFactory(parent=site))
    assert "site" in not_a_site.value.message_dict
    with pytest.raises(ValidationError):
        feeds.calendar_feed_create(user=planner, kind=FeedKind.ASSIGNED, site=site)
    with pytest.raises(ValidationError):
        feeds.calendar_feed_create(user=planner, kind="everything")
    nobody = User.objects.create_user("nobody")
    with pytest.raises(ActionForbidden):
        feeds.calendar_feed_create(user=nobody, kind=FeedKind.ASSIGNED)
    assert not CalendarFeed.objects.filter(user__in=[technician, nobody]).exists()


def test_a_person_has_at_most_so_many_live_feeds(technician) -> None:
    made = [new_feed(technician)[0] for _ in range(feeds.MAX_ACTIVE_FEEDS)]
    with pytest.raises(ValidationError):
        new_feed(technician)
    feeds.calendar_feed_revoke(feed=made[0], user=technician)
    assert new_feed(technician)[0].pk


# --- Tokens: lookup, revocation, the checks at every read ---------------------------------------
def test_only_the_hash_of_the_token_is_kept(technician) -> None:
    feed, token = new_feed(technician)
    assert token not in str(CalendarFeed.objects.filter(pk=feed.pk).values().get())
    assert feeds.feed_for_token(token) == feed
    assert feeds.feed_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert feeds.feed_for_token("not-a-token") is None
    assert feeds.feed_for_token(token + "x") is None


def test_revoked_inactive_and_no_longer_allowed_feeds_read_as_nothing(technician, planner, site) -> None:
    feed, token = new_feed(technician)
    revoked = feeds.calendar_feed_revoke(feed=feed, user=technician)
    assert revoked.revoked_at is not None
    first = revoked.revoked_at
    assert feeds.calendar_feed_revoke(feed=feed, user=technician).revoked_at == first  # twice: the first time
    assert feeds.feed_for_token(token) is None

    site_feed, site_token = new_feed(planner, FeedKind.SITE, site)
    assert feeds.feed_for_token(site_token) == site_feed
    planner.employee.sites.clear()  # moved to another site
    assert feeds.feed_for_token(site_token) is None
    planner.employee.sites.add(site)
    assert feeds.feed_for_token(site_token) == site_feed
    planner.groups.set([Group.objects.get(name=TECHNICIAN)])  # no longer a planner
    assert feeds.feed_for_token(site_token) is None

    own_feed, own_token = new_feed(planner)
    assert feeds.feed_for_token(own_token) == own_feed
    planner.is_active = False
    planner.save()
    assert feeds.feed_for_token(own_token) is None


def test_only_the_owner_or_an_administrator_revokes(technician, planner) -> None:
    feed, _token = new_feed(technician)
    with pytest.raises(ActionForbidden):
        feeds.calendar_feed_revoke(feed=feed, user=planner)
    feed.refresh_from_db()
    assert feed.revoked_at is None
    administrator = make_role_user("Administrator")
    assert feeds.calendar_feed_revoke(feed=feed, user=administrator).revoked_at is not None


def test_last_read_is_written_at_most_once_a_minute(technician) -> None:
    feed, token = new_feed(technician)
    now = timezone.now()
    assert feeds.feed_for_token(token, now=now) is not None
    feed.refresh_from_db()
    assert feed.last_used_at == now
    with CaptureQueriesContext(connection) as storm:
        for seconds in (1, 10, 59):
            feeds.feed_for_token(token, now=now + datetime.timedelta(seconds=seconds))
    assert not [q for q in storm.captured_queries if q["sql"].startswith("UPDATE")]
    feed.refresh_from_db()
    assert feed.last_used_at == now
    later = now + datetime.timedelta(seconds=61)
    feeds.feed_for_token(token, now=later)
    feed.refresh_from_db()
    assert feed.last_used_at == later


def test_a_feed_reads_in_the_same_number_of_queries_for_one_order_or_many(pump, plant, technician, supervisor) -> None:
    assign(day_order(pump, 10), technician, supervisor)
    _feed, token = new_feed(technician)
    feeds.feed_for_token(token)

    def read() -> int:
        with CaptureQueriesContext(connection) as queries:
            found = feeds.feed_for_token(token)
            assert found is not None
            feeds.feed_calendar(found)
        return len(queries)

    one = read()
    for n in range(12):
        resource = ResourceFactory(area=AreaFactory(parent=plant.site, name=f"Building {n}"))
        order = assign(day_order(resource, 5 + n), technician, supervisor)
        move(order, 1)
    services.order_request_corrective(entity=pump, user=supervisor, title="Leak", due_at=midnight(4).replace(hour=8))
    many = read()
    assert many == one <= 8
    found = feeds.feed_for_token(token)
    assert found is not None
    assert len(events(feeds.feed_calendar(found))) == 13


def test_the_registered_exporter_writes_the_same_calendar(pump, technician, supervisor, planner, site) -> None:
    order = assign(day_order(pump, 10), technician, supervisor)
    content, name, content_type = export_file(format="ical", user=technician)
    assert name.endswith(".ics")
    assert content_type == "text/calendar; charset=utf-8"
    assert list(events(content)) == [uid(order)]
    site_content, _name, _type = export_file(format="ical", user=planner, options={"site": str(site.pk)})
    assert uid(order) in events(site_content)
    assert str(parse(site_content)["X-WR-CALNAME"]) == "Work orders at Kisumu water works"
    with pytest.raises(ActionForbidden):
        export_file(format="ical", user=technician, options={"site": site.pk})
    for wrong in (SiteFactory().pk, "first", AreaFactory(parent=site).pk):
        with pytest.raises(ValueError, match="site"):
            export_file(format="ical", user=planner, options={"site": wrong})
    with pytest.raises(ActionForbidden):
        export_file(format="ical", user=User.objects.create_user("nobody"))
