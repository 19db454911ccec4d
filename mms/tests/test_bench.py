"""``make bench`` keeps working: a small run prints every bench as one JSON line with its figures.

The bench makes and drops its own test database, so it runs as a separate process pointed at a database
of its own (never the suite's); a few hundred rows are enough to run every path, gunicorn included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection
from django.urls import NoReverseMatch, reverse

BENCHES = [
    "raw_update",
    "schedule_tick_all_due",
    "schedule_tick_1pct",
    "api_order_list",
    "generate",
    "readings_bulk",
    "cobie_import",
    "dashboard_data",
]
# The dashboards' lines, once their screens are wired (``reports.bench`` says so on stderr otherwise).
DASHBOARDS = ["dashboard_site", "dashboard_org"]


def _dashboards_wired() -> bool:
    try:
        reverse("reports:dashboard")
    except NoReverseMatch:
        return False
    return True


def _bench_environment(tmp_path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mms.settings_test",
        "BENCH_N": "300",
        "BENCH_COBIE_N": "300",
        "BENCH_DASHBOARD_N": "300",
        "BENCH_HTTP_SECONDS": "0.5",
        "VAR_DIR": str(tmp_path),  # on SQLite the bench's database file goes there
    }
    url = os.environ.get("DATABASE_URL", "")
    if connection.vendor == "postgresql" and url:
        parts = urlsplit(url)
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_bench"))
    else:
        env["DATABASE_URL"] = ""
    return env


def test_the_bench_prints_every_figure(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "bench"],
        cwd=settings.BASE_DIR,
        env=_bench_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [line["bench"] for line in lines] == BENCHES + (DASHBOARDS if _dashboards_wired() else [])
    for line in lines:
        assert line["n"] == 300
        assert line["seconds"] > 0, line
        assert line["rows_per_s"] > 0, line
        assert line["database"] == connection.vendor
    by_name = {line["bench"]: line for line in lines}
    assert by_name["schedule_tick_1pct"]["rows"] == 3
    assert by_name["readings_bulk"]["rows"] == 300
    order_list = by_name["api_order_list"]
    assert order_list["errors"] == 0
    assert 0 < order_list["p50_ms"] <= order_list["p99_ms"]
    assert order_list["requests_per_s"] > 0
    assert order_list["queries_per_request"] == 2  # the token's user with the role stamp, and the page
    cobie = by_name["cobie_import"]
    assert cobie["components_per_s"] > 0
    assert cobie["peak_rss_mb"] > 0
    assert cobie["records"] > 300  # the components, their areas, types, attributes and plans
    # 300 orders, about as many downtime periods, labour entries, labour costs and parts between them.
    assert by_name["dashboard_data"]["rows"] > 500
    for name in DASHBOARDS if _dashboards_wired() else []:
        dashboard = by_name[name]
        assert dashboard["requests"] == 20
        assert 0 < dashboard["p50_ms"] <= dashboard["p95_ms"]
        assert dashboard["queries"] > 0
