"""Fixtures for the plans tests: one user per role, and plans at each stage of their life."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from core.roles import ADMINISTRATOR, PLANNER, REQUESTER, STOREKEEPER, SUPERVISOR, TECHNICIAN
from people.factories import make_role_user
from plans.factories import ActivityFactory, PlanVersionFactory, effective_plan
from plans.models import MaintenancePlan, PlanVersion


@pytest.fixture
def planner(db: None) -> User:
    return make_role_user(PLANNER, username="planner")


@pytest.fixture
def supervisor(db: None) -> User:
    return make_role_user(SUPERVISOR, username="supervisor")


@pytest.fixture
def administrator(db: None) -> User:
    return make_role_user(ADMINISTRATOR, username="administrator")


@pytest.fixture
def technician(db: None) -> User:
    return make_role_user(TECHNICIAN, username="technician")


@pytest.fixture
def requester(db: None) -> User:
    return make_role_user(REQUESTER, username="requester")


@pytest.fixture
def storekeeper(db: None) -> User:
    return make_role_user(STOREKEEPER, username="storekeeper")


@pytest.fixture
def draft(db: None) -> PlanVersion:
    """Version 1 of a new plan, a draft with one monthly activity in an open change set."""
    version = PlanVersionFactory()
    ActivityFactory(version=version)
    return version


@pytest.fixture
def plan(planner: User, supervisor: User) -> MaintenancePlan:
    """A plan whose version 1 (one monthly activity) is effective."""
    return effective_plan(planner=planner, supervisor=supervisor)
