"""The work-order screens through the test client: rendering, the journeys, refusals, forbidden POSTs and
query counts (constant with one order or many: no N+1)."""

from __future__ import annotations

import datetime
import gzip
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets.factories import AreaFactory, CounterFactory, ResourceFactory, SiteFactory
from assets.models import Area, Reading, Resource
from core.roles import PLANNER, REQUESTER, STOREKEEPER, SUPERVISOR, TECHNICIAN
from core.testing import force_update
from inventory.factories import PartFactory
from orders import services
from orders.factories import in_progress_order, planned_order, released_order
from orders.models import (
    Assignment,
    ChecklistAnswer,
    Comment,
    DataValue,
    ExecutionState,
    LabourEntry,
    UsedPart,
    WorkOrder,
)
from people.factories import CertificationFactory, EmployeeCertificationFactory, make_role_user
from people.signature_models import Signature
from plans.factories import (
    ActivityFactory,
    BillOfPartsLineFactory,
    ChecklistItemFactory,
    DataParameterFactory,
    PersonnelRequirementFactory,
)
from plans.models import Activity, ChecklistItemKind

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# The technician's order page on first load (HTML + CSS + JS) stays below these: uncompressed, and as
# transferred (the page gzipped by the server, the static files pre-compressed by WhiteNoise).
ORDER_PAGE_BUDGET_BYTES = 200_000
ORDER_PAGE_TRANSFER_BUDGET_BYTES = 50_000


# --- Fixtures ----------------------------------------------------------------------------------
@pytest.fixture
def site() -> Area:
    return SiteFactory(name="Kisumu water works")


@pytest.fixture
def plant(site: Area) -> Area:
    return AreaFactory(parent=site, name="Treatment plant")


@pytest.fixture
def pump(plant: Area) -> Resource:
    return ResourceFactory(tag="P-0101", name="Raw water pump 1", area=plant)


@pytest.fixture
def technician(site: Area) -> User:
    return make_role_user(TECHNICIAN, site=site, username="tina-tech")


@pytest.fixture
def supervisor(site: Area) -> User:
    return make_role_user(SUPERVISOR, site=site, username="sam-supervisor")


@pytest.fixture
def requester(site: Area) -> User:
    return make_role_user(REQUESTER, site=site, username="rita-requester")


@pytest.fixture
def planner(site: Area) -> User:
    return make_role_user(PLANNER, site=site, username="pat-planner")


@pytest.fixture
def activity() -> Activity:
    """A check, a number with limits 2-8 bar, a temperature with a limit set, and a part on the bill."""
    activity = ActivityFactory(name="Monthly pump inspection", instructions="Isolate the pump first.")
    ChecklistItemFactory(activity=activity, position=1, text="Valve closed")
    ChecklistItemFactory(
        activity=activity,
        position=2,
        text="Discharge pressure",
        kind=ChecklistItemKind.NUMBER,
        unit="bar",
        lower_limit=Decimal(2),
        upper_limit=Decimal(8),
    )
    DataParameterFactory(activity=activity, name="Bearing temperature")
    BillOfPartsLineFactory(activity=activity, part=PartFactory(part_number="SEAL-01"), quantity=Decimal(2))
    return activity


@pytest.fixture
def working(pump: Resource, supervisor: User, technician: User, activity: Activity) -> WorkOrder:
    """An order in progress, begun by the technician, with its planned parts."""
    order = released_order(pump, supervisor, activity=activity, due_at=timezone.now() + datetime.timedelta(days=1))
    services.copy_planned_parts(order)
    return services.order_begin(order=order, user=technician)


def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def many_orders(resource: Resource, supervisor: User, count: int, **kwargs: Any) -> list[WorkOrder]:
    return [
        services.order_request_corrective(entity=resource, user=supervisor, title=f"Leak {n}", **kwargs)
        for n in range(count)
    ]


# --- My work -----------------------------------------------------------------------------------
def test_my_work_lists_my_orders_late_first(client, technician, supervisor, pump, site):
    on_time = released_order(pump, supervisor, due_at=timezone.now() + datetime.timedelta(days=3))
    late = released_order(pump, supervisor, due_at=timezone.now() - datetime.timedelta(days=3))
    WorkOrder.objects.filter(pk=late.pk).update(schedule_state="late_due")
    other_site_pump = ResourceFactory(area=AreaFactory(parent=SiteFactory()))
    hidden = released_order(other_site_pump, make_role_user(SUPERVISOR, site=other_site_pump.area.site))
    response = logged_in(client, technician).get(reverse("orders:my_work"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(late.number) < html.index(on_time.number)
    assert hidden.number not in html
    filtered = client.get(reverse("orders:my_work"), {"execution_state": "approved"})
    assert late.number not in filtered.content.decode()
    assert "No work order matches these filters." in filtered.content.decode()


def test_my_work_empty_state(client, technician):
    response = logged_in(client, technician).get(reverse("orders:my_work"))
    assert "Nothing to do" in response.content.decode()


def test_my_work_query_count_is_constant(client, technician, supervisor, pump):
    logged_in(client, technician)
    released_order(pump, supervisor)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("orders:my_work")).status_code == 200
    for _ in range(6):
        order = released_order(pump, supervisor)
        Assignment.objects.create(order=order, employee=technician.employee)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("orders:my_work"))
    assert response.content.decode().count('class="order-row') == 7
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_my_work_paginates(client, technician, supervisor, pump):
    many_orders(pump, supervisor, 22)
    response = logged_in(client, technician).get(reverse("orders:my_work"))
    assert response.content.decode().count('class="order-row') == 20
    assert "Page 1 of 2" in response.content.decode()


def test_my_work_is_mine_or_my_roles_unassigned_and_filters_by_site(client, technician, supervisor, pump, site):
    colleague = make_role_user(TECHNICIAN, site=site, username="colin-colleague")
    for_my_role = released_order(pump, supervisor)  # the Technician role's, and nobody's yet
    mine = released_order(pump, supervisor)
    Assignment.objects.create(order=mine, employee=technician.employee)
    theirs = released_order(pump, supervisor)
    Assignment.objects.create(order=theirs, employee=colleague.employee)
    stores = released_order(
        pump, supervisor, activity=ActivityFactory(executing_role=Group.objects.get(name=STOREKEEPER))
    )
    second_site = SiteFactory(name="Kibera health centre")
    technician.employee.sites.add(second_site)
    supervisor.employee.sites.add(second_site)
    supervisor = User.objects.get(pk=supervisor.pk)  # a fresh user: the site scope is cached per instance
    far = released_order(ResourceFactory(area=AreaFactory(parent=second_site)), supervisor)
    logged_in(client, technician)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("orders:my_work")).content.decode()
    assert len(queries) <= 12, [q["sql"] for q in queries.captured_queries]
    shown = set(re.findall(r"<strong>(WO-\d+)</strong>", html))
    assert shown == {for_my_role.number, mine.number, far.number}
    assert theirs.number not in shown  # assigned to a colleague
    assert stores.number not in shown  # another role's work
    by_site = client.get(reverse("orders:my_work"), {"site": second_site.pk}).content.decode()
    assert set(re.findall(r"<strong>(WO-\d+)</strong>", by_site)) == {far.number}
    # A site the technician does not belong to is not a choice: the filter cannot widen the scope.
    foreign = SiteFactory(name="Not mine")
    refused = client.get(reverse("orders:my_work"), {"site": foreign.pk}).content.decode()
    assert set(re.findall(r"<strong>(WO-\d+)</strong>", refused)) == shown
    assert "Select a valid choice" in refused  # said on the filter, inline
    assert foreign.name not in html


# --- The order page ----------------------------------------------------------------------------
def test_order_page_shows_entity_checklist_limits_and_buttons(client, technician, working, plant):
    response = logged_in(client, technician).get(reverse("orders:detail", args=[working.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "P-0101" in html
    assert "Kisumu water works" in html
    assert "Treatment plant" in html
    assert "Isolate the pump first." in html
    assert "Limits: 2 – 8 bar" in html
    assert 'min="2" max="8"' in html
    assert "SEAL-01" in html
    assert "Start clock" in html
    # Not everything is answered: Complete is not offered, and the page says what is missing.
    assert ">Complete<" not in html
    assert "To complete, still answer:" in html
    assert "Valve closed" in html


def test_order_page_shows_the_entity_photo_and_its_location(client, technician, working, pump):
    Resource.objects.filter(pk=pump.pk).update(photo="resources/2026/p-0101.jpg")
    html = logged_in(client, technician).get(reverse("orders:detail", args=[working.pk])).content.decode()
    assert re.search(r'<img src="[^"]*resources/2026/p-0101\.jpg"[^>]*class="entity-photo"', html)
    assert "Kisumu water works › Treatment plant" in html


def test_checklist_item_or_parameter_of_another_activity_is_404(client, technician, working):
    other = ActivityFactory()
    item = ChecklistItemFactory(activity=other)
    parameter = DataParameterFactory(activity=other)
    logged_in(client, technician)
    url = reverse("orders:checklist_answer", args=[working.pk, item.pk])
    assert client.post(url, {"done": "yes"}, **HTMX).status_code == 404
    url = reverse("orders:data_value", args=[working.pk, parameter.pk])
    assert client.post(url, {"value": "50"}, **HTMX).status_code == 404
    assert not ChecklistAnswer.objects.exists()
    assert not DataValue.objects.exists()


def test_order_of_another_site_is_404_for_get_and_post(client, technician, supervisor, activity):
    elsewhere = ResourceFactory(area=AreaFactory(parent=SiteFactory()))
    other_supervisor = make_role_user(SUPERVISOR, site=elsewhere.area.site)
    order = released_order(elsewhere, other_supervisor, activity=activity)
    logged_in(client, technician)
    assert client.get(reverse("orders:detail", args=[order.pk])).status_code == 404
    assert client.post(reverse("orders:transition", args=[order.pk, "begin"])).status_code == 404
    item = activity.checklist_items.first()
    assert client.post(reverse("orders:checklist_answer", args=[order.pk, item.pk]), {"done": "yes"}).status_code == 404
    assert client.post(reverse("orders:comment_add", args=[order.pk]), {"text": "hi"}).status_code == 404
    logged_in(client, supervisor)
    assert client.post(reverse("orders:transition", args=[order.pk, "skip"]), {"skip-reason": "x"}).status_code == 404
    assert client.get(reverse("orders:assign", args=[order.pk])).status_code == 404
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.RELEASED


def test_requester_posting_approve_is_403(client, requester, supervisor, pump):
    order = services.order_request_corrective(entity=pump, user=requester, title="Pump leaks")
    response = logged_in(client, requester).post(reverse("orders:transition", args=[order.pk, "approve"]))
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.REQUESTED
    # Bulk: the forbidden order is reported, the page is not lost.
    response = client.post(reverse("orders:queue_bulk"), {"action": "approve", "orders": [order.pk]}, follow=True)
    assert any(order.number in m and "owner role" in m for m in messages_of(response))
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.REQUESTED


def test_a_requester_who_sees_the_order_may_not_record_or_decide(client, requester, working, pump):
    """Every recording endpoint and owner decision, posted by hand: 403, and nothing is written."""
    hours = CounterFactory(resource=pump, name="Operating hours", unit="h")
    item = working.activity.checklist_items.first()
    parameter = working.activity.data_parameters.first()
    logged_in(client, requester)
    html = client.get(reverse("orders:detail", args=[working.pk])).content.decode()
    assert "Enter a reading" not in html
    assert "Add a part used" not in html
    assert "Start clock" not in html
    posts = [
        (reverse("orders:checklist_answer", args=[working.pk, item.pk]), {"done": "yes"}),
        (reverse("orders:data_value", args=[working.pk, parameter.pk]), {"value": "50"}),
        (reverse("orders:reading_add", args=[working.pk]), {"counter": hours.pk, "value": "10"}),
        (reverse("orders:used_part_add", args=[working.pk]), {"part_number": "SEAL-01", "quantity": "1"}),
        (reverse("orders:labour_add", args=[working.pk]), {"hours": "1"}),
        (reverse("orders:labour_clock", args=[working.pk, "start"]), {}),
        (reverse("orders:transition", args=[working.pk, "complete"]), {}),
        (reverse("orders:transition", args=[working.pk, "skip"]), {"skip-reason": "not needed"}),
        (reverse("orders:assign", args=[working.pk]), {"employees": [requester.employee.pk]}),
    ]
    assigned = list(Assignment.objects.filter(order=working).values_list("employee", flat=True))
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert not ChecklistAnswer.objects.exists()
    assert not DataValue.objects.exists()
    assert not Reading.objects.exists()
    assert not UsedPart.objects.exists()
    assert not LabourEntry.objects.exists()
    assert list(Assignment.objects.filter(order=working).values_list("employee", flat=True)) == assigned
    assert requester.employee.pk not in assigned
    working.refresh_from_db()
    assert working.execution_state == ExecutionState.IN_PROGRESS


def test_technician_cannot_record_work_before_begin_and_sees_why(client, technician, supervisor, pump, activity):
    order = released_order(pump, supervisor, activity=activity)
    logged_in(client, technician)
    item = activity.checklist_items.first()
    response = client.post(reverse("orders:checklist_answer", args=[order.pk, item.pk]), {"done": "yes"}, **HTMX)
    assert response.status_code == 409
    assert "Work is recorded while the order is in progress" in response.content.decode()
    assert not ChecklistAnswer.objects.exists()


def test_begin_refusal_is_shown_beside_the_button(client, technician, supervisor, pump, activity):
    confined = CertificationFactory(name="Confined space")
    PersonnelRequirementFactory(activity=activity, certification=confined)
    EmployeeCertificationFactory(
        employee=technician.employee,
        certification=confined,
        valid_from=datetime.date(2024, 1, 1),
        valid_to=timezone.localdate() - datetime.timedelta(days=10),
    )
    order = released_order(pump, supervisor, activity=activity)
    response = logged_in(client, technician).get(reverse("orders:detail", args=[order.pk]))
    html = response.content.decode()
    assert "Begin work" not in html
    assert "certification Confined space expired on" in html
    refused = client.post(reverse("orders:transition", args=[order.pk, "begin"]), follow=True)
    assert any("Confined space" in m for m in messages_of(refused))


def test_technician_journey_checklist_data_reading_part_labour_complete(client, technician, supervisor, working, pump):
    counter = CounterFactory(resource=pump, name="Operating hours", unit="h")
    logged_in(client, technician)
    valve, pressure = working.activity.checklist_items.order_by("position")
    parameter = working.activity.data_parameters.get()

    response = client.post(reverse("orders:checklist_answer", args=[working.pk, valve.pk]), {"done": "yes"}, **HTMX)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith("<li")
    assert "answer-ok" in response.content.decode()
    response = client.post(
        reverse("orders:checklist_answer", args=[working.pk, pressure.pk]), {"number": "9,5"}, **HTMX
    )
    assert response.status_code == 200
    assert "Out of limits" in response.content.decode()
    # Stored with 4 decimals, shown as entered: no padding zeros on the badge or in the field.
    assert ">9.5 bar<" in response.content.decode()
    assert 'value="9.5"' in response.content.decode()
    response = client.post(reverse("orders:checklist_answer", args=[working.pk, pressure.pk]), {"number": ""}, **HTMX)
    assert response.status_code == 400
    assert "Enter the measured value." in response.content.decode()
    response = client.post(reverse("orders:data_value", args=[working.pk, parameter.pk]), {"value": "70"}, **HTMX)
    assert "Warning" in response.content.decode()
    assert DataValue.objects.get().evaluation == "warning"

    response = client.post(reverse("orders:reading_add", args=[working.pk]), {"counter": counter.pk, "value": "1520"})
    assert response.status_code == 302
    assert Reading.objects.get(counter=counter).value == Decimal(1520)
    response = client.post(
        reverse("orders:used_part_add", args=[working.pk]), {"part_number": "seal-01", "quantity": "2"}
    )
    assert response.status_code == 302
    assert UsedPart.objects.get().quantity == Decimal(2)
    assert client.post(reverse("orders:labour_clock", args=[working.pk, "start"])).status_code == 302
    assert client.post(reverse("orders:labour_clock", args=[working.pk, "stop"])).status_code == 302
    response = client.post(reverse("orders:labour_add", args=[working.pk]), {"hours": "1.5", "note": "seal"})
    assert response.status_code == 302
    assert LabourEntry.objects.filter(hours=Decimal("1.50")).exists()
    photo = SimpleUploadedFile("leak.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", content_type="image/jpeg")
    assert (
        client.post(reverse("orders:attachment_add", args=[working.pk]), {"file": photo, "title": "Leak"}).status_code
        == 302
    )
    assert client.post(reverse("orders:comment_add", args=[working.pk]), {"text": "Seal replaced."}).status_code == 302

    page = client.get(reverse("orders:detail", args=[working.pk])).content.decode()
    assert re.search(r'>Leak</a> <small class="muted">photo, \d+\xa0bytes', page)  # fetched only when asked
    assert "Seal replaced." in page
    assert ">Complete<" in page
    response = client.post(reverse("orders:transition", args=[working.pk, "complete"]), follow=True)
    assert any("waits for acceptance" in m for m in messages_of(response))
    working.refresh_from_db()
    assert working.execution_state == ExecutionState.WAITING_FOR_ACCEPTANCE
    assert Comment.objects.get().text == "Seal replaced."


def test_validation_errors_are_shown_inline(client, technician, working):
    logged_in(client, technician)
    response = client.post(reverse("orders:labour_add", args=[working.pk]), {"hours": "30"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Hours must be more than 0 and at most 24 per entry." in html
    assert re.search(r'<details class="row-add" open>\s*<summary>Add hours', html)
    response = client.post(reverse("orders:used_part_add", args=[working.pk]), {"part_number": "NOPE", "quantity": "1"})
    assert response.status_code == 400
    assert "There is no part NOPE." in response.content.decode()
    response = client.post(reverse("orders:comment_add", args=[working.pk]), {"text": " "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post(reverse("orders:reading_add", args=[working.pk]), {"value": "x"})
    assert response.status_code == 400


def test_reading_refused_by_the_service_is_visible(client, technician, working, pump):
    counter = CounterFactory(resource=pump, unit="h")
    logged_in(client, technician)
    client.post(reverse("orders:reading_add", args=[working.pk]), {"counter": counter.pk, "value": "100"})
    response = client.post(
        reverse("orders:reading_add", args=[working.pk]),
        {"counter": counter.pk, "value": "50"},
    )
    assert response.status_code == 409
    assert "form-errors" in response.content.decode()


def test_order_page_query_count_is_constant(client, technician, working, pump):
    logged_in(client, technician)
    url = reverse("orders:detail", args=[working.pk])
    CounterFactory(resource=pump)
    Comment.objects.create(order=working, author=technician, text="first")
    client.get(url)  # warm the content-type cache
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(5):
        ChecklistItemFactory(activity=working.activity, position=10 + n)
        Comment.objects.create(order=working, author=technician, text=f"note {n}")
        LabourEntry.objects.create(order=working, employee=technician.employee, hours=Decimal(1))
        UsedPart.objects.create(order=working, part=PartFactory(), quantity=Decimal(1))
        CounterFactory(resource=pump)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 30


def test_technician_order_page_stays_light(client, technician, working, capsys):
    """Bytes on first load: the HTML plus every stylesheet and script it references (no images), both
    uncompressed and as transferred to a phone that accepts gzip."""
    response = logged_in(client, technician).get(
        reverse("orders:detail", args=[working.pk]), HTTP_ACCEPT_ENCODING="gzip, deflate, br"
    )
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"  # the server compresses the page itself
    sent = response.content
    html = gzip.decompress(sent)
    assert b"Monthly pump inspection" in html
    assets = re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)
    assert assets, "the page references its CSS and JS"
    sizes = {name.decode(): Path(finders.find(name.decode())).read_bytes() for name in assets}
    total = len(html) + sum(len(body) for body in sizes.values())
    transferred = len(sent) + sum(len(gzip.compress(body)) for body in sizes.values())
    with capsys.disabled():
        print(
            f"\norder page first load: HTML {len(html)} B ({len(sent)} B gzipped) + "
            + " + ".join(f"{name} {len(body)} B ({len(gzip.compress(body))} B gzipped)" for name, body in sizes.items())
            + f" = {total} B, {transferred} B transferred"
        )
    assert total < ORDER_PAGE_BUDGET_BYTES
    assert transferred < ORDER_PAGE_TRANSFER_BUDGET_BYTES
    assert b"<img" not in html  # no photo on this entity: nothing else to fetch


# --- Supervisor: queue, bulk, accept with signature, rework, join, assign ----------------------
def test_queue_tabs_and_bulk_approve_release_report_failures(client, supervisor, requester, pump):
    orders = many_orders(pump, requester, 3)
    services.order_reject(order=orders[2], user=supervisor, reason="duplicate")
    logged_in(client, supervisor)
    response = client.get(reverse("orders:queue"))
    html = response.content.decode()
    assert orders[0].number in html
    assert orders[2].number not in html
    response = client.post(
        reverse("orders:queue_bulk"),
        {"action": "approve", "orders": [o.pk for o in orders], "next": reverse("orders:queue")},
        follow=True,
    )
    texts = messages_of(response)
    assert any(orders[0].number in m and orders[1].number in m and m.startswith("Approved") for m in texts)
    assert any(m.startswith(orders[2].number) and "rejected" in m for m in texts)
    response = client.get(reverse("orders:queue"), {"tab": "release"})
    assert orders[0].number in response.content.decode()
    client.post(reverse("orders:queue_bulk"), {"action": "release", "orders": [orders[0].pk, orders[1].pk]})
    assert set(
        WorkOrder.objects.filter(pk__in=[orders[0].pk, orders[1].pk]).values_list("execution_state", flat=True)
    ) == {"released"}
    empty = client.post(reverse("orders:queue_bulk"), {"action": "approve"}, follow=True)
    assert "Tick some orders first." in messages_of(empty)


def test_bulk_with_another_sites_ids_touches_nothing_there(client, supervisor, requester, pump):
    elsewhere = ResourceFactory(area=AreaFactory(parent=SiteFactory(name="Elsewhere")))
    other_supervisor = make_role_user(SUPERVISOR, site=elsewhere.area.site)
    foreign = services.order_request_corrective(entity=elsewhere, user=other_supervisor, title="Not yours")
    own = services.order_request_corrective(entity=pump, user=requester, title="Mine")
    response = logged_in(client, supervisor).post(
        reverse("orders:queue_bulk"), {"action": "approve", "orders": [own.pk, foreign.pk]}, follow=True
    )
    texts = messages_of(response)
    assert f"Approved: {own.number}." in texts
    assert "1 of the ticked orders could not be found." in texts
    assert foreign.number not in " ".join(texts)  # nothing about the other site's order leaks
    foreign.refresh_from_db()
    assert foreign.execution_state == ExecutionState.REQUESTED
    # A technician may tick and post, but approves nothing: each order says why.
    technician = make_role_user(TECHNICIAN, site=pump.area.site)
    another = services.order_request_corrective(entity=pump, user=requester, title="Also mine")
    response = logged_in(client, technician).post(
        reverse("orders:queue_bulk"), {"action": "approve", "orders": [another.pk]}, follow=True
    )
    assert response.status_code == 200
    assert any(m.startswith(another.number) for m in messages_of(response))
    another.refresh_from_db()
    assert another.execution_state == ExecutionState.REQUESTED


def test_queue_query_count_is_constant(client, supervisor, requester, pump, plant):
    logged_in(client, supervisor)
    many_orders(pump, requester, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("orders:queue")).status_code == 200
    for _n in range(6):
        resource = ResourceFactory(area=plant)
        many_orders(resource, requester, 2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("orders:queue"))
    assert response.content.decode().count('class="order-row') == 13
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_accept_with_signature(client, supervisor, technician, pump, activity):
    force_update(Activity.objects.filter(pk=activity.pk), requires_signature=True)
    activity.refresh_from_db()
    order = in_progress_order(pump, supervisor, technician, activity=activity)
    ChecklistAnswer.objects.create(order=order, item=activity.checklist_items.get(position=1), done=True)
    ChecklistAnswer.objects.create(order=order, item=activity.checklist_items.get(position=2), number=Decimal(5))
    DataValue.objects.create(order=order, parameter=activity.data_parameters.get(), value=Decimal(20))
    services.order_complete(order=order, user=technician)
    logged_in(client, supervisor)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Accept with signature" in page
    response = client.post(
        reverse("orders:transition", args=[order.pk, "accept"]), {"password": "wrong", "meaning": "accepted"}
    )
    assert response.status_code == 409
    assert "The password is wrong." in response.content.decode()
    response = client.post(reverse("orders:transition", args=[order.pk, "accept"]), {"meaning": "OK"})
    assert response.status_code == 400  # not a meaning the form offers
    response = client.post(
        reverse("orders:transition", args=[order.pk, "accept"]),
        {"password": "correct-horse-battery-staple", "meaning": "accepted", "statement": "Work verified"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.CLOSED
    assert Signature.objects.of(order).get().statement == "Work verified"
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Electronic signatures" in page
    assert "record changed after signing" not in page
    pdf = client.get(reverse("orders:pdf", args=[order.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    signature = Signature.objects.of(order).get()
    assert f"{signature.signed_at.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC" in text
    assert "Accepted: Work verified" in text
    assert "valid" in text
    assert signature.content_hash in text.replace("\n", "")
    WorkOrder.objects.filter(pk=order.pk).update(description="Changed after acceptance")
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "record changed after signing" in page
    assert "record changed after signing (description)" in pdf_text(
        client.get(reverse("orders:pdf", args=[order.pk])).content
    )


def pdf_text(pdf: bytes) -> str:
    import io

    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_the_order_pdf_says_when_there_is_no_signature(client, supervisor, requester, pump):
    order = services.order_request_corrective(entity=pump, user=requester, title="Noise at the bearing")
    logged_in(client, supervisor)
    text = pdf_text(client.get(reverse("orders:pdf", args=[order.pk])).content)
    assert f"{order.number} Noise at the bearing" in text
    assert "This order carries no electronic signature." in text
    other_site = SiteFactory()
    elsewhere = services.order_request_corrective(
        entity=ResourceFactory(area=other_site), user=make_role_user("Administrator"), title="Elsewhere"
    )
    assert client.get(reverse("orders:pdf", args=[elsewhere.pk])).status_code == 404


def test_rework_skip_reject_need_a_reason(client, supervisor, requester, pump):
    order = services.order_request_corrective(entity=pump, user=requester, title="Noise")
    logged_in(client, supervisor)
    response = client.post(reverse("orders:transition", args=[order.pk, "reject"]), {"reject-reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post(reverse("orders:transition", args=[order.pk, "skip"]), {"skip-reason": "Pump replaced"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.SKIPPED
    assert order.state_reason == "Pump replaced"


def test_rework_opens_a_linked_order(client, supervisor, technician, pump):
    order = in_progress_order(pump, supervisor, technician)
    services.order_complete(order=order, user=technician)
    logged_in(client, supervisor)
    response = client.post(
        reverse("orders:transition", args=[order.pk, "rework"]),
        {"rework-reason": "Seal still leaks", "next": reverse("orders:queue") + "?tab=acceptance"},
        follow=True,
    )
    assert any("Rework order" in m for m in messages_of(response))
    rework = WorkOrder.objects.get(rework_of=order)
    assert rework.description == "Seal still leaks"


def test_join_picks_an_open_order_on_the_same_entity(client, supervisor, requester, pump):
    first, duplicate = many_orders(pump, requester, 2)
    logged_in(client, supervisor)
    page = client.get(reverse("orders:queue")).content.decode()
    assert f'<option value="{first.pk}">{first.number}' in page
    response = client.post(reverse("orders:transition", args=[duplicate.pk, "join"]), {"into": first.pk})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.joined_into_id == first.pk
    other = services.order_request_corrective(entity=ResourceFactory(area=pump.area), user=requester, title="x")
    response = client.post(reverse("orders:transition", args=[other.pk, "join"]), {"into": first.pk})
    assert response.status_code == 400  # not a choice: another entity
    assert "Select a valid choice" in response.content.decode()


def test_cancel_by_the_requester(client, requester, pump):
    order = services.order_request_corrective(entity=pump, user=requester, title="Noise")
    response = logged_in(client, requester).post(reverse("orders:transition", args=[order.pk, "cancel"]), {})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.CANCELED


def test_assign_shows_certifications_and_load(client, supervisor, technician, site, pump, activity):
    confined = CertificationFactory(name="Confined space")
    PersonnelRequirementFactory(activity=activity, certification=confined)
    EmployeeCertificationFactory(employee=technician.employee, certification=confined)
    order = planned_order(pump, activity=activity)
    busy = released_order(pump, supervisor)
    Assignment.objects.create(order=busy, employee=technician.employee)
    logged_in(client, supervisor)
    url = reverse("orders:assign", args=[order.pk])
    with CaptureQueriesContext(connection) as few:
        html = client.get(url).content.decode()
    assert "Confined space" in html
    assert "1 open order" in html
    for _ in range(5):
        colleague = make_role_user(TECHNICIAN, site=site)
        EmployeeCertificationFactory(employee=colleague.employee)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert len(many) == len(few)
    assert html.count("Lacks:") == 6
    response = client.post(url, {"employees": [technician.employee.pk]})
    assert response.status_code == 302
    assert list(order.assignments.values_list("employee_id", flat=True)) == [technician.employee.pk]
    stranger = make_role_user(TECHNICIAN, site=SiteFactory())
    response = client.post(url, {"employees": [stranger.employee.pk]})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_assign_is_403_for_a_technician(client, technician, pump, supervisor):
    order = planned_order(pump)
    logged_in(client, technician)
    assert client.get(reverse("orders:assign", args=[order.pk])).status_code == 403
    assert client.post(reverse("orders:assign", args=[order.pk]), {"employees": []}).status_code == 403


# --- Planner: calendar and backlog -------------------------------------------------------------
def test_calendar_month_and_week_show_late_orders(client, planner, supervisor, pump):
    due = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    late = released_order(pump, supervisor, due_at=due)
    WorkOrder.objects.filter(pk=late.pk).update(schedule_state="late_due")
    logged_in(client, planner)
    response = client.get(reverse("orders:calendar"))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(rf'class="cal-order sched-late_due"[^>]*>{late.number}', html)
    week = client.get(reverse("orders:calendar"), {"view": "week", "date": due.date().isoformat()}).content.decode()
    assert late.number in week
    assert "Week " in week
    filtered = client.get(reverse("orders:calendar"), {"q": "nothing-like-this"}).content.decode()
    assert late.number not in filtered
    assert "No work order matches these filters in this period." in filtered
    # By entity: the area picker lists my sites' areas only, and picking one keeps what is inside it.
    other_area = AreaFactory(parent=pump.area.site, name="Intake")
    foreign = AreaFactory(parent=SiteFactory(), name="Not my site")
    in_plant = client.get(reverse("orders:calendar"), {"area": pump.area.pk}).content.decode()
    assert late.number in in_plant
    assert f'<option value="{other_area.pk}">' in in_plant
    assert foreign.name not in in_plant
    in_intake = client.get(reverse("orders:calendar"), {"area": other_area.pk}).content.decode()
    assert late.number not in in_intake
    by_plan = {"plan": late.plan_instance.plan_id, "site": pump.area.site_id}
    assert late.number in client.get(reverse("orders:calendar"), by_plan).content.decode()


def test_calendar_query_count_is_constant(client, planner, supervisor, pump, plant):
    due = timezone.now()
    logged_in(client, planner)
    released_order(pump, supervisor, due_at=due)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("orders:calendar"))
    for _ in range(8):
        released_order(ResourceFactory(area=plant), supervisor, due_at=due)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("orders:calendar")).content.decode()
    assert "+ 5 more" in html
    assert len(many) == len(one)


def test_backlog_lists_overdue_and_undated_open_orders(client, planner, supervisor, requester, pump):
    overdue = released_order(pump, supervisor, due_at=timezone.now() - datetime.timedelta(days=2))
    undated = services.order_request_corrective(entity=pump, user=requester, title="No date")
    future = released_order(pump, supervisor, due_at=timezone.now() + datetime.timedelta(days=2))
    logged_in(client, planner)
    with CaptureQueriesContext(connection) as few:
        html = client.get(reverse("orders:backlog")).content.decode()
    assert overdue.number in html
    assert undated.number in html
    assert future.number not in html
    many_orders(pump, requester, 8)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("orders:backlog"))
    assert len(many) == len(few)
    filtered = client.get(reverse("orders:backlog"), {"kind": "planned"}).content.decode()
    assert undated.number not in filtered
    assert overdue.number in filtered


def test_empty_states_of_the_queue_backlog_and_calendar(client, supervisor):
    logged_in(client, supervisor)
    assert "Nothing is waiting for you here." in client.get(reverse("orders:queue")).content.decode()
    accept_tab = client.get(reverse("orders:queue"), {"tab": "acceptance"}).content.decode()
    assert "Nothing is waiting for you here." in accept_tab
    assert "The backlog is empty" in client.get(reverse("orders:backlog")).content.decode()
    assert "No work order is due in this period." in client.get(reverse("orders:calendar")).content.decode()
    week = client.get(reverse("orders:calendar"), {"view": "week"}).content.decode()
    assert "No work order is due in this period." in week


def test_screens_need_a_login_and_a_role(client, pump):
    for name in ("orders:my_work", "orders:queue", "orders:calendar", "orders:backlog"):
        assert client.get(reverse(name)).status_code == 302
    nobody = User.objects.create_user("nobody", password="x")
    logged_in(client, nobody)
    for name in ("orders:my_work", "orders:queue", "orders:calendar", "orders:backlog"):
        assert client.get(reverse(name)).status_code == 403
