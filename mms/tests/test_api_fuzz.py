"""schemathesis against a live server on loopback: generated valid and invalid requests to every operation
of the schema must never get a server error (5xx), whatever the input.

Bounded to stay well under two minutes on two cores (CI runs it on PostgreSQL and on SQLite):
- the coverage phase (every boundary and wrong type of every parameter, deterministic) runs on the
  operations without a body: the filters, ordering, pages and ids of every list and detail;
- request bodies get the examples phase and the fuzzing phase, positive and negative data, with
  ``API_FUZZ_EXAMPLES`` cases each (raise it locally for a deeper run, or change ``API_FUZZ_SEED``);
- the live server answers with Nagle's algorithm off: Django's test server writes headers and body in two
  sends, and a keep-alive client's delayed ACK otherwise stalls every request by 40 ms.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIRequestHandler

from assets.factories import AreaFactory, CounterFactory, ResourceFactory, SiteFactory
from core.api.testing import token_client
from inventory.factories import PartFactory
from orders.factories import in_progress_order, planned_order
from people.factories import make_role_user
from plans.factories import ActivityFactory, ChecklistItemFactory, DataParameterFactory

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = os.environ.get("API_FUZZ_EXAMPLES", "10")
SEED = os.environ.get("API_FUZZ_SEED", "6")  # another seed explores other inputs
CONFIG = """
[[operations]]
include-method-regex = "^(POST|PUT|PATCH)$"
phases.coverage.enabled = false
"""


@pytest.mark.django_db(transaction=True)
def test_no_server_error_for_any_generated_request(live_server, tmp_path, monkeypatch):
    monkeypatch.setattr(WSGIRequestHandler, "disable_nagle_algorithm", True)
    site = SiteFactory()
    pump = ResourceFactory(area=AreaFactory(parent=site))
    CounterFactory(resource=pump)
    PartFactory()
    supervisor = make_role_user("Supervisor", site=site)
    technician = make_role_user("Technician", site=site)
    activity = ActivityFactory()
    ChecklistItemFactory(activity=activity)
    DataParameterFactory(activity=activity)
    in_progress_order(pump, supervisor, technician, activity=activity)
    planned_order(pump)
    administrator = make_role_user("Administrator", site=site, is_superuser=True)
    client = token_client(administrator)
    token = client._credentials["HTTP_AUTHORIZATION"]
    report = tmp_path / "report.xml"
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(config),
            "run",
            f"{live_server.url}/api/schema/?format=json",
            "--url",
            live_server.url,
            "--checks",
            "not_a_server_error",
            "--mode",
            "all",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            SEED,
            "--generation-database",
            "none",
            "--no-color",
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--header",
            f"Authorization: {token}",
            "--report",
            "junit",
            "--report-junit-path",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
