"""Work orders from ad-hoc activities of a plan instance: the service (what the order carries, its
sequence, who may, what is refused), the screen, the API and the resource page's panel."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from assets.models import Area, Resource
from core.api.testing import token_client
from core.errors import ActionForbidden, ActionNotAllowed
from core.roles import ADMINISTRATOR, PLANNER, REQUESTER, SUPERVISOR, TECHNICIAN
from inventory.factories import PartFactory
from inventory.models import Part
from orders import scheduler, services
from orders.models import ExecutionState, OrderKind, WebhookDelivery, WebhookEvent, WebhookSubscription, WorkOrder
from orders.panels import resource_ad_hoc_panel
from people.factories import CertificationFactory, make_role_user
from plans import services as plan_services
from plans.factories import (
    ActivityFactory,
    BillOfPartsLineFactory,
    ChecklistItemFactory,
    DataParameterFactory,
    PersonnelRequirementFactory,
    PlanInstanceFactory,
    approve_version,
    role_group,
)
from plans.models import Activity, MaintenancePlan, PlanInstance, Priority

pytestmark = pytest.mark.django_db


# --- Fixtures ----------------------------------------------------------------------------------
@pytest.fixture
def site() -> Area:
    return SiteFactory(name="Kisumu water works")


@pytest.fixture
def pump(site: Area) -> Resource:
    return ResourceFactory(tag="P-0101", name="Raw water pump 1", area=AreaFactory(parent=site))


@pytest.fixture
def planner(site: Area) -> User:
    return make_role_user(PLANNER, site=site, username="pat-planner")


@pytest.fixture
def supervisor(site: Area) -> User:
    return make_role_user(SUPERVISOR, site=site, username="sam-supervisor")


@pytest.fixture
def technician(site: Area) -> User:
    return make_role_user(TECHNICIAN, site=site, username="tina-tech")


@pytest.fixture
def requester(site: Area) -> User:
    return make_role_user(REQUESTER, site=site, username="rita-requester")


@pytest.fixture
def stranger() -> User:
    """A supervisor of another site."""
    return make_role_user(SUPERVISOR, site=SiteFactory(name="Eldoret depot"), username="otto-other")


def make_plan(planner: User, supervisor: User, code: str = "PUMP-AH", **ad_hoc: Any) -> MaintenancePlan:
    """A plan whose effective version 1 has a monthly activity and an ad-hoc "Seal replacement" with two
    checks, a value to collect, a certification required and a seal on its bill of parts."""
    version = plan_services.plan_create(user=planner, code=code, name="Pump care")
    ActivityFactory(version=version, code="monthly", name="Monthly inspection")
    activity = ActivityFactory(
        version=version,
        ad_hoc=True,
        code="seal",
        name="Seal replacement",
        instructions="Drain the casing first.",
        priority=Priority.HIGH,
        **ad_hoc,
    )
    ChecklistItemFactory(activity=activity, position=1, text="Old seal removed")
    ChecklistItemFactory(activity=activity, position=2, text="No leak after restart")
    DataParameterFactory(activity=activity, name="Casing temperature")
    PersonnelRequirementFactory(activity=activity, certification=CertificationFactory(name="Pressure systems"))
    part = Part.objects.filter(part_number="SEAL-01").first() or PartFactory(part_number="SEAL-01")
    BillOfPartsLineFactory(activity=activity, part=part, quantity=Decimal(2))
    approve_version(version, planner=planner, supervisor=supervisor)
    plan_services.version_make_effective(version=version, user=planner)
    return MaintenancePlan.objects.get(pk=version.plan_id)


@pytest.fixture
def plan(planner: User, supervisor: User) -> MaintenancePlan:
    return make_plan(planner, supervisor)


@pytest.fixture
def instance(plan: MaintenancePlan, pump: Resource) -> PlanInstance:
    """The plan on the pump, owned by the Planner role."""
    return PlanInstanceFactory(plan=plan, resource=pump, owner_role=role_group(PLANNER))


def seal(plan: MaintenancePlan) -> Activity:
    return Activity.objects.get(version_id=plan.effective_version_id, code="seal")


def create(instance: PlanInstance, user: User, **kwargs: Any) -> WorkOrder:
    activity = kwargs.pop("activity", None) or seal(instance.plan)
    return services.order_create_ad_hoc(plan_instance=instance, activity=activity, user=user, **kwargs)


# --- The service -------------------------------------------------------------------------------
def test_the_order_carries_the_activity_and_its_parts(instance, planner, technician, client):
    subscription = WebhookSubscription.objects.create(
        owner=make_role_user("Integrator", username="erp"),
        url="https://erp.example.org/hook",
        secret="s" * 32,
        events=[WebhookEvent.ORDER_CREATED],
    )
    order = create(instance, planner, description="Leaking since Monday.")
    order.refresh_from_db()
    activity = seal(instance.plan)
    assert (order.kind, order.plan_instance_id, order.activity_id, order.activity_code, order.sequence) == (
        OrderKind.PLANNED,
        instance.pk,
        activity.pk,
        "seal",
        1,
    )
    assert (order.title, order.description, order.priority) == ("Seal replacement", "Leaking since Monday.", 3)
    assert (order.resource_id, order.site_id, order.requester_id) == (
        instance.resource_id,
        instance.resource.area.site_id,
        planner.pk,
    )
    assert order.execution_state == ExecutionState.REQUESTED
    assert order.number.startswith("WO-")
    assert [(p.part.part_number, p.quantity) for p in order.planned_parts.select_related("part")] == [
        ("SEAL-01", Decimal(2))
    ]
    first = order.history.earliest("history_date")
    assert (first.history_type, first.history_change_reason, first.history_user_id) == ("+", "ad hoc", planner.pk)
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert (delivery.event, delivery.order_id, delivery.transition) == ("order.created", order.pk, "ad hoc")

    # The order page shows the activity's checklist, data collection, instructions and requirements.
    services.order_approve(order=order, user=planner)
    services.order_release(order=order, user=planner)
    client.force_login(technician)
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    for text in (
        "Old seal removed",
        "No leak after restart",
        "Casing temperature",
        "Drain the casing first.",
        "Leaking since Monday.",
        "SEAL-01",
        "certification Pressure systems is required",
    ):
        assert text in html, text


def test_title_priority_and_due_time_given(instance, planner):
    due = timezone.now() + datetime.timedelta(days=2)
    order = create(instance, planner, title="  Seal of pump 1  ", priority=Priority.URGENT, due_at=due)
    assert (order.title, order.priority, order.due_at, order.late_due_at) == ("Seal of pump 1", 4, due, due)


def test_sequences_follow_each_other(instance, planner, supervisor):
    # The scheduler's orders of the monthly activity count apart (the sequence is per activity code).
    generated = scheduler.generate(instance_ids=[instance.pk])
    assert [(o.activity_code, o.sequence) for o in generated] == [("monthly", 1)]
    first = create(instance, planner)
    second = create(instance, supervisor)
    assert (first.sequence, second.sequence) == (1, 2)
    assert second.number != first.number
    # The scheduler never makes ad-hoc orders, and the ad-hoc ones do not disturb it.
    assert scheduler.generate(instance_ids=[instance.pk]) == []


def test_automatic_steps_run_and_release_reserves_the_parts(planner, supervisor, pump):
    plan = make_plan(planner, supervisor, code="PUMP-AUTO", auto_approve=True, auto_release=True)
    instance = PlanInstanceFactory(plan=plan, resource=pump, owner_role=role_group(PLANNER))
    order = create(instance, planner)
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.RELEASED
    reasons = list(order.history.order_by("history_date", "history_id").values_list("history_change_reason", flat=True))
    assert reasons == ["ad hoc", "auto-approve", "auto-release"]


@pytest.mark.parametrize("role", [SUPERVISOR, ADMINISTRATOR])
def test_supervisors_and_administrators_may_create(role, instance, site):
    user = make_role_user(role, site=site)
    assert create(instance, user).plan_instance_id == instance.pk


@pytest.mark.parametrize("user_fixture", ["technician", "requester", "stranger"])
def test_others_may_not_create(user_fixture, request, instance):
    with pytest.raises(ActionForbidden):
        create(instance, request.getfixturevalue(user_fixture))
    assert not WorkOrder.objects.exists()


def test_planner_not_owning_the_instance_may_not(plan, pump, planner):
    instance = PlanInstanceFactory(plan=plan, resource=pump, owner_role=role_group(SUPERVISOR))
    with pytest.raises(ActionForbidden, match="owner role"):
        create(instance, planner)


def test_an_activity_that_is_not_ad_hoc_is_refused(instance, planner):
    monthly = Activity.objects.get(version_id=instance.plan.effective_version_id, code="monthly")
    with pytest.raises(ActionNotAllowed, match="only ad-hoc activities"):
        create(instance, planner, activity=monthly)


def test_an_activity_not_of_the_effective_version_is_refused(instance, planner, supervisor):
    draft = plan_services.version_create_draft(plan=instance.plan, user=planner)
    draft_seal = draft.activities.get(code="seal")
    with pytest.raises(ActionNotAllowed, match="effective version"):
        create(instance, planner, activity=draft_seal)
    other_plan = make_plan(planner, supervisor, code="OTHER")
    with pytest.raises(ActionNotAllowed, match="effective version"):
        create(instance, planner, activity=seal(other_plan))
    assert not WorkOrder.objects.exists()


def test_an_inactive_instance_is_refused(instance, planner):
    plan_services.planinstance_deactivate(instance=instance, user=planner, reason="Pump sold")
    with pytest.raises(ActionNotAllowed, match="no longer active"):
        create(instance, planner)


def test_a_due_time_in_the_past_and_a_bad_priority_are_refused(instance, planner):
    with pytest.raises(ActionNotAllowed, match="past"):
        create(instance, planner, due_at=timezone.now() - datetime.timedelta(days=3))
    with pytest.raises(ActionNotAllowed, match="priority"):
        create(instance, planner, priority=9)


# --- The screen --------------------------------------------------------------------------------
def screen_url(instance: PlanInstance) -> str:
    return reverse("orders:ad_hoc_create", args=[instance.pk])


def test_screen_offers_the_ad_hoc_activities_and_creates_the_order(client, instance, planner):
    client.force_login(planner)
    response = client.get(screen_url(instance))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Seal replacement" in html
    assert "Monthly inspection" not in html
    assert "2 checks" in html
    assert "1 value to collect" in html
    assert "1 part planned" in html
    activity = seal(instance.plan)
    assert f'value="{activity.pk}" checked' in html  # the only one is chosen
    response = client.post(
        screen_url(instance), {"activity": activity.pk, "title": "", "description": "Drips", "priority": ""}
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    assert (order.activity_id, order.title, order.description, order.priority) == (
        activity.pk,
        activity.name,
        "Drips",
        3,
    )


def test_screen_shows_errors(client, instance, planner):
    client.force_login(planner)
    response = client.post(screen_url(instance), {"activity": "", "priority": "7"})
    assert response.status_code == 400
    assert "Choose the activity to do." in response.content.decode()
    monthly = Activity.objects.get(version_id=instance.plan.effective_version_id, code="monthly")
    response = client.post(screen_url(instance), {"activity": monthly.pk})
    assert response.status_code == 400  # not among the choices
    past = (timezone.localtime() - datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(screen_url(instance), {"activity": seal(instance.plan).pk, "due_at": past})
    assert response.status_code == 400
    assert "cannot be in the past" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_screen_on_an_inactive_instance(client, instance, planner):
    plan_services.planinstance_deactivate(instance=instance, user=planner, reason="Pump sold")
    client.force_login(planner)
    assert "no longer active" in client.get(screen_url(instance)).content.decode()
    response = client.post(screen_url(instance), {"activity": seal(instance.plan).pk})
    assert response.status_code == 409
    assert "no longer active" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_screen_empty_state_without_ad_hoc_activities(client, planner, supervisor, pump):
    version = plan_services.plan_create(user=planner, code="ONLY-TIME", name="Only scheduled")
    ActivityFactory(version=version)
    approve_version(version, planner=planner, supervisor=supervisor)
    plan_services.version_make_effective(version=version, user=planner)
    instance = PlanInstanceFactory(plan_id=version.plan_id, resource=pump, owner_role=role_group(PLANNER))
    client.force_login(planner)
    response = client.get(screen_url(instance))
    assert response.status_code == 200
    assert "has no ad-hoc activity" in response.content.decode()


@pytest.mark.parametrize(("user_fixture", "status"), [("technician", 403), ("requester", 403), ("stranger", 404)])
def test_screen_forbidden(user_fixture, status, request, client, instance):
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get(screen_url(instance)).status_code == status
    assert client.post(screen_url(instance), {"activity": seal(instance.plan).pk}).status_code == status
    assert not WorkOrder.objects.exists()


def test_screen_needs_a_login(instance):
    response = Client().get(screen_url(instance))
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- The resource page's panel -----------------------------------------------------------------
def test_panel_lists_the_ad_hoc_activities_for_those_who_may(client, instance, planner, technician):
    resource_url = reverse("assets:resource_detail", args=[instance.resource_id])
    client.force_login(planner)
    html = client.get(resource_url).content.decode()
    assert "Ad-hoc work from the applied plans" in html
    assert f"{screen_url(instance)}?activity={seal(instance.plan).pk}" in html
    client.force_login(technician)
    assert "Ad-hoc work from the applied plans" not in client.get(resource_url).content.decode()


def test_panel_hidden_for_inactive_instances(client, instance, planner):
    plan_services.planinstance_deactivate(instance=instance, user=planner, reason="Pump sold")
    client.force_login(planner)
    html = client.get(reverse("assets:resource_detail", args=[instance.resource_id])).content.decode()
    assert "Ad-hoc work from the applied plans" not in html


def test_panel_query_count_does_not_grow_with_plans(client, planner, supervisor, pump, django_assert_max_num_queries):
    def panel_queries() -> int:
        request = RequestFactory().get("/")
        request.user = User.objects.get(pk=planner.pk)
        request.user.has_perm("orders.view_workorder")  # permissions cached, as on the page
        with CaptureQueriesContext(connection) as captured:
            context = resource_ad_hoc_panel(request, pump)
            assert context is not None
            for instance in context["ad_hoc_instances"]:
                assert [a.code for a in instance.ad_hoc_activities] == ["seal"]
        return len(captured)

    plan = make_plan(planner, supervisor, code="PLAN-1")
    PlanInstanceFactory(plan=plan, resource=pump, owner_role=role_group(PLANNER))
    one = panel_queries()
    for number in range(2, 6):
        plan = make_plan(planner, supervisor, code=f"PLAN-{number}")
        PlanInstanceFactory(plan=plan, resource=pump, owner_role=role_group(PLANNER))
    assert panel_queries() == one <= 4
    client.force_login(planner)
    with django_assert_max_num_queries(40):
        assert client.get(reverse("assets:resource_detail", args=[pump.pk])).status_code == 200


# --- The API -----------------------------------------------------------------------------------
def api_url(instance: PlanInstance) -> str:
    return reverse("api:planinstance-adhoc-ad-hoc-orders", args=[instance.pk])


def test_api_creates_by_id_or_code(instance, planner):
    api = token_client(planner)
    activity = seal(instance.plan)
    response = api.post(api_url(instance), {"activity": activity.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["plan_instance"], body["sequence"], body["title"]) == (
        "planned",
        instance.pk,
        1,
        "Seal replacement",
    )
    [line] = body["planned_parts"]
    assert Decimal(line["quantity"]) == 2
    assert line["part"] == activity.parts.get().part_id
    due = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    response = api.post(
        api_url(instance),
        {"activity": "seal", "title": "Seal again", "priority": 4, "due_at": due, "description": "Still drips"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["sequence"], response.json()["title"], response.json()["priority"]) == (2, "Seal again", 4)


def test_api_bad_input_answers_400(instance, planner):
    api = token_client(planner)
    assert api.post(api_url(instance), {}, format="json").status_code == 400
    response = api.post(api_url(instance), {"activity": "no-such-code"}, format="json")
    assert response.status_code == 400
    assert "activity" in response.json()
    assert api.post(api_url(instance), {"activity": "seal", "priority": 9}, format="json").status_code == 400
    past = (timezone.now() - datetime.timedelta(days=3)).isoformat()
    assert api.post(api_url(instance), {"activity": "seal", "due_at": past}, format="json").status_code == 400
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize(("user_fixture", "status"), [("technician", 403), ("requester", 403), ("stranger", 404)])
def test_api_forbidden(user_fixture, status, request, instance):
    response = token_client(request.getfixturevalue(user_fixture)).post(
        api_url(instance), {"activity": "seal"}, format="json"
    )
    assert response.status_code == status
    assert "detail" in response.json()
    assert not WorkOrder.objects.exists()


def test_api_owner_role_refusal_answers_403(plan, pump, planner):
    instance = PlanInstanceFactory(plan=plan, resource=pump, owner_role=role_group(SUPERVISOR))
    response = token_client(planner).post(api_url(instance), {"activity": "seal"}, format="json")
    assert response.status_code == 403
    assert "owner role" in response.json()["detail"]


def test_api_not_possible_answers_409(instance, planner):
    api = token_client(planner)
    response = api.post(api_url(instance), {"activity": "monthly"}, format="json")
    assert response.status_code == 409
    assert "ad-hoc" in response.json()["detail"]
    plan_services.planinstance_deactivate(instance=instance, user=planner, reason="Pump sold")
    response = api.post(api_url(instance), {"activity": "seal"}, format="json")
    assert response.status_code == 409
    assert "no longer active" in response.json()["detail"]


def test_api_unknown_instance_answers_404(planner):
    response = token_client(planner).post(
        reverse("api:planinstance-adhoc-ad-hoc-orders", args=[999999]), {"activity": "seal"}, format="json"
    )
    assert response.status_code == 404
