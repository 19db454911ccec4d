"""Labour remembers through which channel it was entered: the screens from the User-Agent, the API as api."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.api.testing import token_client
from core.tests.test_devices import ANDROID_CHROME, FIREFOX_WINDOWS, IPHONE_SAFARI
from orders import records
from orders.factories import in_progress_order
from orders.models import LabourEntry
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def working():
    site = SiteFactory()
    sup = make_role_user("Supervisor", site=site, username="sup")
    tech = make_role_user("Technician", site=site, username="tech")
    return in_progress_order(ResourceFactory(area=AreaFactory(parent=site)), sup, tech), tech


def test_screens_record_phone_or_desktop_from_the_user_agent(client, working):
    order, tech = working
    client.force_login(tech)
    client.post(
        reverse("orders:labour_add", args=[order.pk]), {"hours": "1", "note": ""}, HTTP_USER_AGENT=ANDROID_CHROME
    )
    client.post(
        reverse("orders:labour_add", args=[order.pk]), {"hours": "2", "note": ""}, HTTP_USER_AGENT=FIREFOX_WINDOWS
    )
    client.post(reverse("orders:labour_clock", args=[order.pk, "start"]), HTTP_USER_AGENT=IPHONE_SAFARI)
    client.post(reverse("orders:labour_clock", args=[order.pk, "stop"]), HTTP_USER_AGENT=FIREFOX_WINDOWS)
    entries = list(LabourEntry.objects.filter(order=order).order_by("id").values_list("hours", "entered_via"))
    # The clock entry keeps the channel it was started through.
    assert [channel for _hours, channel in entries] == ["phone", "desktop", "phone"]


def test_the_api_records_api(working):
    order, tech = working
    client = token_client(tech)
    added = client.post(reverse("api:labourentry-list", args=[order.pk]), {"hours": "1.5"})
    assert added.status_code == 201, added.content
    assert added.json()["entered_via"] == "api"
    started = client.post(reverse("api:workorder-clock-start", args=[order.pk]), HTTP_USER_AGENT=ANDROID_CHROME)
    assert started.json()["entered_via"] == "api"
    assert set(LabourEntry.objects.filter(order=order).values_list("entered_via", flat=True)) == {"api"}


def test_recorded_at_is_the_clock_start_and_an_unknown_channel_is_refused(working):
    order, tech = working
    start = datetime.datetime(2026, 2, 3, 7, 0, tzinfo=datetime.UTC)
    entry = records.labour_start(order=order, user=tech, now=start, entered_via="phone")
    assert (entry.recorded_at, entry.entered_via) == (start, "phone")
    records.labour_stop(order=order, user=tech, now=start + datetime.timedelta(hours=2))
    # A caller that does not say leaves the channel unknown (blank), never a guess.
    assert records.labour_add(order=order, user=tech, hours="1").entered_via == ""
    with pytest.raises(ValueError, match="unknown entry channel"):
        records.labour_add(order=order, user=tech, hours="1", entered_via="fax")
