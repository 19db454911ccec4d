"""``visible_site_ids``: the one rule every screen, API list and report scopes by."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from assets.factories import SiteFactory
from core.roles import ADMINISTRATOR, INTEGRATOR, PLANNER, TECHNICIAN
from core.scoping import visible_site_ids
from core.testing import UserFactory
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [ADMINISTRATOR, INTEGRATOR])
def test_organisation_wide_roles_see_every_site(role: str) -> None:
    assert visible_site_ids(make_role_user(role, site=SiteFactory())) is None


def test_a_superuser_sees_every_site() -> None:
    assert visible_site_ids(UserFactory(is_superuser=True)) is None


def test_a_member_sees_their_sites() -> None:
    north, south = SiteFactory(), SiteFactory()
    SiteFactory()
    technician = make_role_user(TECHNICIAN, site=north)
    planner = make_role_user(PLANNER, site=north)
    planner.employee.sites.add(south)
    assert visible_site_ids(technician) == [north.pk]
    assert sorted(visible_site_ids(planner) or []) == sorted([north.pk, south.pk])


def test_a_user_without_sites_sees_none() -> None:
    assert visible_site_ids(make_role_user(TECHNICIAN)) == []
    assert visible_site_ids(UserFactory()) == []


def test_an_anonymous_user_sees_none() -> None:
    assert visible_site_ids(AnonymousUser()) == []


def test_the_answer_is_cached_on_the_user(django_assert_num_queries: Any) -> None:
    technician = make_role_user(TECHNICIAN, site=SiteFactory())
    first = visible_site_ids(technician)
    with django_assert_num_queries(0):
        assert visible_site_ids(technician) == first
