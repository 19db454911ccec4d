"""The planner screens through the test client: rendering, permissions, the journey, refusals, query counts."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from assets.models import Area, Resource
from core.roles import PLANNER, SUPERVISOR, TECHNICIAN
from core.testing import TEST_PASSWORD
from inventory.factories import PartFactory
from people.factories import CertificationFactory, make_role_user
from plans import services
from plans.factories import (
    ActivityFactory,
    ChecklistItemFactory,
    PlanVersionFactory,
    apply_plan,
    effective_plan,
)
from plans.models import (
    ActivityAction,
    ChangeSetState,
    ChecklistItem,
    MaintenancePlan,
    PlanInstance,
    PlanVersion,
    PlanVersionState,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


# --- Fixtures ----------------------------------------------------------------------------------
@pytest.fixture
def site() -> Area:
    return SiteFactory(name="North works")


@pytest.fixture
def plant(site: Area) -> Area:
    return AreaFactory(parent=site, name="Treatment plant")


@pytest.fixture
def planner(site: Area) -> User:
    return make_role_user(PLANNER, site=site, username="view-planner")


@pytest.fixture
def supervisor(site: Area) -> User:
    return make_role_user(SUPERVISOR, site=site, username="view-supervisor")


@pytest.fixture
def technician(site: Area) -> User:
    return make_role_user(TECHNICIAN, site=site, username="view-technician")


@pytest.fixture
def pumps(plant: Area) -> list[Resource]:
    return [ResourceFactory(tag=f"P-10{n}", name=f"Raw water pump {n}", area=plant) for n in (1, 2, 3)]


@pytest.fixture
def plan(planner: User, supervisor: User) -> MaintenancePlan:
    """PUMP-M: version 1 (one monthly activity with a checklist item) is effective."""
    return effective_plan(code="PUMP-M", name="Pump monthly inspection", planner=planner, supervisor=supervisor)


@pytest.fixture
def draft(plan: MaintenancePlan, planner: User) -> PlanVersion:
    """Version 2 of PUMP-M: a draft copied from version 1, in its own open change set."""
    return services.version_create_draft(plan=plan, user=planner, notes="Add a seal check.")


def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def activity_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "code": "monthly-check",
        "name": "Monthly check",
        "instructions": "Look, listen, feel.",
        "position": 1,
        "trigger": "time",
        "time_interval": 1,
        "time_unit": "months",
        "time_early_window": 0,
        "time_late_tolerance": 0,
        "instances_to_schedule": 1,
        "usage_early_window": 0,
        "usage_late_tolerance": 0,
        "schedule_next_mode": "fixed",
        "executing_role": Group.objects.get(name=TECHNICIAN).pk,
        "priority": 2,
        "estimated_minutes": 45,
    }
    data.update(overrides)
    return data


def row_data(activity_pk: int, section: str, /, **fields: Any) -> dict[str, Any]:
    return {f"a{activity_pk}-{section}-{name}": value for name, value in fields.items()}


# --- Every screen, and who may see it ----------------------------------------------------------
Screen = tuple[str, str, dict[str, Any]]


@pytest.fixture
def screens(plan: MaintenancePlan, draft: PlanVersion, pumps: list[Resource], planner: User) -> dict[str, Screen]:
    """name -> (method, url, data) for every plan screen and action."""
    apply_plan(plan, pumps[0], user=planner)
    instance = PlanInstance.objects.get(plan=plan)
    activity = draft.activities.get()
    item = ChecklistItemFactory(activity=activity)
    change_set = draft.change_set
    return {
        "plan_list": ("get", reverse("plans:plan_list"), {}),
        "plan_create": ("get", reverse("plans:plan_create"), {}),
        "plan_create_post": ("post", reverse("plans:plan_create"), {"code": "X", "name": "X"}),
        "plan_detail": ("get", reverse("plans:plan_detail", args=[plan.pk]), {}),
        "plan_diff": ("get", reverse("plans:plan_diff", args=[plan.pk]), {}),
        "version_create": ("post", reverse("plans:version_create", args=[plan.pk]), {}),
        "plan_apply": ("get", reverse("plans:plan_apply", args=[plan.pk]), {}),
        "plan_apply_post": (
            "post",
            reverse("plans:plan_apply", args=[plan.pk]),
            {"entities": [f"resource:{pumps[1].pk}"]},
        ),
        "instance_list": ("get", reverse("plans:instance_list", args=[plan.pk]), {}),
        "instance_deactivate": ("post", reverse("plans:instance_deactivate", args=[instance.pk]), {"reason": "x"}),
        "version_detail": ("get", reverse("plans:version_detail", args=[draft.pk]), {}),
        "version_delete": ("post", reverse("plans:version_delete", args=[draft.pk]), {}),
        "version_make_effective": ("post", reverse("plans:version_make_effective", args=[draft.pk]), {}),
        "activity_create": ("get", reverse("plans:activity_create", args=[draft.pk]), {}),
        "activity_create_post": ("post", reverse("plans:activity_create", args=[draft.pk]), activity_data()),
        "activity_update": ("get", reverse("plans:activity_update", args=[activity.pk]), {}),
        "activity_delete": ("post", reverse("plans:activity_delete", args=[activity.pk]), {}),
        "row_add": ("post", reverse("plans:row_add", args=[activity.pk, "checklist"]), {}),
        "row_delete": ("post", reverse("plans:row_delete", args=[activity.pk, "checklist", item.pk]), {}),
        "changeset_list": ("get", reverse("plans:changeset_list"), {}),
        "changeset_submit": ("post", reverse("plans:changeset_submit", args=[change_set.pk]), {}),
        "changeset_approve": ("post", reverse("plans:changeset_approve", args=[change_set.pk]), {}),
        "changeset_reject": ("post", reverse("plans:changeset_reject", args=[change_set.pk]), {"reason": "x"}),
    }


GET_SCREENS = [
    "plan_list",
    "plan_create",
    "plan_detail",
    "plan_diff",
    "plan_apply",
    "instance_list",
    "version_detail",
    "activity_create",
    "activity_update",
    "changeset_list",
]
ALL_SCREENS = [
    *GET_SCREENS,
    "plan_create_post",
    "version_create",
    "plan_apply_post",
    "instance_deactivate",
    "version_delete",
    "version_make_effective",
    "activity_create_post",
    "activity_delete",
    "row_add",
    "row_delete",
    "changeset_submit",
    "changeset_approve",
    "changeset_reject",
]


@pytest.mark.parametrize("name", GET_SCREENS)
def test_each_screen_renders_for_a_planner(client: Client, planner: User, screens: dict[str, Screen], name: str):
    _method, url, _data = screens[name]
    response = logged_in(client, planner).get(url)
    assert response.status_code == 200
    assert b'<main id="main"' in response.content


@pytest.mark.parametrize("name", ALL_SCREENS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_technician_is_refused_every_screen_get_and_post(
    client: Client, technician: User, screens: dict[str, Screen], name: str, method: str
):
    _method, url, data = screens[name]
    versions_before = PlanVersion.objects.count()
    response = getattr(logged_in(client, technician), method)(url, data if method == "post" else None)
    assert response.status_code == 403
    assert PlanVersion.objects.count() == versions_before


@pytest.mark.parametrize("name", ["plan_list", "plan_detail", "version_detail"])
def test_anonymous_is_sent_to_log_in(client: Client, screens: dict[str, Screen], name: str):
    response = client.get(screens[name][1])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_supervisor_sees_plans_but_may_not_create_or_apply(
    client: Client, supervisor: User, screens: dict[str, Screen]
):
    logged_in(client, supervisor)
    assert client.get(screens["plan_list"][1]).status_code == 200
    assert client.get(screens["version_detail"][1]).status_code == 200
    assert client.get(screens["plan_create"][1]).status_code == 403
    assert client.get(screens["plan_apply"][1]).status_code == 403
    # The service refuses what the role may not do: a 403, never a change.
    response = client.post(screens["activity_create_post"][1], screens["activity_create_post"][2])
    assert response.status_code == 403


def test_the_nav_shows_plans_to_planners_and_supervisors_only(client: Client, planner: User, technician: User):
    plans_link = f'href="{reverse("plans:plan_list")}"'.encode()
    assert plans_link in logged_in(client, planner).get("/").content
    assert plans_link not in logged_in(client, technician).get("/").content


# --- The journey -------------------------------------------------------------------------------
def test_the_whole_journey_through_the_screens(client: Client, planner: User, supervisor: User, pumps: list[Resource]):
    logged_in(client, planner)
    response = client.post(
        reverse("plans:plan_create"),
        {
            "code": "CHL-W",
            "name": "Chlorinator weekly check",
            "description": "Dosing pump and tubing.",
            "change_set": "",
        },
    )
    version = PlanVersion.objects.get(plan__code="CHL-W")
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:version_detail", args=[version.pk])

    response = client.post(reverse("plans:activity_create", args=[version.pk]), activity_data(code="weekly"))
    activity = version.activities.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#activity-{activity.pk}")

    url = reverse("plans:row_add", args=[activity.pk, "checklist"])
    response = client.post(
        url, row_data(activity.pk, "checklist", text="Check the tubing", kind="check", position=1), **HTMX
    )
    assert response.status_code == 200
    assert b"Check the tubing" in response.content
    assert b'id="activity-%d-checklist"' % activity.pk in response.content
    assert ChecklistItem.objects.filter(activity=activity, text="Check the tubing").exists()

    response = client.post(reverse("plans:changeset_submit", args=[version.change_set_id]), follow=True)
    assert "submitted for approval" in " ".join(messages_of(response))

    logged_in(client, supervisor)
    queue = client.get(reverse("plans:changeset_list"), {"state": "in_approval"})
    assert b"CHL-W version 1" in queue.content
    assert b"Sign and approve" in queue.content
    response = client.post(
        reverse("plans:changeset_approve", args=[version.change_set_id]),
        {"password": TEST_PASSWORD, "meaning": "approved"},
        follow=True,
    )
    assert "approved and signed" in " ".join(messages_of(response))

    logged_in(client, planner)
    response = client.post(reverse("plans:version_make_effective", args=[version.pk]), follow=True)
    assert "is now effective" in " ".join(messages_of(response))
    version.refresh_from_db()
    assert version.state == PlanVersionState.EFFECTIVE

    apply_url = reverse("plans:plan_apply", args=[version.plan_id])
    page = client.get(apply_url, {"kind": "resource", "area": pumps[0].area_id})
    assert b"P-101" in page.content
    assert b"P-103" in page.content
    response = client.post(
        apply_url,
        {
            "entities": [f"resource:{pumps[0].pk}", f"resource:{pumps[1].pk}"],
            "owner_role": Group.objects.get(name=SUPERVISOR).pk,
            "start_date": "2026-02-01",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:instance_list", args=[version.plan_id])
    listing = client.get(response["Location"])
    assert b"P-101" in listing.content
    assert b"P-102" in listing.content
    assert b"P-103" not in listing.content
    assert PlanInstance.objects.filter(plan=version.plan, start_date=datetime.date(2026, 2, 1)).count() == 2


def test_a_new_plan_can_join_an_open_change_set(client: Client, planner: User, draft: PlanVersion):
    response = logged_in(client, planner).post(
        reverse("plans:plan_create"),
        {"code": "GEN-250", "name": "Generator service", "change_set": draft.change_set_id},
    )
    assert response.status_code == 302
    assert PlanVersion.objects.get(plan__code="GEN-250").change_set_id == draft.change_set_id


def test_a_taken_plan_code_is_an_inline_error(client: Client, planner: User, plan: MaintenancePlan):
    response = logged_in(client, planner).post(reverse("plans:plan_create"), {"code": "PUMP-M", "name": "Again"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


def test_new_draft_version_from_the_plan_page(client: Client, planner: User, plan: MaintenancePlan):
    page = logged_in(client, planner).get(reverse("plans:plan_detail", args=[plan.pk]))
    assert b"New draft version" in page.content
    response = client.post(reverse("plans:version_create", args=[plan.pk]), {"change_set": "", "notes": "Tweak."})
    draft = plan.versions.get(number=2)
    assert response["Location"] == reverse("plans:version_detail", args=[draft.pk])
    assert draft.activities.count() == 1  # copied from the effective version
    # A second draft while one is open is refused with the service's message.
    response = client.post(reverse("plans:version_create", args=[plan.pk]), {"change_set": ""}, follow=True)
    assert "already a draft being edited" in " ".join(messages_of(response))


def test_delete_draft(client: Client, planner: User, draft: PlanVersion):
    response = logged_in(client, planner).post(reverse("plans:version_delete", args=[draft.pk]), follow=True)
    assert "deleted" in " ".join(messages_of(response))
    assert not PlanVersion.objects.filter(pk=draft.pk).exists()


def test_reject_with_reason(client: Client, planner: User, supervisor: User, draft: PlanVersion):
    services.changeset_submit(change_set=draft.change_set, user=planner)
    logged_in(client, supervisor)
    page = client.get(reverse("plans:plan_detail", args=[draft.plan_id]))
    assert b"Reject with reason" in page.content
    response = client.post(reverse("plans:changeset_reject", args=[draft.change_set_id]), {"reason": ""}, follow=True)
    assert "Say why" in " ".join(messages_of(response))
    response = client.post(
        reverse("plans:changeset_reject", args=[draft.change_set_id]), {"reason": "Wrong interval."}, follow=True
    )
    assert "rejected" in " ".join(messages_of(response))
    draft.change_set.refresh_from_db()
    assert draft.change_set.state == ChangeSetState.REJECTED


def test_buttons_follow_state_and_role(client: Client, planner: User, supervisor: User, draft: PlanVersion):
    url = reverse("plans:plan_detail", args=[draft.plan_id])
    page = logged_in(client, planner).get(url).content.decode()
    assert "Submit change set" in page
    assert "Delete draft" in page
    assert "Edit draft" in page
    assert ">Sign and approve<" not in page
    page = logged_in(client, supervisor).get(url).content.decode()
    assert "Submit change set" not in page
    assert "Delete draft" not in page
    services.changeset_submit(change_set=draft.change_set, user=planner)
    assert ">Sign and approve<" in logged_in(client, supervisor).get(url).content.decode()
    # Four eyes: the planner who submitted does not see Approve (nor could a planner approve anyway).
    assert ">Sign and approve<" not in logged_in(client, planner).get(url).content.decode()


def test_deactivate_an_instance(client: Client, planner: User, plan: MaintenancePlan, pumps: list[Resource]):
    (instance,) = apply_plan(plan, pumps[0], user=planner)
    url = reverse("plans:instance_deactivate", args=[instance.pk])
    response = logged_in(client, planner).post(url, {"reason": "Pump replaced."}, follow=True)
    assert "deactivated" in " ".join(messages_of(response))
    instance.refresh_from_db()
    assert not instance.active
    assert instance.deactivation_reason == "Pump replaced."
    listing = client.get(reverse("plans:instance_list", args=[plan.pk]))
    assert b"P-101" not in listing.content
    assert b"P-101" in client.get(reverse("plans:instance_list", args=[plan.pk]), {"active": "all"}).content
    response = client.post(url, {"reason": "Again."}, follow=True)
    assert "already inactive" in " ".join(messages_of(response))


def test_implicit_change_sets_let_the_planner_make_a_draft_effective(client: Client, planner: User, settings: Any):
    settings.IMPLICIT_CHANGE_SETS = True
    version = services.plan_create(user=planner, code="QUICK", name="Without ceremony")
    ActivityFactory(version=version)
    page = logged_in(client, planner).get(reverse("plans:plan_detail", args=[version.plan_id])).content.decode()
    assert "Make effective" in page
    response = client.post(reverse("plans:version_make_effective", args=[version.pk]), follow=True)
    assert "is now effective" in " ".join(messages_of(response))
    version.refresh_from_db()
    assert version.state == PlanVersionState.EFFECTIVE


# --- Refusals ----------------------------------------------------------------------------------
def test_applying_twice_names_the_entities(client: Client, planner: User, plan: MaintenancePlan, pumps: list[Resource]):
    apply_plan(plan, pumps[0], user=planner)
    response = logged_in(client, planner).post(
        reverse("plans:plan_apply", args=[plan.pk]),
        {
            "entities": [f"resource:{pumps[0].pk}", f"resource:{pumps[1].pk}"],
            "owner_role": Group.objects.get(name=SUPERVISOR).pk,
            "start_date": "2026-01-01",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert any("already applied to" in e and "P-101" in e for e in errors)
    assert "already applied to" in response.content.decode()
    assert PlanInstance.objects.filter(plan=plan).count() == 1


def test_apply_only_to_entities_of_the_users_sites(
    client: Client, planner: User, plan: MaintenancePlan, pumps: list[Resource]
):
    elsewhere = ResourceFactory(tag="FAR-1")  # a site the planner is not a member of
    url = reverse("plans:plan_apply", args=[plan.pk])
    logged_in(client, planner)
    assert b"FAR-1" not in client.get(url).content
    response = client.post(
        url,
        {
            "entities": [f"resource:{elsewhere.pk}"],
            "owner_role": Group.objects.get(name=SUPERVISOR).pk,
            "start_date": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert "not in your sites" in response.content.decode()
    assert not PlanInstance.objects.exists()


def test_apply_filters_by_area_kind_and_search(client: Client, planner: User, plan: MaintenancePlan, site: Area):
    north = AreaFactory(parent=site, name="North building")
    south = AreaFactory(parent=site, name="South building")
    ResourceFactory(tag="N-PUMP", name="North pump", area=north)
    ResourceFactory(tag="S-PUMP", name="South pump", area=south)
    ResourceFactory(tag="N-FAN", name="North fan", area=north)
    url = reverse("plans:plan_apply", args=[plan.pk])
    page = logged_in(client, planner).get(url, {"kind": "resource", "area": north.pk, "q": "pump"}).content
    assert b"N-PUMP" in page
    assert b"S-PUMP" not in page
    assert b"N-FAN" not in page
    page = client.get(url, {"kind": "area", "area": site.pk}).content
    assert b"North building" in page
    assert b"South building" in page


def test_submitting_a_version_without_activities_is_refused(client: Client, planner: User):
    version = services.plan_create(user=planner, code="EMPTY", name="Nothing yet")
    response = logged_in(client, planner).post(
        reverse("plans:changeset_submit", args=[version.change_set_id]),
        {"next": reverse("plans:version_detail", args=[version.pk])},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("plans:version_detail", args=[version.pk])
    assert "has no activities yet" in " ".join(messages_of(response))
    version.change_set.refresh_from_db()
    assert version.change_set.state == ChangeSetState.CREATED


def test_make_effective_before_approval_is_refused(client: Client, planner: User, draft: PlanVersion):
    response = logged_in(client, planner).post(reverse("plans:version_make_effective", args=[draft.pk]), follow=True)
    assert "must be approved first" in " ".join(messages_of(response))


def test_activity_form_shows_rule_errors_inline(client: Client, planner: User, draft: PlanVersion):
    url = reverse("plans:activity_create", args=[draft.pk])
    response = logged_in(client, planner).post(url, activity_data(code="bad", time_interval="", time_unit=""))
    assert response.status_code == 200
    form = response.context["form"]
    assert "A time trigger needs an interval." in form.errors["time_interval"]
    # The code of another activity of the version: refused by the model, shown on the form.
    existing = draft.activities.get()
    response = client.post(url, activity_data(code=existing.code))
    assert response.status_code == 200
    assert response.context["form"].errors


def test_fields_of_another_trigger_are_cleared_not_refused(client: Client, planner: User, draft: PlanVersion):
    url = reverse("plans:activity_create", args=[draft.pk])
    data = activity_data(code="breakdown", trigger="ad_hoc", schedule_next_mode="fixed", counter_name="Hours")
    response = logged_in(client, planner).post(url, data)
    assert response.status_code == 302
    activity = draft.activities.get(code="breakdown")
    assert activity.time_interval is None
    assert activity.schedule_next_mode == ""
    assert activity.counter_name == ""


def test_edit_and_delete_an_activity(client: Client, planner: User, draft: PlanVersion):
    activity = draft.activities.get()
    logged_in(client, planner)
    data = activity_data(code=activity.code, name="Renamed inspection")
    response = client.post(reverse("plans:activity_update", args=[activity.pk]), data)
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.name == "Renamed inspection"
    response = client.post(reverse("plans:activity_delete", args=[activity.pk]), follow=True)
    assert "deleted" in " ".join(messages_of(response))
    assert not draft.activities.exists()


@pytest.mark.parametrize(
    ("kind", "fields", "expected"),
    [
        (
            "checklist",
            {
                "text": "Discharge pressure",
                "kind": "number",
                "unit": "bar",
                "lower_limit": 2,
                "upper_limit": 6,
                "position": 2,
            },
            "Discharge pressure",
        ),
        ("parts", {"quantity": "2"}, "PN-"),
        (
            "data",
            {
                "name": "Bearing temperature",
                "unit": "°C",
                "position": 1,
                "lower_warning_limit": 10,
                "upper_warning_limit": 60,
            },
            "Bearing temperature",
        ),
        ("personnel", {"count": 2, "trade": "electrician", "estimated_hours": "1.5"}, "electrician"),
        (
            "actions",
            {"on_transition": "late_due", "kind": "notify", "recipients": ["owner_role"], "emails": "ops@example.org"},
            "ops@example.org",
        ),
        (
            "actions",
            {"on_transition": "due", "kind": "webhook", "url": "https://erp.example.org/hook"},
            "erp.example.org",
        ),
        ("actions", {"on_transition": "late_due", "kind": "raise_priority", "priority": 4}, "Raise priority"),
    ],
)
def test_add_and_delete_rows_inline(
    client: Client, planner: User, draft: PlanVersion, kind: str, fields: dict[str, Any], expected: str
):
    activity = draft.activities.get()
    if kind == "parts":
        fields["part"] = PartFactory().pk
    if kind == "personnel":
        fields["certification"] = CertificationFactory(name="LV electrical").pk
    logged_in(client, planner)
    response = client.post(
        reverse("plans:row_add", args=[activity.pk, kind]), row_data(activity.pk, kind, **fields), **HTMX
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert expected in content, content
    assert "errorlist" not in content
    related = {
        "checklist": "checklist_items",
        "parts": "parts",
        "data": "data_parameters",
        "personnel": "personnel",
        "actions": "actions",
    }[kind]
    row = getattr(activity, related).order_by("-pk").first()
    response = client.post(reverse("plans:row_delete", args=[activity.pk, kind, row.pk]), **HTMX)
    assert response.status_code == 200
    assert not type(row).objects.filter(pk=row.pk).exists()


def test_row_errors_re_render_the_partial(client: Client, planner: User, draft: PlanVersion):
    activity = draft.activities.get()
    url = reverse("plans:row_add", args=[activity.pk, "actions"])
    logged_in(client, planner)
    response = client.post(url, row_data(activity.pk, "actions", on_transition="due", kind="webhook", url=""), **HTMX)
    assert response.status_code == 200
    assert "A webhook needs an http(s) URL." in response.content.decode()
    data = row_data(activity.pk, "checklist", text="Pressure", kind="number", lower_limit=6, upper_limit=2, position=1)
    response = client.post(reverse("plans:row_add", args=[activity.pk, "checklist"]), data, **HTMX)
    assert "must not be below the lower limit" in response.content.decode()
    # Without htmx the whole editor comes back with the form open and its errors.
    response = client.post(url, row_data(activity.pk, "actions", on_transition="due", kind="webhook", url=""))
    assert response.status_code == 200
    assert "A webhook needs an http(s) URL." in response.content.decode()
    assert not ActivityAction.objects.filter(activity=activity).exists()


def test_a_duplicate_row_is_an_inline_error(client: Client, planner: User, draft: PlanVersion):
    activity = draft.activities.get()
    part = PartFactory()
    url = reverse("plans:row_add", args=[activity.pk, "parts"])
    logged_in(client, planner)
    client.post(url, row_data(activity.pk, "parts", part=part.pk, quantity=1), **HTMX)
    response = client.post(url, row_data(activity.pk, "parts", part=part.pk, quantity=2), **HTMX)
    assert response.status_code == 200
    assert "already on the bill" in response.content.decode()


# --- A locked version --------------------------------------------------------------------------
def test_a_locked_version_is_read_only_and_refuses_writes(client: Client, planner: User, plan: MaintenancePlan):
    version = plan.effective_version
    activity = version.activities.get()
    item = ChecklistItemFactory.build(activity=activity)  # not saved: the version is locked
    logged_in(client, planner)
    page = client.get(reverse("plans:version_detail", args=[version.pk])).content.decode()
    assert "read-only" in page
    assert "Add activity" not in page
    assert "Edit activity" not in page
    assert "Add checklist item" not in page

    response = client.post(reverse("plans:activity_create", args=[version.pk]), activity_data(code="new"), follow=True)
    assert "cannot be changed" in " ".join(messages_of(response))
    response = client.post(reverse("plans:activity_delete", args=[activity.pk]), follow=True)
    assert "cannot be changed" in " ".join(messages_of(response))
    url = reverse("plans:row_add", args=[activity.pk, "checklist"])
    response = client.post(url, row_data(activity.pk, "checklist", text="Late", kind="check", position=1), **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("plans:version_detail", args=[version.pk])
    page = client.get(response["HX-Redirect"])
    assert "cannot be changed" in " ".join(messages_of(page))
    assert version.activities.count() == 1
    assert item.pk is None
    assert not ChecklistItem.objects.filter(text="Late").exists()


def test_a_submitted_draft_is_locked_too(client: Client, planner: User, draft: PlanVersion):
    services.changeset_submit(change_set=draft.change_set, user=planner)
    activity = draft.activities.get()
    response = logged_in(client, planner).post(
        reverse("plans:activity_update", args=[activity.pk]), activity_data(code=activity.code, name="X"), follow=True
    )
    assert "cannot be changed while its change set is in approval" in " ".join(messages_of(response))


# --- The diff ----------------------------------------------------------------------------------
def test_diff_defaults_to_effective_against_the_draft(client: Client, planner: User, draft: PlanVersion):
    activity = draft.activities.get()
    activity.name = "Monthly inspection with seal check"
    activity.save()
    ChecklistItemFactory(activity=activity, text="Check the mechanical seal", position=9)
    ActivityFactory(version=draft, code="quarterly", name="Quarterly alignment")
    response = logged_in(client, planner).get(reverse("plans:plan_diff", args=[draft.plan_id]))
    assert response.status_code == 200
    assert response.context["old"].number == 1
    assert response.context["new"].number == 2
    content = response.content.decode()
    assert "Monthly inspection with seal check" in content
    assert "Check the mechanical seal" in content
    assert "Quarterly alignment" in content
    assert "added" in content
    assert "From version 1 to version 2" in content


def test_diff_of_chosen_versions_and_of_one_version(client: Client, planner: User, draft: PlanVersion):
    url = reverse("plans:plan_diff", args=[draft.plan_id])
    v1 = draft.plan.versions.get(number=1)
    response = logged_in(client, planner).get(url, {"a": draft.pk, "b": v1.pk})
    assert response.context["old"] == draft
    assert response.context["new"] == v1
    response = client.get(url, {"a": v1.pk, "b": v1.pk})
    assert "Choose two different versions" in response.content.decode()
    lonely = services.plan_create(user=planner, code="ONE", name="One version")
    response = client.get(reverse("plans:plan_diff", args=[lonely.plan_id]))
    assert response.status_code == 200
    assert not response.context["compared"]


# --- Filters -----------------------------------------------------------------------------------
def test_plan_list_filters(client: Client, planner: User, supervisor: User, site: Area, pumps: list[Resource]):
    usage = effective_plan(
        code="GEN-250", name="Generator service", activities=[{"ad_hoc": True}], planner=planner, supervisor=supervisor
    )
    monthly = effective_plan(code="PUMP-M", name="Pump monthly", planner=planner, supervisor=supervisor)
    services.plan_create(user=planner, code="NEW-1", name="Not effective")
    apply_plan(monthly, pumps[0], user=planner)
    url = reverse("plans:plan_list")
    logged_in(client, planner)

    def codes(**params: Any) -> set[str]:
        return {p.code for p in client.get(url, params).context["plans"]}

    assert codes() == {"GEN-250", "PUMP-M", "NEW-1"}
    assert codes(q="generator") == {"GEN-250"}
    assert codes(has_effective="no") == {"NEW-1"}
    assert codes(has_effective="yes") == {"GEN-250", "PUMP-M"}
    assert codes(trigger="ad_hoc") == {"GEN-250"}
    assert codes(trigger="time") == {"PUMP-M"}
    assert codes(site=site.pk) == {"PUMP-M"}
    assert "No plan matches" in client.get(url, {"q": "zzz"}).content.decode()
    page = client.get(url).content.decode()
    assert "1 active instance" in page
    assert "draft v1" in page
    assert usage.effective_version is not None


def test_nonsense_filters_are_ignored_not_a_500(client: Client, planner: User, plan: MaintenancePlan):
    params = {"trigger": "weekly", "site": "999999", "has_effective": "maybe", "page": "x"}
    response = logged_in(client, planner).get(reverse("plans:plan_list"), params)
    assert response.status_code == 200
    response = client.get(reverse("plans:plan_apply", args=[plan.pk]), {"kind": "robot", "area": "nope"})
    assert response.status_code == 200
    response = client.get(reverse("plans:changeset_list"), {"state": "lost"})
    assert response.status_code == 200


def test_empty_plan_list(client: Client, planner: User):
    content = logged_in(client, planner).get(reverse("plans:plan_list")).content.decode()
    assert "There are no maintenance plans yet." in content


def test_change_set_queue_for_a_supervisor(client: Client, planner: User, supervisor: User, draft: PlanVersion):
    open_set = PlanVersionFactory().change_set
    services.changeset_submit(change_set=draft.change_set, user=planner)
    logged_in(client, supervisor)
    assert b"1 change set is waiting for approval" in client.get(reverse("plans:plan_list")).content
    listed = list(client.get(reverse("plans:changeset_list"), {"state": "in_approval"}).context["change_sets"])
    assert [c.pk for c in listed] == [draft.change_set_id]
    assert listed[0].may_decide
    assert open_set.pk in [c.pk for c in client.get(reverse("plans:changeset_list")).context["change_sets"]]


# --- Query counts ------------------------------------------------------------------------------
def count_queries(fetch: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    assert response.status_code == 200
    return len(captured)


def make_plans(count: int, planner: User, supervisor: User, pumps: list[Resource]) -> None:
    for _ in range(count):
        plan = effective_plan(code=f"Q-{MaintenancePlan.objects.count():03d}", planner=planner, supervisor=supervisor)
        services.version_create_draft(plan=plan, user=planner)
        apply_plan(plan, *pumps[:2], user=planner)


def test_list_query_counts_do_not_grow_with_rows(
    client: Client, planner: User, supervisor: User, pumps: list[Resource], django_assert_max_num_queries: Any
):
    logged_in(client, planner)
    screens = {
        "plans": lambda: client.get(reverse("plans:plan_list")),
        "change sets": lambda: client.get(reverse("plans:changeset_list")),
    }
    make_plans(3, planner, supervisor, pumps)
    few = {name: count_queries(fetch) for name, fetch in screens.items()}
    make_plans(7, planner, supervisor, pumps)
    for name, fetch in screens.items():
        with django_assert_max_num_queries(few[name]):
            fetch()
    plan = MaintenancePlan.objects.first()
    instances = lambda: client.get(reverse("plans:instance_list", args=[plan.pk]))  # noqa: E731
    one = count_queries(instances)
    apply_plan(plan, pumps[2], user=planner)
    with django_assert_max_num_queries(one):
        instances()


def test_editor_and_apply_query_counts_do_not_grow(
    client: Client, planner: User, draft: PlanVersion, pumps: list[Resource], django_assert_max_num_queries: Any
):
    logged_in(client, planner)
    editor = lambda: client.get(reverse("plans:version_detail", args=[draft.pk]))  # noqa: E731
    apply = lambda: client.get(reverse("plans:plan_apply", args=[draft.plan_id]))  # noqa: E731
    few = count_queries(editor), count_queries(apply)
    for n in range(3):
        activity = ActivityFactory(version=draft, code=f"extra-{n}")
        ChecklistItemFactory(activity=activity)
        ResourceFactory(area=pumps[0].area)
    with django_assert_max_num_queries(few[0]):
        editor()
    with django_assert_max_num_queries(few[1]):
        apply()
