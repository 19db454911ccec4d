"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os

import pytest

# pytest-django runs live_server in a thread beside Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def role_user(db):
    """Make a user with one role: ``role_user("Technician", site=area)``."""
    from people.factories import make_role_user

    return make_role_user
