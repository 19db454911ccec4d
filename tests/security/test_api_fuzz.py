"""schemathesis over the whole OpenAPI schema, in-process, as each role: no generated request may get a
server error (5xx), a status code the schema does not document, a content type it does not document or a
body that does not conform to the documented schema.

How it runs:
- the schema is the one integrators download (``/api/schema/``), loaded through schemathesis' WSGI support
  (``schemathesis.openapi.from_wsgi``): requests go to the Django application in this process, inside the
  test's transaction, so they see the demo data (``load_demo``: three sites, one login per role, a year of
  orders, readings, stock and plans) and real ids, not only empty lists;
- every operation gets schemathesis' three phases: the schema's examples, the coverage phase (each
  boundary and wrong type of every parameter, deterministic; on the reads, see ``CONFIG``) and
  ``FUZZ_EXAMPLES`` generated cases (positive and negative data); about 5,400 cases in all;
- each case is sent as one identity: a demo role (Technician, Supervisor, Planner, Storekeeper,
  Requester, Administrator, Integrator) or anonymous, chosen from the case's content (``identity_for``), so
  every identity gets hundreds of cases and a rerun sends each case as the same one; each request runs in
  a savepoint rolled back after the answer, so a case that creates or changes a record leaves nothing
  behind for the next;
- Hypothesis is derandomized (no example database either): the same cases every run, so CI is stable.
  ``API_FUZZ_EXAMPLES`` raises the fuzzing phase's cases per operation for a deeper local run.

The test fails with every failing operation's schemathesis report (the failure, the answer and a curl
line to reproduce it), after all operations ran. It asserts at least ``MIN_CASES`` generated cases.
"""

from __future__ import annotations

import os
import time
import zlib
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mms.demo import DEMO_USERS

FUZZ_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "4"))
MIN_CASES = 1000
REPORT_CHARS = 1500  # of each failing operation's report: the failure, the answer and the curl line
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# One demo login per role; "technician2" is a second Technician (another site) and adds nothing here.
ROLE_USERS = [username for username, _role in DEMO_USERS if username != "technician2"]
ANONYMOUS = "anonymous"
# The coverage phase (every boundary and wrong type of every parameter and body property) runs on the reads:
# on the writes it multiplies into thousands of near-identical bodies; their bodies get the examples and
# the fuzzing phases instead.
CONFIG = SchemathesisConfig.from_str(
    """
[[operations]]
include-method-regex = "^(POST|PUT|PATCH|DELETE)$"
phases.coverage.enabled = false
"""
)
HYPOTHESIS = settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failing case is reported as it is
    suppress_health_check=list(HealthCheck),
)


def identity_for(case: Any, identities: list[str]) -> str:
    """The identity a case is sent as: chosen from the case's content, so a replay sends it as the same one.

    Sending every case as every identity would multiply the run time by eight; spread this way, each
    operation's cases reach most identities, and every identity gets hundreds of cases over the run.
    """
    content = repr((case.method, case.path, case.path_parameters, case.query, case.body))
    return identities[zlib.crc32(content.encode()) % len(identities)]


def role_headers() -> dict[str, dict[str, str]]:
    """Request headers per identity: each demo role's token, and none for the anonymous caller.

    ``Accept-Encoding: identity``: the WSGI transport hands over the body as sent, and GZipMiddleware would
    otherwise compress it for a client that never decompresses.
    """
    headers = {ANONYMOUS: {"Accept-Encoding": "identity"}}
    for username in ROLE_USERS:
        token, _created = Token.objects.get_or_create(user=User.objects.get(username=username))
        headers[username] = {"Authorization": f"Token {token.key}", "Accept-Encoding": "identity"}
    return headers


@pytest.mark.django_db
def test_every_generated_request_gets_a_documented_answer(demo: dict[str, int], wsgi_app: WSGIHandler) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, config=CONFIG)
    headers = role_headers()
    cases: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    answered: Counter[str] = Counter()

    def send_as_one_identity(case: Any) -> None:
        cases[case.operation.label] += 1
        identity = identity_for(case, list(headers))
        with transaction.atomic():
            response = case.call(headers=headers[identity])
            transaction.set_rollback(True)
        statuses[response.status_code] += 1
        answered[identity] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers[identity])
        except Exception as exc:
            exc.add_note(f"as {identity}")
            raise

    failures: list[str] = []
    seconds: dict[str, float] = {}
    operations = 0
    for result in get_all_tests(schema=schema, test_func=send_as_one_identity, settings=HYPOTHESIS, given_kwargs=None):
        if not isinstance(result, Ok):
            failures.append(f"schema error: {result.err()}")
            continue
        operation, run_operation = result.ok()
        operations += 1
        run: Callable[[], None] = run_operation
        started = time.monotonic()
        try:
            run()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            notes = "\n".join(getattr(exc, "__notes__", []))
            failures.append(f"{operation.label} {notes}:\n{str(exc)[:REPORT_CHARS]}")
        seconds[operation.label] = time.monotonic() - started

    total = sum(cases.values())
    slowest = sorted(seconds.items(), key=lambda item: -item[1])[:5]
    summary = (
        f"{total} cases over {operations} operations; by identity {dict(answered)}; answers {dict(statuses)};"
        f" slowest operations {slowest}"
    )
    assert not failures, summary + "\n\n" + "\n\n".join(failures)
    assert operations == len(list(schema.get_all_operations())), summary
    assert total >= MIN_CASES, summary
    assert set(answered) == set(headers), summary
    assert {200, 401, 403} <= set(statuses), summary
    print(summary)
