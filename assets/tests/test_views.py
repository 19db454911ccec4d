"""The asset screens through the test client: tree, search, resource page, QR label, reading entry."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets.factories import AreaFactory, CounterFactory, ReadingFactory, ResourceFactory, SiteFactory
from assets.models import Area, Counter, CounterKind, Reading, Resource
from assets.views import counter_chart, plain_number
from core.roles import REQUESTER, STOREKEEPER, SUPERVISOR, TECHNICIAN
from orders import services
from orders.factories import planned_order
from people.factories import make_role_user
from plans.models import PlanInstance

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def site() -> Area:
    return SiteFactory(name="North works")


@pytest.fixture
def plant(site: Area) -> Area:
    return AreaFactory(parent=site, name="Treatment plant")


@pytest.fixture
def pump(plant: Area) -> Resource:
    return ResourceFactory(tag="P-101", name="Raw water pump 1", area=plant, serial_number="SN-778")


@pytest.fixture
def hours(pump: Resource) -> Counter:
    counter = CounterFactory(resource=pump, name="Operating hours", unit="h")
    for day, value in enumerate([100, 150, 230], start=1):
        ReadingFactory(
            counter=counter, value=Decimal(value), taken_at=timezone.now() - datetime.timedelta(days=10 - day)
        )
    Counter.objects.filter(pk=counter.pk).refresh_latest()
    counter.refresh_from_db()
    return counter


@pytest.fixture
def technician(site: Area) -> User:
    return make_role_user(TECHNICIAN, site=site, username="asset-technician")


@pytest.fixture
def supervisor(site: Area) -> User:
    return make_role_user(SUPERVISOR, site=site, username="asset-supervisor")


@pytest.fixture
def other_site_pump() -> Resource:
    """A resource of a site nobody in these tests belongs to."""
    return ResourceFactory(tag="X-900", name="Someone else's pump", area=AreaFactory(parent=SiteFactory()))


def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def query_count(client: Client, url: str, **extra: Any) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:500]
    return len(queries), response


# --- Area tree and search ----------------------------------------------------------------------
def test_tree_shows_my_sites_with_resource_counts_and_not_other_sites(
    client: Client, technician: User, pump: Resource, other_site_pump: Resource
) -> None:
    response = logged_in(client, technician).get(reverse("assets:area_tree"))
    text = response.content.decode()
    assert "North works" in text
    assert "Treatment plant" in text  # the only site is opened straight away
    assert "1 resource" in text
    assert other_site_pump.area.site.name not in text


def test_tree_children_load_one_level_and_answer_404_for_another_site(
    client: Client, technician: User, plant: Area, pump: Resource, other_site_pump: Resource
) -> None:
    AreaFactory(parent=plant, kind="space", name="Pump room")
    client = logged_in(client, technician)
    response = client.get(reverse("assets:area_children", args=[plant.pk]), **HTMX)
    assert "Pump room" in response.content.decode()
    assert "P-101" in response.content.decode()
    assert client.get(reverse("assets:area_children", args=[other_site_pump.area.pk]), **HTMX).status_code == 404
    # Without htmx the area opens as a search of everything in it.
    plain = client.get(reverse("assets:area_children", args=[plant.pk]))
    assert plain.status_code == 302
    assert plain["Location"].endswith(f"?area={plant.pk}")


def test_tree_queries_do_not_grow_with_areas_or_sites(client: Client, supervisor: User, plant: Area) -> None:
    client = logged_in(client, supervisor)
    ResourceFactory(area=AreaFactory(parent=plant, kind="space", name="Room A"))
    ResourceFactory(area=plant)
    few, _ = query_count(client, reverse("assets:area_tree"))
    few_children, _ = query_count(client, reverse("assets:area_children", args=[plant.pk]), **HTMX)
    for n in range(6):
        room = AreaFactory(parent=plant, kind="space", name=f"Room {n}")
        ResourceFactory(area=room)
        ResourceFactory(area=plant)
    many, _ = query_count(client, reverse("assets:area_tree"))
    many_children, response = query_count(client, reverse("assets:area_children", args=[plant.pk]), **HTMX)
    assert "Room 5" in response.content.decode()
    assert many == few
    assert many_children == few_children
    # More sites: the tree lists them, each closed, still in the same number of queries.
    employee = supervisor.employee
    for _n in range(4):
        employee.sites.add(SiteFactory())
    several, _ = query_count(client, reverse("assets:area_tree"))
    assert several <= few


def test_search_by_tag_or_name_is_scoped_filtered_and_paginated(
    client: Client, technician: User, plant: Area, other_site_pump: Resource
) -> None:
    for n in range(25):
        ResourceFactory(tag=f"BP-{n:02d}", name=f"Booster pump {n}", area=plant)
    ResourceFactory(tag="CHL-01", name="Chlorinator", area=plant, status="down")
    client = logged_in(client, technician)
    url = reverse("assets:area_tree")
    first, response = query_count(client, f"{url}?q=pump")
    text = response.content.decode()
    assert "25 resources found" in text
    assert "Page 1 of 2" in text
    assert "X-900" not in text  # "Someone else's pump" is of another site
    second, response = query_count(client, f"{url}?q=pump&page=2")
    assert "BP-24" in response.content.decode()
    assert second == first
    down = client.get(f"{url}?status=down").content.decode()
    assert "CHL-01" in down
    assert "BP-01" not in down
    assert "No resource of your sites matches" in client.get(f"{url}?q=X-900").content.decode()


def test_search_within_an_area_and_the_live_search_partial(client: Client, technician: User, plant: Area) -> None:
    room = AreaFactory(parent=plant, kind="space", name="Pump room")
    ResourceFactory(tag="IN-ROOM", area=room)
    ResourceFactory(tag="ELSEWHERE", area=AreaFactory(parent=plant.site))
    client = logged_in(client, technician)
    response = client.get(reverse("assets:area_tree"), {"area": plant.pk})
    assert "IN-ROOM" in response.content.decode()
    assert "ELSEWHERE" not in response.content.decode()
    partial = client.get(reverse("assets:area_tree"), {"q": "ROOM"}, HTTP_HX_TARGET="asset-browser", **HTMX)
    assert partial.templates[0].name == "assets/_browser.html"
    assert "IN-ROOM" in partial.content.decode()


def test_asset_screens_need_a_role(client: Client, pump: Resource) -> None:
    nobody = User.objects.create_user("no-role", password="x")
    client = logged_in(client, nobody)
    assert client.get(reverse("assets:area_tree")).status_code == 403
    assert client.get(reverse("assets:resource_detail", args=[pump.pk])).status_code == 403
    anonymous = Client()
    assert anonymous.get(reverse("assets:area_tree")).status_code == 302


# --- Resource page -----------------------------------------------------------------------------
def test_resource_page_shows_data_location_counters_chart_orders_plans_and_history(
    client: Client, technician: User, supervisor: User, pump: Resource, hours: Counter
) -> None:
    pump.manufacturer = "KSB"
    pump.save()
    open_order = planned_order(pump)
    closed = services.order_request_corrective(entity=pump, user=supervisor, title="Seal leaks")
    services.order_reject(order=closed, user=supervisor, reason="Duplicate")
    response = logged_in(client, technician).get(reverse("assets:resource_detail", args=[pump.pk]))
    text = response.content.decode()
    assert "P-101 · Raw water pump 1" in text
    assert "SN-778" in text
    assert "North works › Treatment plant" in text
    assert "<strong>230</strong> h" in text
    assert "<svg" in text
    assert "<polyline" in text
    assert text.count('class="chart-dot"') == 3
    assert open_order.number in text
    assert closed.number in text
    assert open_order.plan_instance.plan.code in text
    history_url = reverse("assets:resource_history", args=[pump.pk])
    assert f'hx-get="{history_url}"' in text  # the History section loads itself (mms/tests/test_audit.py)
    assert "<del>Grundfos</del> → <ins>KSB</ins>" in client.get(history_url).content.decode()
    assert f"{reverse('requests:new')}?resource={pump.pk}" in text
    assert reverse("assets:resource_label", args=[pump.pk]) in text
    assert reverse("assets:reading_add", args=[hours.pk]) in text


def test_resource_page_queries_are_constant_in_rows(
    client: Client, supervisor: User, pump: Resource, hours: Counter
) -> None:
    client = logged_in(client, supervisor)
    url = reverse("assets:resource_detail", args=[pump.pk])
    planned_order(pump)
    few, _ = query_count(client, url)
    for n in range(5):
        counter = CounterFactory(resource=pump, name=f"Starts {n}", unit="cycles")
        for day in range(4):
            ReadingFactory(counter=counter, value=Decimal(day), taken_at=timezone.now() - datetime.timedelta(days=day))
        planned_order(pump)
        services.order_request_corrective(entity=pump, user=supervisor, title=f"Noise {n}")
        pump.name = f"Raw water pump rev {n}"
        pump.save()
    many, response = query_count(client, url)
    assert "Starts 4" in response.content.decode()
    assert many == few


def test_resource_of_another_site_answers_404_everywhere(
    client: Client, technician: User, other_site_pump: Resource
) -> None:
    counter = CounterFactory(resource=other_site_pump)
    client = logged_in(client, technician)
    assert client.get(reverse("assets:resource_detail", args=[other_site_pump.pk])).status_code == 404
    assert client.get(reverse("assets:resource_label", args=[other_site_pump.pk])).status_code == 404
    assert client.get(reverse("assets:reading_add", args=[counter.pk])).status_code == 404
    response = client.post(reverse("assets:reading_add", args=[counter.pk]), {"value": "5"})
    assert response.status_code == 404
    assert not Reading.objects.filter(counter=counter).exists()


def test_storekeeper_sees_the_resource_and_its_orders_but_not_the_reading_form(
    client: Client, site: Area, pump: Resource, hours: Counter
) -> None:
    storekeeper = make_role_user(STOREKEEPER, site=site)
    order = planned_order(pump)
    text = logged_in(client, storekeeper).get(reverse("assets:resource_detail", args=[pump.pk])).content.decode()
    assert "P-101" in text
    assert order.number in text  # storekeepers read the orders they reserve and issue parts for
    assert reverse("assets:reading_add", args=[hours.pk]) not in text
    assert client.post(reverse("assets:reading_add", args=[hours.pk]), {"value": "5"}).status_code == 403


def test_label_is_a_qr_code_of_the_absolute_resource_url(
    client: Client, technician: User, pump: Resource, settings: Any
) -> None:
    settings.SITE_URL = "https://mms.example.org/"
    queries, response = query_count(logged_in(client, technician), reverse("assets:resource_label", args=[pump.pk]))
    # Session, user, role, sites, the permission check, the resource; the header's unread count.
    assert queries <= 8
    text = response.content.decode()
    url = f"https://mms.example.org{reverse('assets:resource_detail', args=[pump.pk])}"
    assert f'href="{url}"' in text
    assert 'class="qr-code"' in text
    assert "<path" in text  # the modules of the code


# --- Readings ----------------------------------------------------------------------------------
def test_technician_records_a_reading_and_returns_to_the_resource(
    client: Client, technician: User, pump: Resource, hours: Counter
) -> None:
    client = logged_in(client, technician)
    response = client.post(reverse("assets:reading_add", args=[hours.pk]), {"value": "245.5", "note": "after shift"})
    assert response.status_code == 302
    assert response["Location"] == reverse("assets:resource_detail", args=[pump.pk]) + f"#counter-{hours.pk}"
    reading = hours.readings.order_by("-taken_at").first()
    assert reading is not None
    assert reading.value == Decimal("245.5")
    assert reading.entered_by == technician
    hours.refresh_from_db()
    assert hours.last_value == Decimal("245.5")
    page = client.get(response["Location"]).content.decode()
    assert "<strong>245.5</strong> h" in page
    assert "Reading 245.5 h recorded" in page


def test_a_cumulative_counter_going_backwards_is_an_inline_error(
    client: Client, technician: User, hours: Counter
) -> None:
    response = logged_in(client, technician).post(reverse("assets:reading_add", args=[hours.pk]), {"value": "120"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "below the previous reading 230" in " ".join(form.errors["value"])
    assert 'aria-invalid="true"' in response.content.decode()
    assert hours.readings.count() == 3


def test_reading_in_the_future_and_non_numbers_are_refused_inline(
    client: Client, technician: User, hours: Counter
) -> None:
    client = logged_in(client, technician)
    url = reverse("assets:reading_add", args=[hours.pk])
    later = (timezone.now() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"value": "300", "taken_at": later})
    assert "cannot be taken in the future" in " ".join(response.context["form"].errors["taken_at"])
    response = client.post(url, {"value": "lots"})
    assert response.context["form"].errors["value"]
    assert hours.readings.count() == 3


def test_reset_is_offered_only_for_cumulative_counters_and_allows_going_back(
    client: Client, technician: User, pump: Resource, hours: Counter
) -> None:
    client = logged_in(client, technician)
    response = client.post(reverse("assets:reading_add", args=[hours.pk]), {"value": "3", "is_reset": "on"})
    assert response.status_code == 302
    gauge = CounterFactory(resource=pump, name="Bearing temperature", unit="°C", kind=CounterKind.GAUGE)
    form_page = client.get(reverse("assets:reading_add", args=[gauge.pk])).content.decode()
    assert 'name="is_reset"' not in form_page


def test_requester_may_not_record_readings(client: Client, site: Area, hours: Counter) -> None:
    requester = make_role_user(REQUESTER, site=site)
    client = logged_in(client, requester)
    assert client.get(reverse("assets:reading_add", args=[hours.pk])).status_code == 403
    assert client.post(reverse("assets:reading_add", args=[hours.pk]), {"value": "999"}).status_code == 403
    assert hours.readings.count() == 3


def test_reading_entry_moves_usage_orders_through_the_service(client: Client, technician: User, hours: Counter) -> None:
    """The form calls assets.services.reading_record (not Reading.save): the latest value is kept."""
    client = logged_in(client, technician)
    client.post(reverse("assets:reading_add", args=[hours.pk]), {"value": "400"})
    assert Counter.objects.get(pk=hours.pk).last_value == Decimal(400)


def test_reading_form_queries_are_constant(client: Client, technician: User, hours: Counter) -> None:
    client = logged_in(client, technician)
    url = reverse("assets:reading_add", args=[hours.pk])
    few, _ = query_count(client, url)
    for day in range(20):
        ReadingFactory(counter=hours, value=Decimal(300 + day), taken_at=timezone.now() - datetime.timedelta(hours=day))
    many, _ = query_count(client, url)
    assert many == few


# --- Chart -------------------------------------------------------------------------------------
def test_chart_scales_time_along_x_and_value_up_y() -> None:
    start = timezone.now()
    readings = [
        Reading(value=Decimal(10), taken_at=start),
        Reading(value=Decimal(20), taken_at=start + datetime.timedelta(hours=1)),
        Reading(value=Decimal(30), taken_at=start + datetime.timedelta(hours=3)),
    ]
    chart = counter_chart(readings)
    assert chart is not None
    xs = [p.x for p in chart.points]
    ys = [p.y for p in chart.points]
    assert xs[0] < xs[1] < xs[2]
    assert (xs[1] - xs[0]) * 2 == pytest.approx(xs[2] - xs[1])  # one hour, then two
    assert ys[0] > ys[1] > ys[2]  # higher values are drawn higher up
    assert counter_chart([]) is None
    flat = counter_chart([Reading(value=Decimal(5), taken_at=start)])
    assert flat is not None
    assert flat.points[0].y == pytest.approx(40)


def test_plain_number_drops_padding_zeros() -> None:
    assert plain_number(Decimal("1234.5000")) == "1234.5"
    assert plain_number(Decimal("1200.0000")) == "1200"
    assert plain_number(None) == ""


def test_plan_instances_listed_with_their_owner(client: Client, technician: User, pump: Resource) -> None:
    order = planned_order(pump)
    instance = PlanInstance.objects.get(pk=order.plan_instance_id)
    text = logged_in(client, technician).get(reverse("assets:resource_detail", args=[pump.pk])).content.decode()
    assert instance.plan.code in text
    assert Group.objects.get(pk=instance.owner_role_id).name in text
