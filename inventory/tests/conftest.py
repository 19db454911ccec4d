"""Fixtures of the inventory tests: a site with a store, a storekeeper, a supervisor and a technician."""

from __future__ import annotations

import pytest

from assets.factories import SiteFactory
from core.roles import STOREKEEPER, SUPERVISOR, TECHNICIAN
from inventory.factories import store_in
from people.factories import make_role_user


@pytest.fixture
def site():
    return SiteFactory(name="Riverside")


@pytest.fixture
def store(site):
    return store_in(site, code="MAIN", name="Main store")


@pytest.fixture
def storekeeper(site):
    return make_role_user(STOREKEEPER, site=site, username="stella-storekeeper")


@pytest.fixture
def supervisor(site):
    return make_role_user(SUPERVISOR, site=site, username="samuel-supervisor")


@pytest.fixture
def technician(site):
    return make_role_user(TECHNICIAN, site=site, username="tom-technician")
