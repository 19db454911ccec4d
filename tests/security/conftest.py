"""Fixtures of the security tests: the demo data loaded once per module, and a WSGI app that keeps the
test's database transaction.

The demo (three sites, one login per role, a year of history) gives every endpoint and screen real rows to
answer with; loading it takes about two seconds, so each module loads it once inside a transaction that is
rolled back at the end, and each test runs in a savepoint inside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction

from mms.demo import load_demo


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    """The demo data, loaded once for the module in a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        counts = load_demo()
        yield counts
        transaction.set_rollback(True)


class InTransactionWSGIHandler(WSGIHandler):
    """Django's WSGI application, minus the connection closing at request start and end.

    Django's test client does the same: closing "old" connections would end the test's transaction (and
    with it the demo data) after the first request.
    """

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return super().__call__(environ, start_response)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.fixture
def wsgi_app() -> WSGIHandler:
    """The project's WSGI application, for in-process requests (schemathesis' WSGI transport)."""
    cache.clear()  # the throttles count per user in the cache: start every test with empty windows
    return InTransactionWSGIHandler()
