"""Failure codes on corrective work: the code lists (default set, which codes apply where), the completion
rule (problem and cause required, kinds, combinations, equipment), and the screen, API and admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from assets.models import ResourceType
from core.api.testing import token_client
from orders import services
from orders.admin import FailureCodeAdminForm
from orders.factories import in_progress_order
from orders.failures import DEFAULT_CODES, failure_codes_load_defaults, failure_codes_required
from orders.models import ExecutionState, FailureCode, FailureKind, WorkOrder
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory()


@pytest.fixture
def pump_type():
    return ResourceType.objects.create(name="Centrifugal pump KSB Etanorm")


@pytest.fixture
def resource(site, pump_type):
    return ResourceFactory(area=AreaFactory(parent=site), resource_type=pump_type)


@pytest.fixture
def people(site):
    return {
        "technician": make_role_user("Technician", site=site, username="tech"),
        "supervisor": make_role_user("Supervisor", site=site, username="sup"),
        "requester": make_role_user("Requester", site=site, username="req"),
    }


def code(kind: str, value: str, *, parents=(), types=(), active=True) -> FailureCode:
    made = FailureCode.objects.create(kind=kind, code=value, name=value.title(), active=active)
    made.parents.set(parents)
    made.resource_types.set(types)
    return made


@pytest.fixture
def codes(pump_type):
    """A leak (for every type) with its own cause "seal worn" and a shared cause "corrosion"; a pump-only
    problem; a remedy for the seal only and a shared one."""
    leak = code(FailureKind.PROBLEM, "ELP")
    cavitating = code(FailureKind.PROBLEM, "CAV", types=[pump_type])
    noise = code(FailureKind.PROBLEM, "NOI")
    seal = code(FailureKind.CAUSE, "SEAL", parents=[leak])
    corrosion = code(FailureKind.CAUSE, "CORROSION")
    new_seal = code(FailureKind.REMEDY, "RESEAL", parents=[seal])
    replace = code(FailureKind.REMEDY, "REPLACE")
    return locals()


def corrective_in_progress(resource, people) -> WorkOrder:
    order = services.order_request_corrective(entity=resource, user=people["requester"], title="Pump leaks")
    services.order_approve(order=order, user=people["supervisor"])
    services.order_release(order=order, user=people["supervisor"])
    return services.order_begin(order=order, user=people["technician"])


# --- The code lists ----------------------------------------------------------------------------
def test_default_set_is_loaded_once_and_keeps_edits():
    first = failure_codes_load_defaults()
    total = sum(len(rows) for rows in DEFAULT_CODES.values())
    assert first == {"created": total, "existing": 0}
    wear = FailureCode.objects.get(kind=FailureKind.CAUSE, code="WEAR")
    wear.name = "Worn out"
    wear.save()
    FailureCode.objects.filter(kind=FailureKind.REMEDY, code="RESET").delete()
    again = failure_codes_load_defaults()
    # Only the deleted one comes back; the edited name stays.
    assert again == {"created": 1, "existing": total - 1}
    assert FailureCode.objects.get(kind=FailureKind.CAUSE, code="WEAR").name == "Worn out"
    assert FailureCode.objects.count() == total
    assert {"BRD", "ELP", "VIB", "OHE", "NOI", "FTS"} <= set(
        FailureCode.objects.filter(kind=FailureKind.PROBLEM).values_list("code", flat=True)
    )


def test_load_failure_codes_command(capsys):
    call_command("load_failure_codes")
    call_command("load_failure_codes")
    out = capsys.readouterr().out.splitlines()
    assert out[1] == f"Failure codes: 0 created, {FailureCode.objects.count()} already there."


def test_codes_for_a_resource_type(codes, pump_type):
    other = ResourceType.objects.create(name="Chlorinator")
    pump = FailureCode.objects.choices_for(FailureKind.PROBLEM, pump_type.pk)
    assert [c.code for c in pump] == ["CAV", "ELP", "NOI"]
    assert [c.code for c in FailureCode.objects.choices_for(FailureKind.PROBLEM, other.pk)] == ["ELP", "NOI"]
    assert [c.code for c in FailureCode.objects.choices_for(FailureKind.PROBLEM, None)] == ["ELP", "NOI"]
    codes["noise"].active = False
    codes["noise"].save()
    assert [c.code for c in FailureCode.objects.choices_for(FailureKind.PROBLEM, None)] == ["ELP"]


def test_codes_under_a_parent(codes):
    causes = FailureCode.objects.of_kind(FailureKind.CAUSE)
    assert sorted(c.code for c in causes.under(codes["leak"].pk)) == ["CORROSION", "SEAL"]
    assert sorted(c.code for c in causes.under(codes["noise"].pk)) == ["CORROSION"]
    assert codes["seal"].may_follow(codes["leak"])
    assert not codes["seal"].may_follow(codes["noise"])
    assert codes["corrosion"].may_follow(codes["noise"])


def test_a_code_is_unique_within_its_kind(codes):
    from django.db import IntegrityError, transaction

    code(FailureKind.CAUSE, "ELP")  # the same code as a problem: another list
    with pytest.raises(IntegrityError), transaction.atomic():
        code(FailureKind.PROBLEM, "ELP")


# --- Completing corrective work ----------------------------------------------------------------
def test_corrective_work_needs_problem_and_cause(codes, resource, people):
    order = corrective_in_progress(resource, people)
    with pytest.raises(ValidationError) as refused:
        services.order_complete(order=order, user=people["technician"])
    assert set(refused.value.message_dict) == {"failure_problem", "failure_cause"}
    assert "what failed" in refused.value.message_dict["failure_problem"][0]
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.IN_PROGRESS
    done = services.order_complete(
        order=order, user=people["technician"], failure_problem=codes["leak"], failure_cause=codes["seal"]
    )
    done.refresh_from_db()
    assert done.execution_state == ExecutionState.WAITING_FOR_ACCEPTANCE
    assert (done.failure_problem, done.failure_cause, done.failure_remedy) == (codes["leak"], codes["seal"], None)
    # The history row of the completion has the codes.
    assert done.history.first().failure_cause_id == codes["seal"].pk


def test_codes_are_checked(codes, resource, people, pump_type):
    order = corrective_in_progress(resource, people)
    tech = people["technician"]

    def refusal(**given) -> dict[str, list[str]]:
        with pytest.raises(ValidationError) as refused:
            services.order_complete(order=order, user=tech, **given)
        return refused.value.message_dict

    # A cause in the problem field, a problem in the cause field.
    wrong_kind = refusal(failure_problem=codes["seal"], failure_cause=codes["leak"])
    assert set(wrong_kind) == {"failure_problem", "failure_cause"}
    # The seal is a cause of leaks only.
    assert "not a cause of" in refusal(failure_problem=codes["noise"], failure_cause=codes["seal"])["failure_cause"][0]
    # The new seal answers the seal, not corrosion.
    not_remedy = refusal(
        failure_problem=codes["leak"], failure_cause=codes["corrosion"], failure_remedy=codes["new_seal"]
    )
    assert list(not_remedy) == ["failure_remedy"]
    codes["noise"].active = False
    codes["noise"].save()
    assert (
        "no longer in use"
        in refusal(failure_problem=codes["noise"], failure_cause=codes["corrosion"])["failure_problem"][0]
    )
    chlorinator = ResourceType.objects.create(name="Chlorinator")
    codes["cavitating"].resource_types.set([chlorinator])
    assert (
        "does not apply"
        in refusal(failure_problem=codes["cavitating"], failure_cause=codes["corrosion"])["failure_problem"][0]
    )
    order.refresh_from_db()
    assert order.execution_state == ExecutionState.IN_PROGRESS
    assert order.failure_problem_id is None
    services.order_complete(
        order=order,
        user=tech,
        failure_problem=codes["leak"],
        failure_cause=codes["seal"],
        failure_remedy=codes["new_seal"],
    )
    order.refresh_from_db()
    assert order.failure_remedy == codes["new_seal"]


@override_settings(FAILURE_CODES_REQUIRED=False)
def test_not_required_when_the_setting_is_off(codes, resource, people):
    order = corrective_in_progress(resource, people)
    done = services.order_complete(order=order, user=people["technician"])
    assert done.execution_state == ExecutionState.WAITING_FOR_ACCEPTANCE
    assert done.failure_problem_id is None


def test_not_required_without_codes_for_the_equipment(resource, people, pump_type):
    other = ResourceType.objects.create(name="Chlorinator")
    code(FailureKind.PROBLEM, "LEAK", types=[other])  # the only problem is for another type
    order = corrective_in_progress(resource, people)
    assert not failure_codes_required(order)
    assert services.order_complete(order=order, user=people["technician"]).execution_state == (
        ExecutionState.WAITING_FOR_ACCEPTANCE
    )


def test_planned_work_does_not_need_codes(codes, resource, people):
    order = in_progress_order(resource, people["supervisor"], people["technician"])
    assert not failure_codes_required(order)
    assert services.order_complete(order=order, user=people["technician"]).execution_state == (
        ExecutionState.WAITING_FOR_ACCEPTANCE
    )


# --- The order page ----------------------------------------------------------------------------
def test_order_page_asks_and_shows_field_errors(codes, resource, people):
    order = corrective_in_progress(resource, people)
    client = Client()
    client.force_login(people["technician"])
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert 'name="failure_problem"' in page
    assert 'name="failure_cause"' in page
    assert 'name="failure_remedy"' in page
    assert "CAV · Cav" in page  # the pump-only problem is offered on a pump
    url = reverse("orders:transition", args=[order.pk, "complete"])
    missing = client.post(url, {"failure_problem": codes["leak"].pk})
    assert missing.status_code == 400  # the form requires the cause
    assert missing.context["complete_form"].errors["failure_cause"]
    mismatch = client.post(url, {"failure_problem": codes["noise"].pk, "failure_cause": codes["seal"].pk})
    assert mismatch.status_code == 409  # the service refuses the combination, on the field
    assert "not a cause of" in mismatch.context["complete_form"].errors["failure_cause"][0]
    done = client.post(
        url,
        {
            "failure_problem": codes["leak"].pk,
            "failure_cause": codes["seal"].pk,
            "failure_remedy": codes["new_seal"].pk,
        },
    )
    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.execution_state, order.failure_remedy) == (ExecutionState.WAITING_FOR_ACCEPTANCE, codes["new_seal"])
    shown = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "ELP · Elp" in shown
    assert "SEAL · Seal" in shown
    assert "RESEAL · Reseal" in shown


def test_planned_order_page_completes_with_one_button(codes, resource, people):
    order = in_progress_order(resource, people["supervisor"], people["technician"])
    client = Client()
    client.force_login(people["technician"])
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert 'name="failure_problem"' not in page
    assert client.post(reverse("orders:transition", args=[order.pk, "complete"])).status_code == 302


# --- The API -----------------------------------------------------------------------------------
def test_api_completes_with_codes(codes, resource, people):
    order = corrective_in_progress(resource, people)
    client = token_client(people["technician"])
    url = reverse("api:workorder-complete", args=[order.pk])
    missing = client.post(url, {}, format="json")
    assert missing.status_code == 400
    assert set(missing.json()) >= {"failure_problem", "failure_cause"}
    wrong_kind = client.post(url, {"failure_problem": codes["seal"].pk, "failure_cause": codes["seal"].pk})
    assert wrong_kind.status_code == 400
    assert list(wrong_kind.json()) == ["failure_problem"]
    done = client.post(url, {"failure_problem": codes["leak"].pk, "failure_cause": codes["corrosion"].pk})
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["failure_problem"], body["failure_cause"], body["failure_remedy"]) == (
        codes["leak"].pk,
        codes["corrosion"].pk,
        None,
    )
    listed = client.get(reverse("api:workorder-list"), {"failure_cause": codes["corrosion"].pk}).json()
    assert [row["number"] for row in listed["results"]] == [order.number]
    assert listed["results"][0]["failure_problem"] == codes["leak"].pk
    assert client.get(reverse("api:workorder-list"), {"failure_cause": "x"}).status_code == 400


# --- The admin ---------------------------------------------------------------------------------
def test_admin_form_checks_the_parents_kind(codes):
    data = {"kind": FailureKind.REMEDY, "code": "WELD", "name": "Weld", "active": True}
    wrong = FailureCodeAdminForm({**data, "parents": [codes["leak"].pk]})
    assert not wrong.is_valid()
    assert "parents" in wrong.errors
    problem = FailureCodeAdminForm({**data, "kind": FailureKind.PROBLEM, "parents": [codes["leak"].pk]})
    assert not problem.is_valid()
    assert "Problems have no parents" in problem.errors["parents"][0]
    right = FailureCodeAdminForm({**data, "parents": [codes["seal"].pk, codes["corrosion"].pk]})
    assert right.is_valid(), right.errors
    assert sorted(p.code for p in right.save().parents.all()) == ["CORROSION", "SEAL"]


def test_admin_pages(codes, admin_client):
    listing = admin_client.get(reverse("admin:orders_failurecode_changelist"), {"kind__exact": "cause"})
    assert listing.status_code == 200
    assert "SEAL" in listing.content.decode()
    assert "RESEAL" not in listing.content.decode()
    assert admin_client.get(reverse("admin:orders_failurecode_change", args=[codes["seal"].pk])).status_code == 200


def test_api_lists_the_codes_a_client_offers(codes, pump_type, people, django_assert_max_num_queries):
    client = token_client(people["technician"])
    url = reverse("api:failurecode-list")
    with django_assert_max_num_queries(12):
        every = client.get(url, {"page_size": 100}).json()["results"]
    assert len(every) == 7
    seal = next(row for row in every if row["code"] == "SEAL")
    assert (seal["kind"], seal["parents"], seal["resource_types"]) == ("cause", [codes["leak"].pk], [])
    causes_of_noise = client.get(url, {"kind": "cause", "under": codes["noise"].pk}).json()["results"]
    assert [row["code"] for row in causes_of_noise] == ["CORROSION"]
    other = ResourceType.objects.create(name="Chlorinator")
    problems = client.get(url, {"kind": "problem", "resource_type": other.pk}).json()["results"]
    assert sorted(row["code"] for row in problems) == ["ELP", "NOI"]  # not the pump-only CAV
    # Readable by every role (a requester too), not without signing in.
    assert token_client(people["requester"]).get(url).status_code == 200
    assert Client().get(url).status_code in (401, 403)
    assert client.get(url, {"kind": "symptom"}).status_code == 400


def test_list_query_count_does_not_grow(codes, people, django_assert_num_queries):
    client = token_client(people["technician"])
    url = reverse("api:failurecode-list")
    client.get(url)  # warm up (the token's user, content types)
    with django_assert_num_queries(5) as few:
        client.get(url)
    for number in range(10):
        code(FailureKind.CAUSE, f"C{number}", parents=[codes["leak"]])
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(url, {"page_size": 100}).json()["results"]) == 17
