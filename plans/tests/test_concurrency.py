"""Races between people acting on the same plan at the same moment (real transactions, PostgreSQL only).

Each test starts the competing service calls in threads released together by a barrier; every thread
has its own database connection and closes it when done.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.db import connection

from assets.factories import ResourceFactory
from core.concurrency import run_together
from core.errors import ActionNotAllowed
from core.roles import ADMINISTRATOR, PLANNER, ROLES, SUPERVISOR, sync_roles
from core.testing import TEST_PASSWORD
from people.factories import make_role_user
from plans.factories import ActivityFactory, apply_plan, approve_version, effective_plan
from plans.models import ChangeSet, ChangeSetState, MaintenancePlan, PlanInstance, PlanVersion, PlanVersionState
from plans.services import changeset_approve, changeset_submit, version_create_draft, version_make_effective

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_with_roles(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "Row locks (SELECT ... FOR UPDATE) are what these races test; SQLite locks the whole database "
            "instead. Run with DATABASE_URL=postgres://... (CI does)."
        )
    # Transactional tests flush every table, the role groups included: make them again.
    if Group.objects.filter(name__in=ROLES).count() < len(ROLES):
        sync_roles(apps)


@pytest.fixture
def planner() -> User:
    return make_role_user(PLANNER, username="planner")


@pytest.fixture
def supervisor() -> User:
    return make_role_user(SUPERVISOR, username="supervisor")


@pytest.fixture
def plan(planner: User, supervisor: User) -> MaintenancePlan:
    return effective_plan(planner=planner, supervisor=supervisor)


def approved_draft(plan: MaintenancePlan, planner: User, supervisor: User) -> PlanVersion:
    return approve_version(version_create_draft(plan=plan, user=planner), planner=planner, supervisor=supervisor)


def test_two_versions_made_effective_at_once_leave_exactly_one(
    plan: MaintenancePlan, planner: User, supervisor: User
) -> None:
    other_planner = make_role_user(PLANNER)
    for _round in range(3):
        first = approved_draft(plan, planner, supervisor)
        second = approved_draft(plan, planner, supervisor)

        results = run_together(
            lambda v=first: version_make_effective(version=v, user=planner),  # type: ignore[misc]
            lambda v=second: version_make_effective(version=v, user=other_planner),  # type: ignore[misc]
        )

        # The plan row lock makes them take turns: both succeed, the later one wins.
        assert all(isinstance(result, PlanVersion) for result in results), results
        effective = PlanVersion.objects.filter(plan=plan, state=PlanVersionState.EFFECTIVE)
        assert effective.count() == 1
        plan.refresh_from_db()
        assert plan.effective_version == effective.get()
        assert plan.effective_version in (first, second)
        others = PlanVersion.objects.filter(plan=plan).exclude(pk=plan.effective_version.pk)
        assert set(others.values_list("state", flat=True)) == {PlanVersionState.SUPERSEDED}


def test_the_same_plan_applied_to_the_same_entity_at_once(plan: MaintenancePlan, planner: User) -> None:
    other_planner = make_role_user(PLANNER)
    for _round in range(3):
        pump = ResourceFactory()
        results = run_together(
            lambda p=pump: apply_plan(plan, p, user=planner),  # type: ignore[misc]
            lambda p=pump: apply_plan(plan, p, user=other_planner),  # type: ignore[misc]
        )

        succeeded = [r for r in results if isinstance(r, list)]
        refused = [r for r in results if isinstance(r, ActionNotAllowed)]
        assert (len(succeeded), len(refused)) == (1, 1), results
        assert "already applied to" in refused[0].message
        assert str(pump) in refused[0].message
        assert PlanInstance.objects.filter(plan=plan, resource=pump).count() == 1


def test_two_drafts_of_one_plan_at_once(plan: MaintenancePlan, planner: User) -> None:
    other_planner = make_role_user(PLANNER)
    results = run_together(
        lambda: version_create_draft(plan=plan, user=planner),
        lambda: version_create_draft(plan=plan, user=other_planner),
    )
    drafts = [r for r in results if isinstance(r, PlanVersion)]
    refused = [r for r in results if isinstance(r, ActionNotAllowed)]
    assert (len(drafts), len(refused)) == (1, 1), results
    assert "already a draft being edited" in refused[0].message
    assert list(plan.versions.order_by("number").values_list("number", flat=True)) == [1, 2]


def test_a_change_set_approved_twice_at_once(planner: User, supervisor: User) -> None:
    version = effective_plan(planner=planner, supervisor=supervisor).effective_version
    assert version is not None
    draft = version_create_draft(plan=version.plan, user=planner)
    ActivityFactory(version=draft)
    change_set = changeset_submit(change_set=draft.change_set, user=planner)
    administrator = make_role_user(ADMINISTRATOR)

    results = run_together(
        lambda: changeset_approve(change_set=change_set, user=supervisor, password=TEST_PASSWORD),
        lambda: changeset_approve(change_set=change_set, user=administrator, password=TEST_PASSWORD),
    )

    approved = [r for r in results if isinstance(r, ChangeSet)]
    refused = [r for r in results if isinstance(r, ActionNotAllowed)]
    assert (len(approved), len(refused)) == (1, 1), results
    assert "this one is approved" in refused[0].message
    change_set.refresh_from_db()
    assert change_set.state == ChangeSetState.APPROVED
    assert change_set.decided_by == approved[0].decided_by
    assert change_set.history.filter(state=ChangeSetState.APPROVED).count() == 1
    assert set(change_set.versions.values_list("state", flat=True)) == {PlanVersionState.APPROVED}
