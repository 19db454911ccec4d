"""``manage.py bench``: scheduler benchmarks on the configured database, in a throw-away test database.

Prints one JSON object per line: ``bench``, ``n``, ``seconds``, ``rows_per_s`` (and ``database``).
N comes from ``BENCH_N`` (default 100000). ``BENCH_LARGE_N`` (e.g. 1000000; default 0, skipped: building
a million orders takes minutes) adds ``schedule_tick_1pct`` over that many open orders, 1 % of them moving,
at the end. The API benches (``api_order_list`` with ``p50_ms``, ``p99_ms``
and ``requests_per_s`` over gunicorn, and ``readings_bulk``) are in ``mms/api/bench.py``; ``cobie_import``
(``components_per_s`` and ``peak_rss_mb`` for a generated workbook of ``BENCH_COBIE_N`` components, default
10,000) is in ``exchange/bench.py``; the dashboards' (``dashboard_data``, ``dashboard_site`` and
``dashboard_org``, with ``p50_ms``, ``p95_ms`` and ``queries``, over ``BENCH_DASHBOARD_N`` orders, default
1,000,000; 0 skips them) in ``reports/bench.py``.

``--only`` runs some of the benches: ``scheduler`` (raw_update, the ticks, generate), ``api``
(api_order_list, readings_bulk), ``cobie``, ``dashboard``; e.g. ``manage.py bench --only dashboard``.
"""

from __future__ import annotations

import datetime
import json
import os
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import setup_databases, teardown_databases
from django.utils import timezone

from assets.models import Area, AreaKind, Resource
from exchange import bench as exchange_bench
from mms.api import bench as api_bench
from orders import scheduler
from orders.models import ExecutionState, OrderKind, ScheduleState, WorkOrder
from plans.models import (
    Activity,
    ChangeSet,
    ChangeSetState,
    MaintenancePlan,
    PlanInstance,
    PlanVersion,
    PlanVersionState,
    ScheduleNextMode,
    TimeUnit,
)
from reports import bench as reports_bench

BATCH = 5000
GROUPS = ("scheduler", "api", "cobie", "dashboard")


class Command(BaseCommand):
    help = (
        "Benchmark the scheduler (raw_update, schedule_tick_all_due, schedule_tick_1pct, generate) and the API "
        "(api_order_list, readings_bulk), the COBie import (cobie_import) and the dashboards (dashboard_data, "
        "dashboard_site, dashboard_org)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N", "100000")))
        parser.add_argument("--large-n", type=int, default=int(os.environ.get("BENCH_LARGE_N", "0")))
        parser.add_argument("--cobie-n", type=int, default=int(os.environ.get("BENCH_COBIE_N", "10000")))
        parser.add_argument("--dashboard-n", type=int, default=int(os.environ.get("BENCH_DASHBOARD_N", "1000000")))
        parser.add_argument(
            "--only",
            default="",
            help="Comma-separated benches to run: " + ", ".join(GROUPS) + " (default: all).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        n = options["n"]
        database = settings.DATABASES["default"]
        if database["ENGINE"].endswith("sqlite3"):
            # A file, as in the embedded mode (the test default would be an in-memory database).
            database.setdefault("TEST", {})["NAME"] = str(settings.VAR_DIR / "bench.sqlite3")
        only = {name.strip() for name in options["only"].split(",") if name.strip()}
        unknown = only - set(GROUPS)
        if unknown:
            raise CommandError(f"Unknown bench {', '.join(sorted(unknown))}; choose from {', '.join(GROUPS)}.")

        def wanted(group: str) -> bool:
            return not only or group in only

        old = setup_databases(verbosity=0, interactive=False, keepdb=False)
        try:
            now = timezone.now()
            site = Area.objects.create(kind=AreaKind.SITE, code="BENCH", name="Bench site", time_zone="UTC")
            building = Area.objects.create(kind=AreaKind.BUILDING, code="BENCH-B", name="Bench building", parent=site)
            resource = Resource.objects.create(tag="BENCH-P", name="Bench pump", area=building)
            if wanted("scheduler") or wanted("api"):
                self._orders(n, site, resource, now)
            if wanted("scheduler"):
                self.report("raw_update", n, lambda: self._raw_update())
                self._prepare(now, n, crossing=n)
                self.report("schedule_tick_all_due", n, lambda: scheduler.advance_schedule(now=now))
                self._prepare(now, n, crossing=n // 100)
                self.report("schedule_tick_1pct", n, lambda: scheduler.advance_schedule(now=now), moved=n // 100)
            if wanted("api"):
                api_bench.api_order_list(n, self.emit)
            if wanted("scheduler"):
                WorkOrder.objects.all().delete()
                self._instances(n, building)
                self.report("generate", n, lambda: scheduler.generate(now=now))
            if wanted("api"):
                api_bench.readings_bulk(n, self.emit)
            if wanted("cobie") and options["cobie_n"]:
                exchange_bench.cobie_import(options["cobie_n"], self.emit)
            if wanted("scheduler") and options["large_n"]:
                self._large_tick(options["large_n"], site, resource, now)
            if wanted("dashboard") and options["dashboard_n"]:
                reports_bench.dashboards(options["dashboard_n"], self.emit)
        finally:
            teardown_databases(old, verbosity=0)

    def emit(self, line: dict[str, Any]) -> None:
        self.stdout.write(json.dumps({**line, "database": connection.vendor}))

    def report(self, name: str, n: int, run: Callable[[], Any], moved: int | None = None) -> None:
        started = time.perf_counter()
        run()
        seconds = time.perf_counter() - started
        rows = n if moved is None else moved
        line = {
            "bench": name,
            "n": n,
            "rows": rows,
            "seconds": round(seconds, 4),
            "rows_per_s": round(rows / seconds) if seconds else None,
            "database": connection.vendor,
        }
        self.stdout.write(json.dumps(line))

    def _orders(self, n: int, site: Area, resource: Resource, now: datetime.datetime) -> None:
        for first in range(0, n, BATCH):
            WorkOrder.objects.bulk_create(
                [
                    WorkOrder(
                        number=f"B-{i:07d}",
                        kind=OrderKind.CORRECTIVE,
                        site=site,
                        resource=resource,
                        title="Bench order",
                        created_at=now,
                    )
                    for i in range(first, min(first + BATCH, n))
                ]
            )

    def _large_tick(self, large_n: int, site: Area, resource: Resource, now: datetime.datetime) -> None:
        """``schedule_tick_1pct`` over ``large_n`` open orders (the issue's 1,000,000), 1 % of them moving."""
        WorkOrder.objects.all().delete()
        self._orders(large_n, site, resource, now)
        crossing = large_n // 100
        self._prepare(now, large_n, crossing=crossing)
        self.report("schedule_tick_1pct", large_n, lambda: scheduler.advance_schedule(now=now), moved=crossing)

    def _raw_update(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {WorkOrder._meta.db_table} SET schedule_state = %s", [ScheduleState.DUE])

    def _prepare(self, now: datetime.datetime, n: int, crossing: int) -> None:
        """All orders open and before early due; ``crossing`` of them with their early-due point passed."""
        future, past = now + datetime.timedelta(days=30), now - datetime.timedelta(hours=1)
        table = WorkOrder._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET execution_state = %s, schedule_state = %s, early_due_at = %s, due_at = %s, "
                "late_due_at = %s",
                [ExecutionState.REQUESTED, ScheduleState.BEFORE_EARLY_DUE, future, future, future],
            )
            ids = list(WorkOrder.objects.order_by("id").values_list("id", flat=True)[:: max(1, n // max(crossing, 1))])
            ids = ids[:crossing]
            for first in range(0, len(ids), BATCH):
                chunk = ids[first : first + BATCH]
                WorkOrder.objects.filter(pk__in=chunk).update(early_due_at=past)
        WorkOrder.history.model.objects.all().delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {table}")

    def _instances(self, n: int, building: Area) -> None:
        change_set = ChangeSet.objects.create(name="Bench")
        ChangeSet.objects.filter(pk=change_set.pk).update(state=ChangeSetState.APPROVED, submitted_at=timezone.now())
        plan = MaintenancePlan.objects.create(code="BENCH", name="Bench plan")
        version = PlanVersion.objects.create(plan=plan, number=1, change_set=change_set)
        Activity.objects.create(
            version=version,
            code="weekly",
            name="Weekly check",
            time_interval=7,
            time_unit=TimeUnit.DAYS,
            schedule_next_mode=ScheduleNextMode.FIXED,
            executing_role=Group.objects.get(name="Technician"),
        )
        PlanVersion.objects.filter(pk=version.pk).update(state=PlanVersionState.EFFECTIVE)
        MaintenancePlan.objects.filter(pk=plan.pk).update(effective_version=version)
        owner = Group.objects.get(name="Supervisor")
        today = timezone.localdate()
        for first in range(0, n, BATCH):
            resources = Resource.objects.bulk_create(
                [
                    Resource(tag=f"BR-{i:07d}", name="Bench pump", area=building)
                    for i in range(first, min(first + BATCH, n))
                ]
            )
            PlanInstance.objects.bulk_create(
                [PlanInstance(plan=plan, resource=r, owner_role=owner, start_date=today) for r in resources]
            )
