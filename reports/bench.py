"""The dashboard benchmark of ``manage.py bench``: N work orders (``BENCH_DASHBOARD_N``, 1,000,000 by
default) over ten years on five sites (two time zones) and 2,000 resources, then the site dashboard
(``reports:site_dashboard`` for one site) and the organisation's (``reports:dashboard``) requested
through Django's test ``Client`` as an Administrator: p50 and p95 of the server time over
``BENCH_DASHBOARD_REQUESTS`` requests (20) after a warm-up, the first (cold) request, and the queries
one request makes.

The history is made inside the database, one ``INSERT ... SELECT`` per table over a series of numbers
(``generate_series`` on PostgreSQL, a recursive CTE on SQLite), with realistic shares: 60 % planned, 35 %
corrective, 5 % rework orders; about 2.5 % open, the newest most often; planned orders mostly closed by
their late-due point, one in ten late, one in 25 skipped; corrective orders reworked now and then; half
the closed breakdowns with a downtime period, half the closed orders with a labour entry (and its cost
posted, as closing does), one corrective order in seven with a part used, one in 23 with a contractor's invoice. On SQLite, N is capped at
``SQLITE_MAX_N`` (a file database builds a million rows too slowly to be worth it; the line says so).
"""

from __future__ import annotations

import datetime
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from assets.models import Area, AreaKind, Resource
from core import roles
from core.devices import EntryChannel
from inventory.models import CostEntry, CostKind, MovementKind, Part, StockMovement
from orders.models import (
    DowntimeKind,
    DowntimePeriod,
    ExecutionState,
    LabourEntry,
    OrderKind,
    ScheduleState,
    WorkOrder,
)
from people.models import Employee
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

Emit = Callable[[dict[str, Any]], None]

SITES = 5
RESOURCES = 2000
EMPLOYEES = 20
YEARS = 10
REQUESTS = 20
WARMUP = 3
SQLITE_MAX_N = 100_000
# Five sites in two time zones (the KPIs query once per zone): three in Nairobi, two in Lima.
TIME_ZONES = ["Africa/Nairobi", "Africa/Nairobi", "Africa/Nairobi", "America/Lima", "America/Lima"]
DAY = 86400


# --- Building the history ----------------------------------------------------------------------
def _series(n: int) -> str:
    """``SELECT i`` for i in 1..n, as the database does it fastest."""
    if connection.vendor == "postgresql":
        return f"SELECT generate_series(1, {int(n)}) AS i"
    return f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {int(n)}) SELECT i FROM s"


def _time(seconds: str) -> str:
    """SQL for the moment ``seconds`` (an SQL expression: seconds since the epoch), as a datetime column."""
    if connection.vendor == "postgresql":
        return f"to_timestamp({seconds})"
    return f"datetime({seconds}, 'unixepoch')"


def _date(moment: str) -> str:
    return f"CAST({moment} AS date)" if connection.vendor == "postgresql" else f"date({moment})"


def _int_div(a: str, b: str) -> str:
    return f"({a}) / ({b})" if connection.vendor == "postgresql" else f"CAST(({a}) / ({b}) AS integer)"


def insert_select(model: type[models.Model], values: dict[str, str], source: str) -> int:
    """``INSERT INTO <model> (every column) SELECT <values> FROM (<source>)``; columns not in ``values``
    get NULL, their constant default, '' (text) or now (``updated_at``). Returns the rows inserted."""
    now = timezone.now()
    columns, expressions, extra = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in values:
            expressions.append(values[field.column].replace("%", "%%"))  # modulo, not a placeholder
        elif field.null:
            expressions.append("NULL")
        elif isinstance(field, models.DateTimeField):
            expressions.append("%s")
            extra.append(connection.ops.adapt_datetimefield_value(now))
        elif field.has_default() and not callable(field.default):
            expressions.append("%s")
            extra.append(field.get_db_prep_value(field.default, connection))
        elif isinstance(field, models.CharField | models.TextField):
            expressions.append("''")
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs a value")
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} FROM ({source.replace('%', '%%')}) AS source"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, extra)
        return cursor.rowcount


def _contiguous(rows: list[Any]) -> int:
    """The first id of rows made by one bulk insert, checked to be consecutive (the SQL counts on it)."""
    ids = sorted(row.pk for row in rows)
    assert ids[-1] - ids[0] + 1 == len(ids), "bulk insert gave ids with gaps"
    return int(ids[0])


def build(n: int) -> dict[str, Any]:
    """Make the bench's sites, resources, plan, employees and N orders with their downtime, labour and
    costs; return the ids the measurement needs."""
    now = timezone.now()
    # One by one: an area's save() works out its path and site.
    sites = [
        Area.objects.create(kind=AreaKind.SITE, code=f"DSH-{s}", name=f"Dashboard site {s}", time_zone=TIME_ZONES[s])
        for s in range(SITES)
    ]
    buildings = [
        Area.objects.create(kind=AreaKind.BUILDING, code=f"DSH-{s}-B", name=f"Plant {s}", parent=site)
        for s, site in enumerate(sites)
    ]
    resources = Resource.objects.bulk_create(
        [Resource(tag=f"DSH-R{r:05d}", name=f"Pump {r}", area=buildings[r % SITES]) for r in range(RESOURCES)]
    )
    change_set = ChangeSet.objects.create(name="Dashboard bench")
    ChangeSet.objects.filter(pk=change_set.pk).update(state=ChangeSetState.APPROVED, submitted_at=now)
    plan = MaintenancePlan.objects.create(code="DSH-WEEKLY", name="Weekly inspection")
    version = PlanVersion.objects.create(plan=plan, number=1, change_set=change_set)
    activity = Activity.objects.create(
        version=version,
        code="weekly",
        name="Weekly inspection",
        time_interval=7,
        time_unit=TimeUnit.DAYS,
        time_early_window=1,
        time_late_tolerance=2,
        schedule_next_mode=ScheduleNextMode.FLOATING,
        executing_role=Group.objects.get(name=roles.TECHNICIAN),
    )
    PlanVersion.objects.filter(pk=version.pk).update(state=PlanVersionState.EFFECTIVE)
    MaintenancePlan.objects.filter(pk=plan.pk).update(effective_version=version)
    owner = Group.objects.get(name=roles.SUPERVISOR)
    start = now.date() - datetime.timedelta(days=365 * YEARS)
    instances = PlanInstance.objects.bulk_create(
        [PlanInstance(plan=plan, resource=r, owner_role=owner, start_date=start) for r in resources]
    )
    employees = Employee.objects.bulk_create(
        [
            Employee(code=f"DSH-E{e:02d}", name=f"Technician {e}", hourly_rate=Decimal(800), currency="KES")
            for e in range(EMPLOYEES)
        ]
    )
    part = Part.objects.create(
        part_number="DSH-SEAL", description="Mechanical seal", unit_cost=Decimal(9500), currency="KES"
    )
    first_site, first_building = _contiguous(sites), _contiguous(buildings)
    first_resource, first_instance = _contiguous(resources), _contiguous(instances)
    first_employee = _contiguous(employees)
    assert first_building - first_site == SITES  # buildings right after their sites

    started = time.perf_counter()
    begin = now.timestamp() - YEARS * 365 * DAY
    step = YEARS * 365 * DAY / n
    with transaction.atomic():
        rows = _orders(n, begin, step, first_site, first_resource, first_instance, activity.pk)
        rows += _downtime()
        rows += _labour(first_employee)
        rows += _parts(part)
        rows += _external()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (WorkOrder, DowntimePeriod, LabourEntry, CostEntry, StockMovement):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return {
        "rows": rows,
        "seconds": time.perf_counter() - started,
        "site": sites[0],
    }


def _orders(
    n: int, begin: float, step: float, first_site: int, first_resource: int, first_instance: int, activity: int
) -> int:
    """N orders; order i is on resource i mod 2,000 (of site i mod 5), created ``begin + i * step``."""
    r = f"(i % {RESOURCES})"
    created = f"({begin} + i * {step})"
    planned, rework = "(i % 20 < 12)", "(i % 20 = 19)"
    # Open: the newest 1.5 %, and one in 200 of the others (backlog of every age).
    is_open = f"(i > {int(n * 0.985)} OR i % 200 = 7)"
    # Planned: early due at 6 days, due at 7, late due at 9; closed 6 to 9.3 days after creation (one in
    # ten after late due). Corrective: a third due 3 days after the report; closed 2 to 72 hours after it.
    closed = f"CASE WHEN {planned} THEN {created} + 6 * {DAY} + ((i * 37) % 80) * 3600 ELSE {created} + (2 + (i * 13) % 70) * 3600 END"
    late = f"CASE WHEN {planned} THEN {created} + 9 * {DAY} WHEN i % 3 = 0 THEN {created} + 3 * {DAY} END"
    due = f"CASE WHEN {planned} THEN {created} + 7 * {DAY} WHEN i % 3 = 0 THEN {created} + 3 * {DAY} END"
    early = f"CASE WHEN {planned} THEN {created} + 6 * {DAY} END"
    state = (
        f"CASE WHEN {is_open} THEN (CASE i % 4 WHEN 0 THEN '{ExecutionState.REQUESTED}' WHEN 1 THEN "
        f"'{ExecutionState.APPROVED}' WHEN 2 THEN '{ExecutionState.RELEASED}' ELSE '{ExecutionState.IN_PROGRESS}' END) "
        f"WHEN {planned} AND i % 25 = 0 THEN '{ExecutionState.SKIPPED}' "
        f"WHEN NOT {planned} AND NOT {rework} AND i % 33 = 0 THEN '{ExecutionState.REWORKED}' "
        f"ELSE '{ExecutionState.CLOSED}' END"
    )
    source = (
        f"SELECT i, {created} AS created, {closed} AS closed, {due} AS due, {late} AS late, {early} AS early, "
        f"{state} AS state, {planned} AS planned, {rework} AS rework, {r} AS r FROM ({_series(n)}) AS series"
    )
    reached = (
        "CASE WHEN late IS NOT NULL AND {t} >= late THEN '{l}' WHEN due IS NOT NULL AND {t} >= due THEN '{d}' "
        "WHEN early IS NOT NULL AND {t} >= early THEN '{e}' ELSE '{b}' END"
    )
    now = time.time()
    closed_at = f"CASE WHEN state IN ('{ExecutionState.CLOSED}', '{ExecutionState.SKIPPED}', '{ExecutionState.REWORKED}') THEN closed END"
    values = {
        "resource_id": f"{first_resource} + r",
        "site_id": f"{first_site} + r % {SITES}",
        "number": "'D-' || " + ("lpad(CAST(i AS text), 8, '0')" if connection.vendor == "postgresql" else "printf('%08d', i)"),
        "kind": f"CASE WHEN planned THEN '{OrderKind.PLANNED}' WHEN rework THEN '{OrderKind.REWORK}' ELSE '{OrderKind.CORRECTIVE}' END",
        "plan_instance_id": f"CASE WHEN planned THEN {first_instance} + r END",
        "activity_id": f"CASE WHEN planned THEN {activity} END",
        "activity_code": "CASE WHEN planned THEN 'weekly' ELSE '' END",
        "sequence": f"CASE WHEN planned THEN {_int_div('i', str(RESOURCES))} + 1 END",
        "title": "CASE WHEN planned THEN 'Weekly inspection' ELSE 'Pump tripped' END",
        "priority": "CASE WHEN planned THEN 2 ELSE 3 END",
        "created_at": _time("created"),
        "execution_state": "state",
        "schedule_state": f"CASE WHEN {closed_at} IS NULL THEN "
        + reached.format(t=str(now), l=ScheduleState.LATE_DUE, d=ScheduleState.DUE, e=ScheduleState.EARLY_DUE, b=ScheduleState.BEFORE_EARLY_DUE)
        + " ELSE "
        + reached.format(t="closed", l=ScheduleState.LATE_DUE, d=ScheduleState.DUE, e=ScheduleState.EARLY_DUE, b=ScheduleState.BEFORE_EARLY_DUE)
        + " END",
        "early_due_at": f"CASE WHEN early IS NOT NULL THEN {_time('early')} END",
        "due_at": f"CASE WHEN due IS NOT NULL THEN {_time('due')} END",
        "late_due_at": f"CASE WHEN late IS NOT NULL THEN {_time('late')} END",
        "started_at": f"CASE WHEN state NOT IN ('{ExecutionState.REQUESTED}', '{ExecutionState.APPROVED}', '{ExecutionState.RELEASED}', '{ExecutionState.SKIPPED}') THEN {_time('closed - 3600')} END",
        "completed_at": f"CASE WHEN {closed_at} IS NOT NULL AND state <> '{ExecutionState.SKIPPED}' THEN {_time('closed - 600')} END",
        "accepted_at": f"CASE WHEN state = '{ExecutionState.CLOSED}' THEN {_time('closed')} END",
        "closed_at": f"CASE WHEN {closed_at} IS NOT NULL THEN {_time('closed')} END",
        "closed_on_time": f"CASE WHEN {closed_at} IS NULL OR late IS NULL THEN NULL WHEN closed <= late THEN {_true()} ELSE {_false()} END",
        "state_reason": f"CASE WHEN state IN ('{ExecutionState.SKIPPED}', '{ExecutionState.REWORKED}') THEN 'Bench' ELSE '' END",
    }  # fmt: skip
    return insert_select(WorkOrder, values, source)


def _true() -> str:
    return "TRUE" if connection.vendor == "postgresql" else "1"


def _false() -> str:
    return "FALSE" if connection.vendor == "postgresql" else "0"


def _downtime() -> int:
    """A downtime period for every other closed breakdown: from its report to its closing."""
    source = (
        f"SELECT id, resource_id, created_at, closed_at FROM {WorkOrder._meta.db_table} "
        f"WHERE kind = '{OrderKind.CORRECTIVE}' AND execution_state = '{ExecutionState.CLOSED}' AND id % 2 = 0"
    )
    values = {
        "kind": f"'{DowntimeKind.DOWN}'",
        "resource_id": "resource_id",
        "started_at": "created_at",
        "ended_at": "closed_at",
        "reason": "'Pump tripped'",
        "order_id": "id",
    }
    return insert_select(DowntimePeriod, values, source)


def _labour(first_employee: int) -> int:
    """A labour entry for every other closed order (not skipped) at 800 KES an hour, and its cost posted."""
    hours = "(0.5 + (id % 16) * 0.25)"
    source = (
        f"SELECT id, number, site_id, closed_at, {hours} AS hours FROM {WorkOrder._meta.db_table} "
        f"WHERE execution_state IN ('{ExecutionState.CLOSED}', '{ExecutionState.REWORKED}') AND id % 2 = 1"
    )
    started = "closed_at" if connection.vendor == "sqlite" else "closed_at - hours * interval '1 hour'"
    labour = {
        "order_id": "id",
        "employee_id": f"{first_employee} + id % {EMPLOYEES}",
        "started_at": started,
        "stopped_at": "closed_at",
        "hours": "hours",
        "hourly_rate": "800",
        "currency": "'KES'",
        "cost": "hours * 800",
    }
    # Two in three entered by phone, the others at a desk.
    labour |= {
        "recorded_at": "closed_at",
        "entered_via": f"CASE WHEN id % 3 = 0 THEN '{EntryChannel.DESKTOP}' ELSE '{EntryChannel.PHONE}' END",
    }
    rows = insert_select(LabourEntry, labour, source)
    posted = {
        "kind": f"'{CostKind.LABOUR}'",
        "site_id": "site_id",
        "reference": "number",
        "description": "'Labour'",
        "amount": "hours * 800",
        "currency": "'KES'",
        "incurred_on": _date("closed_at"),
    }
    return rows + insert_select(CostEntry, posted, source)


def _parts(part: Part) -> int:
    """A part used on one closed corrective order in seven (a direct use: the bench stocks nothing)."""
    source = (
        f"SELECT number, site_id, closed_at FROM {WorkOrder._meta.db_table} "
        f"WHERE kind = '{OrderKind.CORRECTIVE}' AND execution_state = '{ExecutionState.CLOSED}' AND id % 7 = 3"
    )
    values = {
        "kind": f"'{MovementKind.DIRECT}'",
        "part_id": str(part.pk),
        "site_id": "site_id",
        "quantity": "-1",
        "unit_cost": str(part.unit_cost),
        "currency": f"'{part.currency}'",
        "reference": "number",
        "occurred_at": "closed_at",
    }
    return insert_select(StockMovement, values, source)


def _external() -> int:
    """A contractor's invoice against one closed corrective order in 23 (prime to the 20 of the kinds' cycle)."""
    source = (
        f"SELECT number, site_id, closed_at, id FROM {WorkOrder._meta.db_table} "
        f"WHERE kind = '{OrderKind.CORRECTIVE}' AND execution_state = '{ExecutionState.CLOSED}' AND id % 23 = 5"
    )
    values = {
        "kind": f"'{CostKind.EXTERNAL}'",
        "site_id": "site_id",
        "reference": "number",
        "description": "'Contractor call-out'",
        "amount": "15000 + (id % 40) * 500",
        "currency": "'KES'",
        "incurred_on": _date("closed_at"),
    }
    return insert_select(CostEntry, values, source)


# --- Measuring -----------------------------------------------------------------------------------
def _url(name: str, site: Area | None) -> str | None:
    """The dashboard's URL: the site's by its id (as an argument or, failing that, ``?site=``)."""
    try:
        return reverse(name) if site is None else reverse(name, args=[site.pk])
    except NoReverseMatch:
        if site is None:
            return None
    try:
        return f"{reverse(name)}?site={site.pk}"
    except NoReverseMatch:
        return None


def measure(name: str, url: str, client: Client, n: int, emit: Emit) -> None:
    """p50/p95 of ``REQUESTS`` timed requests after ``WARMUP`` (the first one also reported as ``cold_ms``),
    and the queries one request makes (counted apart, so counting does not slow the timed ones)."""
    timings = []
    for attempt in range(WARMUP + REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        if attempt == 0:
            cold = elapsed
        if attempt >= WARMUP:
            timings.append(elapsed)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings.sort()
    emit(
        {
            "bench": name,
            "n": n,
            "rows": n,
            "seconds": round(sum(timings), 4),
            "rows_per_s": round(n * len(timings) / sum(timings)),
            "requests": len(timings),
            "cold_ms": round(cold * 1000, 1),
            "p50_ms": round(statistics.median(timings) * 1000, 1),
            "p95_ms": round(timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))] * 1000, 1),
            "queries": len(queries),
        }
    )


def dashboards(n: int, emit: Emit) -> None:
    """Build the history (``dashboard_data``), then time the site and the organisation dashboards."""
    if connection.vendor == "sqlite" and n > SQLITE_MAX_N:
        sys.stderr.write(f"dashboard bench: {n} orders capped at {SQLITE_MAX_N} on SQLite (use PostgreSQL)\n")
        n = SQLITE_MAX_N
    WorkOrder.objects.all().delete()
    built = build(n)
    emit(
        {
            "bench": "dashboard_data",
            "n": n,
            "rows": built["rows"],
            "seconds": round(built["seconds"], 2),
            "rows_per_s": round(built["rows"] / built["seconds"]),
        }
    )
    admin = User.objects.create_user(username="dashboard-bench-admin")
    admin.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    client = Client()
    client.force_login(admin)
    for name, url_name, site in (
        ("dashboard_site", "reports:site_dashboard", built["site"]),
        ("dashboard_org", "reports:dashboard", None),
    ):
        url = _url(url_name, site)
        if url is None:
            sys.stderr.write(f"dashboard bench: {url_name} is not wired; {name} skipped\n")
            continue
        measure(name, url, client, n, emit)
