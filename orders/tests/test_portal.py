"""The requester portal: report a breakdown (with a photo, atomically), follow my requests; and the
notification the requester gets when their request moves on."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from assets.models import Area, Attachment, Resource
from core.models import Notification
from core.roles import REQUESTER, STOREKEEPER, SUPERVISOR, TECHNICIAN
from orders import services
from orders.models import ExecutionState, OrderKind, WorkOrder
from people.factories import make_role_user
from plans.models import Priority

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def site() -> Area:
    return SiteFactory(name="Clinic Kibera")


@pytest.fixture
def pump(site: Area) -> Resource:
    return ResourceFactory(tag="AC-01", name="Autoclave", area=AreaFactory(parent=site, name="Sterile services"))


@pytest.fixture
def requester(site: Area) -> User:
    return make_role_user(REQUESTER, site=site, username="portal-requester")


@pytest.fixture
def supervisor(site: Area) -> User:
    return make_role_user(SUPERVISOR, site=site, username="portal-supervisor")


@pytest.fixture
def foreign_pump() -> Resource:
    return ResourceFactory(tag="ZZ-99", name="Pump of another site", area=AreaFactory(parent=SiteFactory()))


def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def png(name: str = "leak.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def report(**overrides: Any) -> dict[str, Any]:
    data = {"title": "Steam leaks at the door", "description": "Since this morning.", "priority": Priority.HIGH}
    data.update(overrides)
    return data


def order_attachments(order: WorkOrder) -> Any:
    return Attachment.objects.filter(content_type=ContentType.objects.get_for_model(WorkOrder), object_id=order.pk)


# --- Reporting ---------------------------------------------------------------------------------
def test_requester_reports_a_breakdown_with_a_photo_from_the_resource_page(
    client: Client, requester: User, pump: Resource
) -> None:
    client = logged_in(client, requester)
    url = f"{reverse('requests:new')}?resource={pump.pk}"
    page = client.get(url).content.decode()
    assert "AC-01" in page
    assert f'name="resource" value="{pump.pk}"' in page
    response = client.post(url, report(resource=pump.pk, photo=png()))
    assert response.status_code == 302
    assert response["Location"] == reverse("requests:mine")
    order = WorkOrder.objects.get()
    assert (order.kind, order.requester, order.resource) == (OrderKind.CORRECTIVE, requester, pump)
    assert order.execution_state == ExecutionState.REQUESTED
    assert order.priority == Priority.HIGH
    attachment = order_attachments(order).get()
    assert attachment.original_name == "leak.png"
    assert attachment.uploaded_by == requester


def test_a_bad_photo_loses_nothing_and_shows_the_error_on_the_photo(
    client: Client, requester: User, pump: Resource
) -> None:
    client = logged_in(client, requester)
    not_an_image = SimpleUploadedFile("leak.png", b"this is not a picture", content_type="image/png")
    response = client.post(reverse("requests:new"), report(resource=pump.pk, photo=not_an_image))
    assert response.status_code == 200
    assert response.context["form"].errors["photo"]
    assert not WorkOrder.objects.exists()
    assert not Attachment.objects.exists()
    # The chosen resource and what was typed are kept.
    text = response.content.decode()
    assert "Steam leaks at the door" in text
    assert f'name="resource" value="{pump.pk}"' in text


def test_a_photo_the_attachment_service_refuses_rolls_the_order_back(
    client: Client, requester: User, pump: Resource, settings: Any
) -> None:
    """The image is valid but too large for the attachment rules: the order is not created either."""
    settings.ATTACHMENT_MAX_BYTES = 10
    response = logged_in(client, requester).post(reverse("requests:new"), report(resource=pump.pk, photo=png()))
    assert response.status_code == 200
    assert "the limit is" in " ".join(response.context["form"].errors["photo"])
    assert not WorkOrder.objects.exists()
    assert not Attachment.objects.exists()


def test_missing_title_and_resource_are_inline_errors(client: Client, requester: User, pump: Resource) -> None:
    response = logged_in(client, requester).post(reverse("requests:new"), report(title="  "))
    form = response.context["form"]
    assert form.errors["title"]
    assert form.errors["resource"] == ["Choose the equipment that has the problem."]
    assert "Choose the equipment that has the problem." in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_search_finds_resources_of_my_sites_only(
    client: Client, requester: User, pump: Resource, foreign_pump: Resource
) -> None:
    client = logged_in(client, requester)
    response = client.get(reverse("requests:new"), {"q": "autoclave"})
    assert f'value="{pump.pk}"' in response.content.decode()
    partial = client.get(reverse("requests:new"), {"q": "pump"}, HTTP_HX_TARGET="resource-choices", **HTMX)
    assert partial.templates[0].name == "orders/portal/_resource_choices.html"
    assert "ZZ-99" not in partial.content.decode()
    assert "No equipment of your sites matches" in partial.content.decode()


def test_search_queries_are_constant_in_matches(client: Client, requester: User, site: Area) -> None:
    client = logged_in(client, requester)
    area = AreaFactory(parent=site)
    ResourceFactory(tag="FAN-00", name="Fan 0", area=area)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("requests:new"), {"q": "fan"}).status_code == 200
        return len(queries)

    few = count()
    for n in range(1, 12):
        ResourceFactory(tag=f"FAN-{n:02d}", name=f"Fan {n}", area=area)
    assert count() == few


def test_another_sites_resource_answers_404_and_cannot_be_posted(
    client: Client, requester: User, foreign_pump: Resource
) -> None:
    client = logged_in(client, requester)
    assert client.get(f"{reverse('requests:new')}?resource={foreign_pump.pk}").status_code == 404
    assert client.get(f"{reverse('requests:new')}?resource=abc").status_code == 404
    response = client.post(reverse("requests:new"), report(resource=foreign_pump.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["resource"]
    assert not WorkOrder.objects.exists()


def test_any_role_may_report_but_not_a_user_without_one(client: Client, site: Area, pump: Resource) -> None:
    storekeeper = make_role_user(STOREKEEPER, site=site)
    response = logged_in(client, storekeeper).post(reverse("requests:new"), report(resource=pump.pk))
    assert response.status_code == 302
    nobody = User.objects.create_user("no-role", password="x")
    client = logged_in(Client(), nobody)
    assert client.get(reverse("requests:new")).status_code == 403
    assert client.post(reverse("requests:new"), report(resource=pump.pk)).status_code == 403
    assert WorkOrder.objects.count() == 1


# --- My requests -------------------------------------------------------------------------------
def test_my_requests_lists_only_mine_with_state_and_empty_state(
    client: Client, requester: User, supervisor: User, pump: Resource
) -> None:
    client = logged_in(client, requester)
    assert "You have not reported any problem yet." in client.get(reverse("requests:mine")).content.decode()
    mine = services.order_request_corrective(entity=pump, user=requester, title="Door seal")
    theirs = services.order_request_corrective(entity=pump, user=supervisor, title="Gauge broken")
    services.order_reject(order=mine, user=supervisor, reason="Replaced last week")
    text = client.get(reverse("requests:mine")).content.decode()
    assert mine.number in text
    assert "Rejected" in text
    assert "Replaced last week" in text
    assert theirs.number not in text
    assert "None of your requests matches" in client.get(reverse("requests:mine"), {"status": "open"}).content.decode()


def test_my_requests_queries_are_constant_and_paginated(client: Client, requester: User, pump: Resource) -> None:
    client = logged_in(client, requester)
    services.order_request_corrective(entity=pump, user=requester, title="First")

    def count(**params: Any) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("requests:mine"), params)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    few, _ = count()
    container_area = AreaFactory(parent=pump.area.site)
    for n in range(22):
        entity = pump if n % 2 else container_area
        services.order_request_corrective(entity=entity, user=requester, title=f"Problem {n}")
    many, text = count()
    assert many == few
    assert "Page 1 of 2" in text
    _, second = count(page=2)
    assert "First" in second


def test_requests_of_a_site_i_left_are_no_longer_shown(
    client: Client, requester: User, pump: Resource, site: Area
) -> None:
    order = services.order_request_corrective(entity=pump, user=requester, title="Door seal")
    requester.employee.sites.remove(site)
    text = logged_in(client, requester).get(reverse("requests:mine")).content.decode()
    assert order.number not in text


# --- Notifications of state changes ------------------------------------------------------------
def test_requester_is_notified_when_someone_else_moves_the_request(
    requester: User, supervisor: User, pump: Resource
) -> None:
    order = services.order_request_corrective(entity=pump, user=requester, title="Door seal")
    assert not Notification.objects.exists()  # creating it is not news to the requester
    services.order_approve(order=order, user=supervisor)
    note = Notification.objects.get()
    assert note.recipient == requester
    assert order.number in note.title
    assert "approved" in note.title
    assert note.body == "Door seal"
    assert note.url
    services.order_release(order=order, user=supervisor)
    assert Notification.objects.filter(recipient=requester).count() == 2


def test_no_notification_for_own_actions_or_planned_orders(
    requester: User, supervisor: User, pump: Resource, site: Area
) -> None:
    order = services.order_request_corrective(entity=pump, user=requester, title="Door seal")
    services.order_cancel(order=order, user=requester, reason="Fixed it myself")
    assert not Notification.objects.exists()
    from orders.factories import planned_order

    planned = planned_order(pump, requester=requester)
    services.order_approve(order=planned, user=supervisor)
    assert not Notification.objects.exists()


def test_technician_steps_notify_the_requester_too(requester: User, supervisor: User, pump: Resource) -> None:
    technician = make_role_user(TECHNICIAN, site=pump.area.site)
    order = services.order_request_corrective(entity=pump, user=requester, title="Door seal")
    services.order_approve(order=order, user=supervisor)
    services.order_release(order=order, user=supervisor)
    services.order_begin(order=order, user=technician)
    titles = list(Notification.objects.filter(recipient=requester).order_by("id").values_list("title", flat=True))
    assert titles == [
        f"{order.number} is now approved",
        f"{order.number} is now released",
        f"{order.number} is now in progress",
    ]
