"""The work-order API: lists scoped and filtered with a constant query count, transitions as POST actions
per role (allowed, forbidden, not possible now), corrective requests, and the records on an order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assets.factories import AreaFactory, CounterFactory, ResourceFactory, SiteFactory
from core.api.testing import token_client
from inventory.factories import PartFactory
from orders import services
from orders.factories import in_progress_order, planned_order, released_order
from orders.models import ExecutionState, WorkOrder
from people.factories import make_role_user
from plans.factories import ActivityFactory, ChecklistItemFactory, DataParameterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory()


@pytest.fixture
def other_site():
    return SiteFactory()


@pytest.fixture
def resource(site):
    return ResourceFactory(area=AreaFactory(parent=site))


@pytest.fixture
def foreign_resource(other_site):
    return ResourceFactory(area=AreaFactory(parent=other_site))


@pytest.fixture
def sup(site):
    return make_role_user("Supervisor", site=site, username="sup")


@pytest.fixture
def tech(site):
    return make_role_user("Technician", site=site, username="tech")


@pytest.fixture
def requester(site):
    return make_role_user("Requester", site=site, username="req")


@pytest.fixture
def integrator():
    return make_role_user("Integrator", username="integrator")


def url(name, *args):
    return reverse(f"api:{name}", args=args)


# --- Lists and details -------------------------------------------------------------------------
def test_order_list_is_scoped_filtered_and_constant_in_queries(
    resource, foreign_resource, sup, django_assert_max_num_queries
):
    for _ in range(3):
        planned_order(resource)
    other = planned_order(foreign_resource)
    client = token_client(sup)
    with django_assert_max_num_queries(7):
        first = client.get(url("workorder-list"), {"page_size": 2})
    for _ in range(20):
        planned_order(resource)
    with django_assert_max_num_queries(7):
        again = client.get(url("workorder-list"), {"page_size": 50})
    assert first.status_code == 200, first.content
    assert len(first.json()["results"]) == 2
    assert first.json()["next"] is not None
    assert "count" not in first.json()
    ids = {row["id"] for row in again.json()["results"]}
    assert len(ids) == 23
    assert other.pk not in ids
    assert client.get(url("workorder-detail", other.pk)).status_code == 404


def test_order_list_shares_the_screens_filters_and_orders(resource, sup):
    late = planned_order(resource)
    WorkOrder.objects.filter(pk=late.pk).update(schedule_state="late_due")
    planned_order(resource)
    client = token_client(sup)
    response = client.get(url("workorder-list"), {"schedule_state": "late_due"})
    assert [row["id"] for row in response.json()["results"]] == [late.pk]
    assert client.get(url("workorder-list"), {"schedule_state": "nonsense"}).status_code == 400
    ordered = client.get(url("workorder-list"), {"ordering": "id"}).json()["results"]
    assert [row["id"] for row in ordered] == sorted(row["id"] for row in ordered)


def test_updated_since_returns_only_changed_orders(resource, sup):
    old, changed = planned_order(resource), planned_order(resource)
    WorkOrder.objects.filter(pk=old.pk).update(updated_at="2020-01-01T00:00:00Z")
    client = token_client(sup)
    response = client.get(url("workorder-list"), {"updated_since": "2025-01-01T00:00:00Z"})
    assert [row["id"] for row in response.json()["results"]] == [changed.pk]
    bad = client.get(url("workorder-list"), {"updated_since": "yesterday"})
    assert bad.status_code == 400
    assert "updated_since" in bad.json()
    # Valid ISO 8601 that PostgreSQL would refuse as sent: an offset beyond ±15:59, a year past 9999 in UTC.
    far_offset = client.get(url("workorder-list"), {"updated_since": "2024-12-31T10:00:00-19:43"})
    assert [row["id"] for row in far_offset.json()["results"]] == [changed.pk]
    too_late = client.get(url("workorder-list"), {"updated_since": "9999-12-31T23:00:00-05:00"})
    assert too_late.status_code == 400
    assert "updated_since" in too_late.json()


def test_order_detail_query_count(resource, sup, django_assert_max_num_queries):
    order = planned_order(resource)
    client = token_client(sup)
    with django_assert_max_num_queries(8):
        response = client.get(url("workorder-detail", order.pk))
    assert response.status_code == 200
    assert response.json()["execution_state"] == "requested"
    assert response.json()["assignments"] == []


def test_anonymous_callers_are_refused(resource):
    from rest_framework.test import APIClient

    response = APIClient().get(url("workorder-list"))
    assert response.status_code in (401, 403)


# --- Transitions -------------------------------------------------------------------------------
def test_supervisor_approves_and_releases_technician_begins(resource, sup, tech):
    order = planned_order(resource)
    assert token_client(sup).post(url("workorder-approve", order.pk)).json()["execution_state"] == "approved"
    assert token_client(sup).post(url("workorder-release", order.pk)).json()["execution_state"] == "released"
    response = token_client(tech).post(url("workorder-begin", order.pk))
    assert response.status_code == 200, response.content
    assert response.json()["execution_state"] == "in_progress"


def test_technician_may_not_approve_403(resource, tech):
    order = planned_order(resource)
    response = token_client(tech).post(url("workorder-approve", order.pk))
    assert response.status_code == 403
    assert "owner role" in response.json()["detail"]
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.REQUESTED


def test_transition_not_possible_now_is_409_with_a_message(resource, sup):
    order = planned_order(resource)
    response = token_client(sup).post(url("workorder-release", order.pk))
    assert response.status_code == 409
    assert "requested" in response.json()["detail"]


def test_requester_cannot_act_on_orders_by_post(resource, requester):
    order = planned_order(resource)
    client = token_client(requester)
    for name in ("approve", "release", "begin", "complete"):
        assert client.post(url(f"workorder-{name}", order.pk)).status_code == 403, name
    assert client.post(url("workorder-skip", order.pk), {"reason": "no"}).status_code == 403


def test_other_sites_orders_answer_404_to_actions(foreign_resource, sup):
    order = planned_order(foreign_resource)
    assert token_client(sup).post(url("workorder-approve", order.pk)).status_code == 404


def test_skip_needs_a_reason_and_state_fields_are_read_only(resource, sup):
    order = planned_order(resource)
    client = token_client(sup)
    assert client.post(url("workorder-skip", order.pk), {"reason": " "}).status_code == 409
    assert client.patch(url("workorder-detail", order.pk), {"execution_state": "closed"}).status_code == 405
    response = client.post(url("workorder-skip", order.pk), {"reason": "Out of service"})
    assert response.json()["execution_state"] == "skipped"
    assert response.json()["state_reason"] == "Out of service"


def test_complete_accept_with_signature_and_rework(resource, sup, tech):
    activity = ActivityFactory(requires_signature=True)
    order = in_progress_order(resource, sup, tech, activity=activity)
    assert token_client(tech).post(url("workorder-complete", order.pk)).status_code == 200
    client = token_client(sup)
    unsigned = client.post(url("workorder-accept", order.pk), {})
    assert unsigned.status_code == 400
    assert "enter it again" in unsigned.json()["password"][0]
    rework = client.post(url("workorder-rework", order.pk), {"reason": "Leaks again"})
    assert rework.status_code == 201
    assert rework.json()["kind"] == "rework"
    assert rework.json()["rework_of"] == order.pk


def test_accept_with_signature(resource, sup, tech):
    from core.testing import TEST_PASSWORD

    order = in_progress_order(resource, sup, tech, activity=ActivityFactory(requires_signature=True))
    services.order_complete(order=order, user=tech)
    response = token_client(sup).post(
        url("workorder-accept", order.pk), {"password": TEST_PASSWORD, "meaning": "reviewed", "statement": "Verified"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["execution_state"] == "closed"
    [signature] = response.json()["signatures"]
    assert (signature["meaning"], signature["statement"], signature["valid"]) == ("reviewed", "Verified", True)
    assert signature["signer"] == sup.pk
    assert "password" not in signature


def test_join_and_cancel(resource, sup, requester):
    first, duplicate = planned_order(resource), planned_order(resource, activity=ActivityFactory())
    client = token_client(sup)
    assert client.post(url("workorder-join", duplicate.pk), {"into": 10**12}).status_code == 404
    response = client.post(url("workorder-join", duplicate.pk), {"into": first.pk})
    assert response.json()["execution_state"] == "closed_as_joined"
    mine = services.order_request_corrective(entity=resource, user=requester, title="Noise")
    assert token_client(requester).post(url("workorder-cancel", mine.pk), {}).json()["execution_state"] == "canceled"


def test_assign_by_owner_and_not_by_technician(resource, sup, tech):
    order = planned_order(resource)
    employee = tech.employee
    assert token_client(tech).post(url("workorder-assign", order.pk), {"employees": [employee.pk]}).status_code == 403
    response = token_client(sup).post(url("workorder-assign", order.pk), {"employees": [employee.pk]})
    assert response.status_code == 200
    assert [row["employee"] for row in response.json()] == [employee.pk]


# --- Corrective requests -----------------------------------------------------------------------
def test_requester_reports_a_breakdown(resource, requester):
    response = token_client(requester).post(
        url("workorder-list"), {"resource": resource.pk, "title": "Pump leaking", "priority": 3}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "corrective"
    assert body["requester"] == requester.pk
    assert body["execution_state"] == "requested"


def test_corrective_request_bad_input_is_400_with_field_errors(resource, foreign_resource, requester, sup):
    client = token_client(requester)
    assert "title" in client.post(url("workorder-list"), {"resource": resource.pk}).json()
    foreign = client.post(url("workorder-list"), {"resource": foreign_resource.pk, "title": "x"})
    assert foreign.status_code == 400
    assert "resource" in foreign.json()
    both = client.post(url("workorder-list"), {"resource": resource.pk, "area": resource.area_id, "title": "x"})
    assert "non_field_errors" in both.json()
    storekeeper = make_role_user("Storekeeper", site=resource.area.site)
    assert (
        token_client(storekeeper).post(url("workorder-list"), {"resource": resource.pk, "title": "x"}).status_code
        == 403
    )


# --- Records on an order -----------------------------------------------------------------------
@pytest.fixture
def working(resource, sup, tech):
    activity = ActivityFactory()
    ChecklistItemFactory(activity=activity, text="Valve closed")
    DataParameterFactory(activity=activity, name="Temperature")
    return in_progress_order(resource, sup, tech, activity=activity)


def test_technician_records_checklist_data_parts_labour_comment_and_file(working, tech, django_assert_max_num_queries):
    client = token_client(tech)
    item = working.activity.checklist_items.get()
    parameter = working.activity.data_parameters.get()
    part = PartFactory()
    answer = client.post(url("checklistanswer-list", working.pk), {"item": item.pk, "done": True})
    assert answer.status_code == 201, answer.content
    value = client.post(url("datavalue-list", working.pk), {"parameter": parameter.pk, "value": "71.5"})
    assert value.status_code == 201, value.content
    used = client.post(url("usedpart-list", working.pk), {"part": part.pk, "quantity": "2"})
    assert used.json()["unit_cost"] == "35.0000"
    labour = client.post(url("labourentry-list", working.pk), {"hours": "1.5"})
    assert labour.json()["hours"] == "1.50"
    comment = client.post(url("comment-list", working.pk), {"text": "Replaced seal"})
    assert comment.status_code == 201
    upload = SimpleUploadedFile("report.txt", b"all good", content_type="text/plain")
    attached = client.post(url("attachment-list", working.pk), {"file": upload, "title": "Report"}, format="multipart")
    assert attached.status_code == 201, attached.content
    for name in ("checklistanswer", "datavalue", "usedpart", "labourentry", "comment", "attachment"):
        with django_assert_max_num_queries(9):
            listed = client.get(url(f"{name}-list", working.pk))
        assert listed.status_code == 200, name
        assert len(listed.json()["results"]) == 1, name
    assert client.post(url("workorder-complete", working.pk)).json()["execution_state"] == "waiting_for_acceptance"


def test_recording_refusals(working, requester, resource, sup):
    part = PartFactory()
    assert (
        token_client(requester).post(url("usedpart-list", working.pk), {"part": part.pk, "quantity": "1"}).status_code
        == 403
    )
    client = token_client(sup)
    assert client.post(url("usedpart-list", working.pk), {"part": part.pk, "quantity": "-1"}).status_code == 400
    assert client.post(url("labourentry-list", working.pk), {"hours": "30"}).status_code == 400
    requested = planned_order(resource)
    refused = client.post(url("comment-list", requested.pk), {"text": ""})
    assert refused.status_code == 400
    closed_for_work = client.post(url("usedpart-list", requested.pk), {"part": part.pk, "quantity": "1"})
    assert closed_for_work.status_code == 409


def test_records_of_other_sites_orders_answer_404(foreign_resource, sup):
    order = planned_order(foreign_resource)
    assert token_client(sup).get(url("comment-list", order.pk)).status_code == 404
    assert token_client(sup).post(url("comment-list", order.pk), {"text": "hi"}).status_code == 404


def test_clock_start_and_stop(working, tech):
    client = token_client(tech)
    started = client.post(url("workorder-clock-start", working.pk))
    assert started.status_code == 201, started.content
    assert client.post(url("workorder-clock-start", working.pk)).status_code == 409
    stopped = client.post(url("workorder-clock-stop", working.pk), {"note": "done"})
    assert stopped.status_code == 200
    assert Decimal(stopped.json()["hours"]) >= 0


def test_integrator_reads_every_site_but_needs_a_role_to_act(resource, foreign_resource, integrator):
    mine, theirs = planned_order(resource), planned_order(foreign_resource)
    client = token_client(integrator)
    ids = {row["id"] for row in client.get(url("workorder-list")).json()["results"]}
    assert {mine.pk, theirs.pk} <= ids
    assert client.post(url("workorder-approve", mine.pk)).status_code == 403


def test_bearer_token_and_session_authentication(resource, sup):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    order = planned_order(resource)
    token = Token.objects.create(user=sup)
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert bearer.get(url("workorder-detail", order.pk)).status_code == 200
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(sup)
    assert session.get(url("workorder-detail", order.pk)).status_code == 200
    assert session.post(url("workorder-approve", order.pk)).status_code == 403  # no CSRF token


def test_released_order_for_planned_parts_detail(resource, sup):
    order = released_order(resource, sup)
    assert token_client(sup).get(url("workorder-detail", order.pk)).json()["planned_parts"] == []


def test_order_list_rows_are_exactly_what_the_serializer_answers(resource, sup, tech, settings):
    """The list builds rows from tuples (no model instances): same fields, values and formats as
    WorkOrderSerializer, in UTC and in another time zone."""
    from orders.api import WorkOrderSerializer

    working = in_progress_order(resource, sup, tech)
    WorkOrder.objects.filter(pk=working.pk).update(
        counter=CounterFactory(resource=resource),
        early_due_value=Decimal("12.5"),
        due_value=Decimal("15"),
        state_reason="Waiting for parts",
    )
    planned_order(resource)
    client = token_client(sup)
    for zone in ("UTC", "America/Sao_Paulo"):
        settings.TIME_ZONE = zone
        rows = client.get(url("workorder-list")).json()["results"]
        expected = WorkOrderSerializer(WorkOrder.objects.order_by("-id"), many=True).data
        assert rows == [dict(row) for row in expected]
    assert any(row["started_at"] for row in rows)


def test_accept_is_locked_after_three_wrong_signatures(resource, sup, tech):
    from core.testing import TEST_PASSWORD

    order = in_progress_order(resource, sup, tech, activity=ActivityFactory(requires_signature=True))
    services.order_complete(order=order, user=tech)
    client = token_client(sup)
    for _attempt in range(3):
        wrong = client.post(url("workorder-accept", order.pk), {"password": "nope"})
        assert wrong.status_code == 400
    assert "locked until" in wrong.json()["password"][0]
    locked = client.post(url("workorder-accept", order.pk), {"password": TEST_PASSWORD})
    assert locked.status_code == 423
    assert "Signing is locked until" in locked.json()["detail"]
    assert client.get(url("workorder-detail", order.pk)).json()["execution_state"] == "waiting_for_acceptance"
