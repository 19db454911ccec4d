"""Every execution transition of a work order, allowed and forbidden, by role, state and condition."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django_fsm import can_proceed

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.errors import ActionForbidden, ActionNotAllowed
from core.testing import TEST_PASSWORD
from orders import services
from orders.models import ChecklistAnswer, DataValue, ExecutionState, OrderKind, ScheduleState, WorkOrder
from people.factories import CertificationFactory, EmployeeCertificationFactory, make_role_user
from people.signature_models import Signature
from people.signatures import SignatureRefused, verify
from plans.factories import ActivityFactory, ChecklistItemFactory, DataParameterFactory, PersonnelRequirementFactory
from plans.models import PlanInstance

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory()


@pytest.fixture
def resource(site):
    return ResourceFactory(area=AreaFactory(parent=site))


@pytest.fixture
def people(site):
    return {
        "technician": make_role_user("Technician", site=site, username="tech"),
        "supervisor": make_role_user("Supervisor", site=site, username="sup"),
        "requester": make_role_user("Requester", site=site, username="req"),
        "planner": make_role_user("Planner", site=site, username="plan"),
    }


def planned_order(resource, *, activity=None, owner="Supervisor", **fields) -> WorkOrder:
    activity = activity or ActivityFactory()
    instance = PlanInstance.objects.create(
        plan=activity.version.plan,
        resource=resource,
        owner_role=Group.objects.get(name=owner),
        start_date=datetime.date(2026, 1, 1),
    )
    order = WorkOrder(
        number=services.allocate_order_numbers(1)[0],
        kind=OrderKind.PLANNED,
        plan_instance=instance,
        activity=activity,
        activity_code=activity.code,
        sequence=1,
        site=resource.area.site,
        resource=resource,
        title=activity.name,
        **fields,
    )
    order.save()
    return order


def release(order, people):
    services.order_approve(order=order, user=people["supervisor"])
    return services.order_release(order=order, user=people["supervisor"])


def test_the_whole_path(resource, people):
    order = planned_order(resource)
    order = release(order, people)
    order = services.order_begin(order=order, user=people["technician"])
    assert order.started_at is not None
    order = services.order_complete(order=order, user=people["technician"])
    assert order.execution_state == ExecutionState.WAITING_FOR_ACCEPTANCE
    order = services.order_accept(order=order, user=people["supervisor"])
    assert order.execution_state == ExecutionState.CLOSED
    assert order.closed_at is not None
    assert order.accepted_at is not None
    last = order.history.first()
    assert last.history_user == people["supervisor"]
    assert last.history_change_reason == "accept"


@pytest.mark.parametrize("role", ["technician", "requester", "planner"])
def test_only_the_owner_role_approves(resource, people, role):
    order = planned_order(resource)
    with pytest.raises(ActionForbidden, match="owner role"):
        services.order_approve(order=order, user=people[role])
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.REQUESTED


def test_owner_role_follows_the_plan_instance(resource, people):
    order = planned_order(resource, owner="Planner")
    with pytest.raises(ActionForbidden):
        services.order_approve(order=order, user=people["supervisor"])
    assert services.order_approve(order=order, user=people["planner"]).execution_state == ExecutionState.APPROVED


def test_transitions_refused_in_the_wrong_state(resource, people):
    order = planned_order(resource)
    with pytest.raises(ActionNotAllowed, match="requested cannot be released"):
        services.order_release(order=order, user=people["supervisor"])
    with pytest.raises(ActionNotAllowed, match="cannot be accepted"):
        services.order_accept(order=order, user=people["supervisor"])
    services.order_approve(order=order, user=people["supervisor"])
    with pytest.raises(ActionNotAllowed, match="approved cannot be approved"):
        services.order_approve(order=order, user=people["supervisor"])


def test_only_the_executing_role_begins_and_completes(resource, people):
    order = release(planned_order(resource), people)
    with pytest.raises(ActionForbidden, match="Only the role Technician"):
        services.order_begin(order=order, user=people["supervisor"])
    services.order_begin(order=order, user=people["technician"])
    # Whoever begins is on the order from then on (assigned once, however often the page is posted).
    assert list(order.assignments.values_list("employee__user", "assigned_by")) == [
        (people["technician"].pk, people["technician"].pk)
    ]
    with pytest.raises(ActionForbidden):
        services.order_complete(order=order, user=people["requester"])


def test_begin_needs_valid_certifications(resource, people):
    confined = CertificationFactory(name="Confined space")
    activity = ActivityFactory()
    PersonnelRequirementFactory(activity=activity, certification=confined)
    order = release(planned_order(resource, activity=activity), people)
    technician = people["technician"]
    assert "certification Confined space is required" in services.begin_refusal(order, technician)
    held = EmployeeCertificationFactory(
        employee=technician.employee,
        certification=confined,
        valid_from=datetime.date(2024, 1, 1),
        valid_to=datetime.date(2025, 10, 1),
    )
    with pytest.raises(ActionNotAllowed, match="certification Confined space expired on 2025-10-01"):
        services.order_begin(order=order, user=technician)
    held.valid_to = timezone.localdate() + datetime.timedelta(days=30)
    held.save()
    assert services.begin_refusal(order, technician) is None
    assert services.order_begin(order=order, user=technician).execution_state == ExecutionState.IN_PROGRESS


def test_assigned_orders_begin_only_by_an_assignee(resource, people, site):
    order = release(planned_order(resource), people)
    other = make_role_user("Technician", site=site, username="other-tech")
    order.assignments.create(employee=other.employee)
    with pytest.raises(ActionNotAllowed, match="assigned to someone else"):
        services.order_begin(order=order, user=people["technician"])
    services.order_begin(order=order, user=other)
    assert list(order.assignments.values_list("employee__user", flat=True)) == [other.pk]  # not twice


def test_complete_needs_required_checklist_and_data(resource, people):
    activity = ActivityFactory()
    item = ChecklistItemFactory(activity=activity, text="Seal dry", required=True)
    ChecklistItemFactory(activity=activity, text="Optional note", required=False)
    parameter = DataParameterFactory(activity=activity, name="Vibration", unit="mm/s")
    order = release(planned_order(resource, activity=activity), people)
    services.order_begin(order=order, user=people["technician"])
    with pytest.raises(ActionNotAllowed, match="Seal dry; Vibration"):
        services.order_complete(order=order, user=people["technician"])
    ChecklistAnswer.objects.create(order=order, item=item, done=True)
    value = DataValue.objects.create(order=order, parameter=parameter, value=Decimal("85"))
    assert value.evaluation == "action"
    assert services.order_complete(order=order, user=people["technician"]).execution_state == (
        ExecutionState.WAITING_FOR_ACCEPTANCE
    )


def test_automatic_steps_chain(resource, people):
    activity = ActivityFactory(auto_approve=True, auto_release=True, auto_accept=True)
    order = services.apply_automatic_steps(planned_order(resource, activity=activity))
    assert order.execution_state == ExecutionState.RELEASED
    services.order_begin(order=order, user=people["technician"])
    order = services.order_complete(order=order, user=people["technician"])
    assert order.execution_state == ExecutionState.CLOSED


def test_auto_release_after_a_manual_approval(resource, people):
    order = planned_order(resource, activity=ActivityFactory(auto_release=True))
    assert services.order_approve(order=order, user=people["supervisor"]).execution_state == ExecutionState.RELEASED


def test_acceptance_with_electronic_signature(resource, people):
    order = release(planned_order(resource, activity=ActivityFactory(requires_signature=True)), people)
    services.order_begin(order=order, user=people["technician"])
    services.order_complete(order=order, user=people["technician"])
    supervisor = people["supervisor"]
    with pytest.raises(SignatureRefused, match="enter it again"):
        services.order_accept(order=order, user=supervisor)
    with pytest.raises(SignatureRefused, match="password is wrong"):
        services.order_accept(order=order, user=supervisor, password="wrong", meaning="accepted")
    with pytest.raises(SignatureRefused, match="Choose what your signature means"):
        services.order_accept(order=order, user=supervisor, password=TEST_PASSWORD, meaning="Verified")
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.WAITING_FOR_ACCEPTANCE  # refused: nothing accepted
    order = services.order_accept(order=order, user=supervisor, password=TEST_PASSWORD, statement="Work verified")
    signature = Signature.objects.of(order).get()
    assert (signature.signer, signature.meaning, signature.statement) == (supervisor, "accepted", "Work verified")
    assert (signature.action, signature.method, verify(signature)) == ("acceptance", "password", True)


def test_rework_closes_and_opens_a_linked_order(resource, people):
    activity = ActivityFactory()
    from plans.factories import BillOfPartsLineFactory

    BillOfPartsLineFactory(activity=activity, quantity=Decimal(2))
    order = release(planned_order(resource, activity=activity), people)
    services.order_begin(order=order, user=people["technician"])
    services.order_complete(order=order, user=people["technician"])
    with pytest.raises(ActionNotAllowed, match="what must be reworked"):
        services.order_rework(order=order, user=people["supervisor"], reason=" ")
    rework = services.order_rework(order=order, user=people["supervisor"], reason="Seal still drips")
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.REWORKED
    assert (rework.kind, rework.rework_of, rework.execution_state) == (
        OrderKind.REWORK,
        order,
        ExecutionState.REQUESTED,
    )
    assert rework.resource == resource
    assert rework.activity == activity
    assert rework.planned_parts.get().quantity == Decimal(2)


@pytest.mark.parametrize("name", ["skip", "reject"])
def test_skip_and_reject_need_a_reason(resource, people, name):
    order = planned_order(resource)
    service = getattr(services, f"order_{name}")
    with pytest.raises(ActionNotAllowed, match="Say why"):
        service(order=order, user=people["supervisor"], reason="")
    with pytest.raises(ActionForbidden):
        service(order=order, user=people["technician"], reason="Not needed")
    order = service(order=order, user=people["supervisor"], reason="Pump decommissioned")
    assert order.state_reason == "Pump decommissioned"
    assert order.is_closed


def test_skip_allowed_until_released_only(resource, people):
    order = release(planned_order(resource), people)
    services.order_begin(order=order, user=people["technician"])
    with pytest.raises(ActionNotAllowed):
        services.order_skip(order=order, user=people["supervisor"], reason="Too late")


def test_join_into_an_open_order_on_the_same_entity(resource, people, site):
    supervisor = people["supervisor"]
    duplicate = services.order_request_corrective(entity=resource, user=people["requester"], title="Leak")
    target = services.order_request_corrective(entity=resource, user=people["technician"], title="Leak at seal")
    elsewhere = services.order_request_corrective(
        entity=ResourceFactory(area=AreaFactory(parent=site)), user=people["requester"], title="Other"
    )
    with pytest.raises(ActionNotAllowed, match="not on the same entity"):
        services.order_join(order=duplicate, into=elsewhere, user=supervisor)
    with pytest.raises(ActionNotAllowed, match="into itself"):
        services.order_join(order=duplicate, into=duplicate, user=supervisor)
    services.order_reject(order=elsewhere, user=supervisor, reason="Duplicate of a phone call")
    joined = services.order_join(order=duplicate, into=target, user=supervisor)
    assert joined.execution_state == ExecutionState.CLOSED_AS_JOINED
    assert joined.joined_into == target
    closed_target = services.order_request_corrective(entity=resource, user=people["requester"], title="Again")
    services.order_cancel(order=target, user=people["technician"])
    with pytest.raises(ActionNotAllowed, match="is closed"):
        services.order_join(order=closed_target, into=target, user=supervisor)


def test_cancel_by_requester_or_owner_only(resource, people, site):
    order = services.order_request_corrective(entity=resource, user=people["requester"], title="Noise")
    stranger = make_role_user("Requester", site=site, username="someone-else")
    with pytest.raises(ActionForbidden, match="requester"):
        services.order_cancel(order=order, user=stranger)
    assert services.order_cancel(order=order, user=people["requester"]).execution_state == ExecutionState.CANCELED


def test_users_of_another_site_cannot_act(resource, people):
    order = planned_order(resource)
    outsider = make_role_user("Supervisor", site=SiteFactory(), username="outsider")
    with pytest.raises(ActionForbidden, match="access"):
        services.order_approve(order=order, user=outsider)
    assert not WorkOrder.objects.visible_to(outsider).filter(pk=order.pk).exists()
    assert WorkOrder.objects.visible_to(people["supervisor"]).filter(pk=order.pk).exists()
    admin = make_role_user("Administrator", username="root")
    assert services.order_approve(order=order, user=admin).execution_state == ExecutionState.APPROVED


def test_corrective_requests(resource, people):
    order = services.order_request_corrective(
        entity=resource, user=people["requester"], title="Pump tripped", description="Overload relay", priority=4
    )
    assert (order.kind, order.execution_state, order.site) == (
        OrderKind.CORRECTIVE,
        ExecutionState.REQUESTED,
        resource.area.site,
    )
    assert order.number.startswith("WO-")
    outsider = make_role_user("Requester", site=SiteFactory(), username="outsider")
    with pytest.raises(ActionForbidden):
        services.order_request_corrective(entity=resource, user=outsider, title="Not mine")
    from core.testing import UserFactory

    with pytest.raises(ActionForbidden, match="role"):
        services.order_request_corrective(entity=resource, user=UserFactory(), title="No role")
    with pytest.raises(ActionNotAllowed, match="title"):
        services.order_request_corrective(entity=resource, user=people["requester"], title="  ")
    # Corrective orders are supervised by users with supervise_workorder: Supervisor yes, Planner no.
    with pytest.raises(ActionForbidden):
        services.order_approve(order=order, user=people["planner"])
    services.order_approve(order=order, user=people["supervisor"])


def test_schedule_state_freezes_once_closed(resource, people):
    order = planned_order(resource, late_due_at=timezone.now() + datetime.timedelta(days=1))
    order.reach_early_due()
    order.save()
    services.order_cancel(order=order, user=people["supervisor"])
    order.refresh_from_db()
    assert not can_proceed(order.reach_due)
    assert not can_proceed(order.reach_late_due)
    assert order.schedule_state == ScheduleState.EARLY_DUE
    assert order.closed_on_time is True


def test_closing_when_late_is_not_on_time(resource, people):
    order = planned_order(resource, late_due_at=timezone.now() - datetime.timedelta(days=1))
    order.reach_late_due()
    order.save()
    order = services.order_skip(order=order, user=people["supervisor"], reason="Missed")
    assert order.closed_on_time is False


def test_order_numbers_are_consecutive_and_unique():
    first = services.allocate_order_numbers(3)
    second = services.allocate_order_numbers(2)
    assert len(set(first + second)) == 5
    assert [int(n.removeprefix("WO-")) for n in first + second] == list(range(int(first[0][3:]), int(first[0][3:]) + 5))
    assert services.allocate_order_numbers(0) == []
