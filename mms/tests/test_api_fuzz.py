"""schemathesis against a live server on loopback: generated valid and invalid requests to every operation
of the schema must never get a server error (5xx), whatever the input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mms.api.testing import token_client
from mms.testing import AreaFactory, CounterFactory, PartFactory, ResourceFactory, SiteFactory, make_role_user
from orders.factories import in_progress_order, planned_order
from plans.factories import ActivityFactory, ChecklistItemFactory, DataParameterFactory

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = os.environ.get("API_FUZZ_EXAMPLES", "8")


@pytest.mark.django_db(transaction=True)
def test_no_server_error_for_any_generated_request(live_server, tmp_path):
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
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
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
            "6",
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
