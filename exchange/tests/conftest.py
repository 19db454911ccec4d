"""Fixtures of the exchange tests: the real public files in ``../shared/data`` (skipped where absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
