"""The plans admin: its actions call the services, refusals come back as messages or form errors (never a
500), locked versions are read-only, and new plans and plan instances go through the services' rules."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.contrib import messages
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from django.db import models
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from assets.factories import AreaFactory, CounterFactory, ResourceFactory
from assets.models import CounterKind
from core.roles import ADMINISTRATOR, PLANNER, SUPERVISOR
from core.testing import TEST_PASSWORD
from inventory.factories import PartFactory
from people.factories import make_role_user
from plans import services
from plans.admin import LockedContentForm
from plans.factories import (
    OPERATING_HOURS,
    ActivityActionFactory,
    ChangeSetFactory,
    ChecklistItemFactory,
    PlanVersionFactory,
    apply_plan,
    approve_version,
    effective_plan,
)
from plans.models import (
    Activity,
    BillOfPartsLine,
    ChangeSet,
    ChangeSetState,
    MaintenancePlan,
    PlanInstance,
    PlanVersion,
    PlanVersionState,
)

pytestmark = pytest.mark.django_db
# The approve action asks for the electronic signature on an intermediate page; this is what it posts.
SIGNED = {"apply": "1", "password": TEST_PASSWORD, "meaning": "approved"}


# --- Helpers -----------------------------------------------------------------------------------
def url(model: type[models.Model], page: str, *args: Any) -> str:
    return reverse(f"admin:plans_{model._meta.model_name}_{page}", args=args)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def run_action(
    client: Client, model: type[models.Model], action: str, rows: Sequence[models.Model], **extra: Any
) -> HttpResponse:
    data = {"action": action, "_selected_action": [row.pk for row in rows], **extra}
    return client.post(url(model, "changelist"), data)


def shown(response: HttpResponse) -> list[tuple[int, str]]:
    """The messages the response queued, as (level, text)."""
    return [(message.level, str(message)) for message in get_messages(response.wsgi_request)]


def errors(response: HttpResponse) -> list[str]:
    return [text for level, text in shown(response) if level == messages.ERROR]


def successes(response: HttpResponse) -> list[str]:
    return [text for level, text in shown(response) if level == messages.SUCCESS]


def offered_actions(client: Client, model: type[models.Model]) -> set[str]:
    action_form = client.get(url(model, "changelist")).context["action_form"]
    if action_form is None:  # the admin has no actions
        return set()
    return {name for name, _label in action_form.fields["action"].choices if name}


def form_data(response: HttpResponse) -> dict[str, Any]:
    """What the browser would post back from an admin change page, unchanged: the form and every inline."""
    data: dict[str, Any] = {}

    def add(form: Any, prefix: str = "") -> None:
        for name in form.fields:
            value = form[name].value()
            key = f"{prefix}{name}"
            if value is True:
                data[key] = "on"
            elif value is None:
                data[key] = ""
            elif value is not False:  # an unchecked box is not posted
                data[key] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = management[name].value()
        for form in formset.initial_forms:
            add(form, f"{form.prefix}-")
    return data


@pytest.fixture
def administrator_client(administrator: User) -> Client:
    return logged_in(administrator)


@pytest.fixture
def staff_supervisor() -> User:
    return make_role_user(SUPERVISOR, username="staff-supervisor", is_staff=True)


def submitted(version: PlanVersion, user: User | None = None) -> ChangeSet:
    return services.changeset_submit(change_set=version.change_set, user=user or make_role_user(PLANNER))


def fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


# --- Change sets -------------------------------------------------------------------------------
class TestChangeSetActions:
    def test_submit_reports_each_success_and_each_refusal(
        self, administrator_client: Client, draft: PlanVersion
    ) -> None:
        empty = ChangeSetFactory(name="Nothing in it")

        response = run_action(administrator_client, ChangeSet, "submit", [draft.change_set, empty])

        assert response.status_code == 302
        assert fresh(draft.change_set).state == ChangeSetState.IN_APPROVAL
        assert fresh(empty).state == ChangeSetState.CREATED
        assert successes(response) == [f"{draft.change_set}: submitted for approval."]
        assert errors(response) == [f"{empty}: Add at least one plan version before submitting the change set."]

    def test_an_incomplete_version_is_refused_with_the_reason(self, administrator_client: Client) -> None:
        version = PlanVersionFactory()  # no activities

        response = run_action(administrator_client, ChangeSet, "submit", [version.change_set])

        assert errors(response) == [f"{version.change_set}: {version} has no activities yet."]
        assert fresh(version.change_set).state == ChangeSetState.CREATED

    def test_whoever_submitted_may_not_approve(self, administrator: User, draft: PlanVersion) -> None:
        client = logged_in(administrator)
        run_action(client, ChangeSet, "submit", [draft.change_set])

        response = run_action(client, ChangeSet, "approve", [draft.change_set], **SIGNED)

        assert errors(response) == [
            f"{draft.change_set}: Someone other than the person who submitted a change set must approve it."
        ]
        assert fresh(draft.change_set).state == ChangeSetState.IN_APPROVAL

    def test_a_staff_supervisor_approves(self, staff_supervisor: User, draft: PlanVersion) -> None:
        change_set = submitted(draft)

        response = run_action(logged_in(staff_supervisor), ChangeSet, "approve", [change_set], **SIGNED)

        assert successes(response) == [f"{change_set}: approved and signed."]
        assert errors(response) == []
        stored = fresh(change_set)
        assert (stored.state, stored.decided_by) == (ChangeSetState.APPROVED, staff_supervisor)
        assert fresh(draft).state == PlanVersionState.APPROVED

    def test_approving_an_open_change_set_is_refused(self, administrator_client: Client, draft: PlanVersion) -> None:
        response = run_action(administrator_client, ChangeSet, "approve", [draft.change_set], **SIGNED)

        assert errors(response) == [
            f"{draft.change_set}: Only a change set in approval can be approved (this one is created)."
        ]

    def test_reject_asks_for_a_reason_first(self, staff_supervisor: User, draft: PlanVersion) -> None:
        change_set = submitted(draft)
        client = logged_in(staff_supervisor)

        page = run_action(client, ChangeSet, "reject", [change_set])
        assert page.status_code == 200
        assert "admin/plans/changeset/reject.html" in [template.name for template in page.templates]
        assert 'name="reason"' in page.content.decode()
        assert fresh(change_set).state == ChangeSetState.IN_APPROVAL

        blank = run_action(client, ChangeSet, "reject", [change_set], apply="Reject", reason="  ")
        assert blank.status_code == 200
        assert blank.context["form"].errors["reason"]
        assert fresh(change_set).state == ChangeSetState.IN_APPROVAL

        done = run_action(client, ChangeSet, "reject", [change_set], apply="Reject", reason="Interval too short.")
        assert done.status_code == 302
        assert successes(done) == [f"{change_set}: rejected."]
        stored = fresh(change_set)
        assert (stored.state, stored.decision_note) == (ChangeSetState.REJECTED, "Interval too short.")

    def test_rejecting_an_open_change_set_is_refused(self, staff_supervisor: User, draft: PlanVersion) -> None:
        client = logged_in(staff_supervisor)

        response = run_action(client, ChangeSet, "reject", [draft.change_set], apply="Reject", reason="No.")

        assert errors(response) == [
            f"{draft.change_set}: Only a change set in approval can be rejected (this one is created)."
        ]

    def test_each_role_is_offered_only_the_actions_it_may_take(self, staff_supervisor: User) -> None:
        planner = make_role_user(PLANNER, username="staff-planner", is_staff=True)
        administrator = make_role_user(ADMINISTRATOR, username="admin-2")
        assert offered_actions(logged_in(planner), ChangeSet) == {"submit"}
        assert offered_actions(logged_in(staff_supervisor), ChangeSet) == {"approve", "reject"}
        assert offered_actions(logged_in(administrator), ChangeSet) == {"submit", "approve", "reject"}

    def test_a_change_set_added_in_the_admin_is_made_by_the_service(self, administrator: User) -> None:
        response = logged_in(administrator).post(url(ChangeSet, "add"), {"name": "Clinic plans", "description": ""})

        assert response.status_code == 302
        change_set = ChangeSet.objects.get(name="Clinic plans")
        assert (change_set.state, change_set.created_by) == (ChangeSetState.CREATED, administrator)

    def test_a_decided_change_set_is_read_only(self, administrator_client: Client, plan: MaintenancePlan) -> None:
        change_set = plan.versions.get().change_set
        page = administrator_client.get(url(ChangeSet, "change", change_set.pk))
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False

        response = administrator_client.post(url(ChangeSet, "change", change_set.pk), {"name": "Renamed"})
        assert response.status_code == 403
        assert fresh(change_set).name != "Renamed"


# --- Plans and versions ------------------------------------------------------------------------
class TestPlansAndVersions:
    def test_a_plan_added_in_the_admin_starts_with_a_draft_version(self, administrator: User) -> None:
        response = logged_in(administrator).post(
            url(MaintenancePlan, "add"), {"code": "PM-COMP", "name": "Compressor service", "description": ""}
        )

        assert response.status_code == 302, response.context["adminform"].form.errors
        plan = MaintenancePlan.objects.get(code="PM-COMP")
        version = plan.versions.get()
        assert (version.number, version.state, version.created_by) == (1, PlanVersionState.DRAFT, administrator)
        assert version.change_set.state == ChangeSetState.CREATED
        assert any("Draft PM-COMP v1" in text for _level, text in shown(response))

    def test_make_effective(self, administrator_client: Client, draft: PlanVersion) -> None:
        approve_version(draft)

        response = run_action(administrator_client, PlanVersion, "make_effective", [draft])

        assert successes(response) == [f"{draft}: now effective."]
        assert fresh(draft.plan).effective_version == draft
        assert fresh(draft).state == PlanVersionState.EFFECTIVE

    def test_making_a_draft_effective_is_refused(self, administrator_client: Client, draft: PlanVersion) -> None:
        response = run_action(administrator_client, PlanVersion, "make_effective", [draft])

        assert errors(response) == [
            f"{draft}: {draft} is a draft: its change set {draft.change_set} must be approved first."
        ]
        assert fresh(draft.plan).effective_version is None

    def test_create_draft_copies_the_version_once(self, administrator_client: Client, plan: MaintenancePlan) -> None:
        effective = plan.effective_version
        assert effective is not None

        response = run_action(administrator_client, PlanVersion, "create_draft", [effective])

        draft = plan.versions.get(number=2)
        assert successes(response) == [f"{draft}: new draft created."]
        assert (draft.state, draft.based_on) == (PlanVersionState.DRAFT, effective)
        assert list(draft.activities.values_list("code", flat=True)) == list(
            effective.activities.values_list("code", flat=True)
        )

        again = run_action(administrator_client, PlanVersion, "create_draft", [effective])
        assert errors(again) == [f"{effective}: {draft} is already a draft being edited; finish or delete it first."]
        assert plan.versions.count() == 2

    def test_versions_are_not_added_by_hand(self, administrator_client: Client) -> None:
        assert administrator_client.get(url(PlanVersion, "add")).status_code == 403

    def test_the_plan_page_lists_its_versions_with_links(
        self, administrator_client: Client, plan: MaintenancePlan
    ) -> None:
        effective = plan.effective_version
        assert effective is not None

        page = administrator_client.get(url(MaintenancePlan, "change", plan.pk))

        assert url(PlanVersion, "change", effective.pk) in page.content.decode()

    def test_a_draft_version_is_deleted_through_the_service(
        self, administrator_client: Client, plan: MaintenancePlan
    ) -> None:
        effective = plan.effective_version
        assert effective is not None
        draft = services.version_create_draft(plan=plan, user=make_role_user(PLANNER))

        response = administrator_client.post(url(PlanVersion, "delete", draft.pk), {"post": "yes"})

        assert response.status_code == 302
        assert list(plan.versions.all()) == [effective]
        assert not ChangeSet.objects.filter(pk=draft.change_set_id).exists()  # it held only this draft
        assert administrator_client.get(url(PlanVersion, "delete", effective.pk)).status_code == 403

    def test_history_is_shown_but_never_reverted(self, administrator_client: Client, plan: MaintenancePlan) -> None:
        effective = plan.effective_version
        assert effective is not None
        first = effective.history.earliest()  # the draft it was
        history_url = reverse("admin:plans_planversion_simple_history", args=[effective.pk, first.history_id])

        assert administrator_client.get(history_url).status_code == 200
        assert administrator_client.post(history_url, {"notes": "reverted"}).status_code == 403
        assert fresh(effective).state == PlanVersionState.EFFECTIVE


# --- Locked content ----------------------------------------------------------------------------
class TestLockedVersions:
    def test_an_approved_versions_activity_page_is_read_only(
        self, administrator_client: Client, plan: MaintenancePlan
    ) -> None:
        activity = Activity.objects.get(version__plan=plan)

        page = administrator_client.get(url(Activity, "change", activity.pk))

        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
        for inline in page.context["inline_admin_formsets"]:
            assert not inline.has_add_permission
            assert not inline.has_change_permission
            assert not inline.has_delete_permission

    def test_posting_to_a_locked_activity_is_refused_with_a_message(
        self, administrator_client: Client, plan: MaintenancePlan
    ) -> None:
        activity = Activity.objects.get(version__plan=plan)
        change_url = url(Activity, "change", activity.pk)

        response = administrator_client.post(change_url, {"name": "Renamed"})

        assert response.status_code == 302
        assert response.url == change_url
        (message,) = errors(response)
        assert "is effective and cannot be changed" in message
        assert fresh(activity).name != "Renamed"

    def test_posting_to_a_locked_version_is_refused_with_a_message(
        self, administrator_client: Client, draft: PlanVersion
    ) -> None:
        submitted(draft)

        response = administrator_client.post(url(PlanVersion, "change", draft.pk), {"notes": "late edit"})

        assert response.status_code == 302
        assert errors(response) == [f"{draft} cannot be changed while its change set is in approval."]
        assert fresh(draft).notes != "late edit"

    def test_a_drafts_activity_is_edited_with_its_rows(self, administrator_client: Client, draft: PlanVersion) -> None:
        activity = draft.activities.get()
        ChecklistItemFactory(activity=activity, text="Check the seal")
        change_url = url(Activity, "change", activity.pk)
        data = form_data(administrator_client.get(change_url))
        data["name"] = "Monthly inspection, revised"
        data["checklist_items-TOTAL_FORMS"] = 2
        data.update({"checklist_items-1-text": "Check the coupling", "checklist_items-1-kind": "check"})
        data.update({"checklist_items-1-position": 2, "checklist_items-1-required": "on"})

        response = administrator_client.post(change_url, data)

        assert response.status_code == 302, response.context and response.context["errors"]
        assert fresh(activity).name == "Monthly inspection, revised"
        assert set(activity.checklist_items.values_list("text", flat=True)) == {"Check the seal", "Check the coupling"}

    def test_the_activity_rules_show_as_form_errors(self, administrator_client: Client, draft: PlanVersion) -> None:
        activity = draft.activities.get()
        change_url = url(Activity, "change", activity.pk)
        data = form_data(administrator_client.get(change_url))
        data["time_early_window"] = data["time_interval"]

        response = administrator_client.post(change_url, data)

        assert response.status_code == 200
        assert "time_early_window" in response.context["adminform"].form.errors

    def test_an_activity_cannot_be_added_to_a_locked_version(
        self, administrator_client: Client, plan: MaintenancePlan
    ) -> None:
        effective = plan.effective_version
        assert effective is not None
        add_page = administrator_client.get(url(Activity, "add"))
        assert effective not in add_page.context["adminform"].form.fields["version"].queryset

        response = administrator_client.post(
            url(Activity, "add"),
            {"version": effective.pk, "code": "extra", "name": "Extra", "trigger": "ad_hoc", "priority": 2},
        )

        assert response.status_code == 200
        assert "version" in response.context["adminform"].form.errors
        assert effective.activities.count() == 1

    def test_the_versions_page_edits_its_activities_only_while_a_draft(
        self, administrator_client: Client, draft: PlanVersion, plan: MaintenancePlan
    ) -> None:
        (editable,) = administrator_client.get(url(PlanVersion, "change", draft.pk)).context["inline_admin_formsets"]
        assert editable.has_add_permission
        assert editable.has_change_permission
        effective = plan.effective_version
        assert effective is not None
        (locked,) = administrator_client.get(url(PlanVersion, "change", effective.pk)).context["inline_admin_formsets"]
        assert not locked.has_add_permission
        assert not locked.has_change_permission
        assert not locked.has_delete_permission


# --- Plan instances ----------------------------------------------------------------------------
def instance_form(plan: MaintenancePlan, **entity: Any) -> dict[str, Any]:
    return {
        "plan": plan.pk,
        "owner_role": Group.objects.get(name=SUPERVISOR).pk,
        "start_date": "2026-01-05",
        "area": "",
        "resource": "",
        "container": "",
        "material": "",
        **{name: value.pk for name, value in entity.items()},
    }


class TestPlanInstances:
    def test_applying_in_the_admin_goes_through_the_service(self, administrator: User, plan: MaintenancePlan) -> None:
        pump = ResourceFactory()

        response = logged_in(administrator).post(url(PlanInstance, "add"), instance_form(plan, resource=pump))

        assert response.status_code == 302, response.context["adminform"].form.errors
        instance = PlanInstance.objects.get(plan=plan)
        assert (instance.resource, instance.created_by, instance.active) == (pump, administrator, True)

    def test_a_missing_counter_is_a_form_error(self, administrator_client: Client) -> None:
        plan = effective_plan(activities=[{"usage": True}])
        pump = ResourceFactory(tag="P-77")
        CounterFactory(resource=pump, name="Starts", unit="cycles")

        response = administrator_client.post(url(PlanInstance, "add"), instance_form(plan, resource=pump))

        assert response.status_code == 200
        (message,) = response.context["adminform"].form.non_field_errors()
        assert "P-77" in message
        assert f"“{OPERATING_HOURS}” (h)" in message
        assert not PlanInstance.objects.exists()

        CounterFactory(resource=pump, name=OPERATING_HOURS, unit="h", kind=CounterKind.CUMULATIVE)
        response = administrator_client.post(url(PlanInstance, "add"), instance_form(plan, resource=pump))
        assert response.status_code == 302

    def test_a_duplicate_is_a_form_error(self, administrator_client: Client, plan: MaintenancePlan) -> None:
        pump = ResourceFactory()
        apply_plan(plan, pump)

        response = administrator_client.post(url(PlanInstance, "add"), instance_form(plan, resource=pump))

        assert response.status_code == 200
        assert "This plan is already applied to that entity." in str(response.context["adminform"].form.errors)
        assert PlanInstance.objects.count() == 1

    def test_a_plan_without_an_effective_version_is_a_form_error(
        self, administrator_client: Client, draft: PlanVersion
    ) -> None:
        response = administrator_client.post(
            url(PlanInstance, "add"), instance_form(draft.plan, resource=ResourceFactory())
        )

        assert response.status_code == 200
        assert "no effective version" in str(response.context["adminform"].form.errors["plan"])

    def test_a_refusal_only_the_service_knows_is_a_message(self, administrator_client: Client) -> None:
        plan = effective_plan()
        draft = services.version_create_draft(plan=plan, user=make_role_user(PLANNER))
        ActivityActionFactory(activity=draft.activities.get(), hold_entity=True)
        approve_version(draft)
        services.version_make_effective(version=draft, user=make_role_user(PLANNER))
        add_url = url(PlanInstance, "add")

        response = administrator_client.post(add_url, instance_form(plan, area=AreaFactory()))

        assert response.status_code == 302
        assert response.url == add_url
        (message,) = errors(response)
        assert "only resources and containers can be" in message
        assert not PlanInstance.objects.exists()

    def test_deactivate(self, administrator_client: Client, plan: MaintenancePlan) -> None:
        (instance,) = apply_plan(plan, ResourceFactory())

        response = run_action(administrator_client, PlanInstance, "deactivate", [instance])
        assert successes(response) == [f"{instance}: deactivated."]
        assert fresh(instance).active is False

        again = run_action(administrator_client, PlanInstance, "deactivate", [instance])
        assert errors(again) == [f"{instance}: {instance} is already inactive."]

    def test_instances_are_deactivated_not_deleted(self, administrator_client: Client, plan: MaintenancePlan) -> None:
        (instance,) = apply_plan(plan, ResourceFactory())
        assert administrator_client.get(url(PlanInstance, "delete", instance.pk)).status_code == 403
        assert "delete_selected" not in offered_actions(administrator_client, PlanInstance)


def test_no_admin_offers_a_bulk_delete(administrator_client: Client) -> None:
    for model in (ChangeSet, MaintenancePlan, PlanVersion, Activity, PlanInstance):
        assert "delete_selected" not in offered_actions(administrator_client, model), model


def test_a_draft_with_parts_is_edited_in_the_admin(
    administrator_client: Client, draft: PlanVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The activity and its new bill-of-parts line are saved through the service."""
    activity = draft.activities.get()
    part = PartFactory()
    change_url = url(Activity, "change", activity.pk)
    data = form_data(administrator_client.get(change_url))
    data["parts-TOTAL_FORMS"] = 1
    data.update({"parts-0-part": part.pk, "parts-0-quantity": "2"})

    saved: list[Any] = []
    save = services.draft_content_save
    monkeypatch.setattr(services, "draft_content_save", lambda **kwargs: saved.append(kwargs["obj"]) or save(**kwargs))

    response = administrator_client.post(change_url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert [type(obj) for obj in saved] == [Activity, BillOfPartsLine]
    line = activity.parts.get()
    assert (line.part, line.quantity) == (part, Decimal(2))
    assert line.history.get().history_user is not None


def test_the_content_form_refuses_a_locked_version(plan: MaintenancePlan) -> None:
    """The last line of defence when a version is locked between showing a form and posting it."""
    activity = Activity.objects.get(version__plan=plan)
    form_class = forms.modelform_factory(Activity, form=LockedContentForm, fields=["name"])

    form = form_class({"name": "Renamed"}, instance=activity)

    assert not form.is_valid()
    assert "cannot be changed" in form.non_field_errors()[0]
