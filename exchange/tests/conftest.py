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
