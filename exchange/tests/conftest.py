"""Fixtures of the exchange tests: the real public files in ``../shared/data`` (skipped where absent), and
the site, equipment and people the iCalendar tests work with."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from assets.models import Area, Resource
from core.roles import PLANNER, SUPERVISOR, TECHNICIAN
from people.factories import make_role_user

ROOT = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path:
    """``$MMS_SHARED_DATA`` or ``../shared/data`` beside the project."""
    return Path(os.environ.get("MMS_SHARED_DATA") or ROOT.parent / "shared" / "data")


@pytest.fixture
def shared_data() -> Path:
    """The folder of real public test files; the test is skipped when it is not on this machine."""
    folder = shared_data_dir()
    if not folder.is_dir():
        pytest.skip(f"the shared test data is not at {folder}")
    return folder


# --- The iCalendar tests (test_ical*.py): a site in Nairobi with a pump, its people, the public address --
@pytest.fixture
def public_address(settings: Any) -> str:
    """``SITE_URL`` as a public https address: feed URLs, order links and UIDs are made from it."""
    settings.SITE_URL = "https://mms.example.org"
    return settings.SITE_URL


@pytest.fixture
def site() -> Area:
    return SiteFactory(name="Kisumu water works", time_zone="Africa/Nairobi")


@pytest.fixture
def plant(site: Area) -> Area:
    return AreaFactory(parent=site, name="Treatment plant")


@pytest.fixture
def pump(plant: Area) -> Resource:
    return ResourceFactory(tag="P-0101", name="Raw water pump 1", area=plant)


@pytest.fixture
def technician(site: Area) -> User:
    return make_role_user(TECHNICIAN, site=site, username="tina-tech")


@pytest.fixture
def supervisor(site: Area) -> User:
    return make_role_user(SUPERVISOR, site=site, username="sam-supervisor")


@pytest.fixture
def planner(site: Area) -> User:
    return make_role_user(PLANNER, site=site, username="pat-planner")


# --- CSV registers -------------------------------------------------------------------------------
@pytest.fixture
def csv_site(db):
    """A site (Nairobi time) to import CSV registers into."""
    from assets.factories import SiteFactory

    return SiteFactory(code="S1", name="North works", time_zone="Africa/Nairobi")


@pytest.fixture
def csv_building(csv_site):
    """A building of ``csv_site``, area code B1."""
    from assets.factories import AreaFactory

    return AreaFactory(code="B1", name="Pump house", parent=csv_site)


@pytest.fixture
def csv_admin(db):
    """An administrator: imports every register, in every site."""
    from core.roles import ADMINISTRATOR
    from people.factories import make_role_user

    return make_role_user(ADMINISTRATOR, username="csv-admin")
