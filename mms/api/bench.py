"""API benchmarks for ``manage.py bench`` (``orders/management/commands/bench.py``).

- ``readings_bulk``: one request of N readings (JSON, token-authenticated, after a small warm-up request)
  through the whole Django stack (middleware, authentication, throttling, parser,
  ``POST /api/v1/readings/bulk/``, the service: checks, COPY on PostgreSQL, counters updated, usage
  triggers evaluated), then checked stored.
- ``api_order_list``: ``GET /api/v1/orders/`` (default page, newest first, an Integrator's token) against
  gunicorn with two sync workers on loopback, with the bench's N orders in the database: p50 and p99
  latency, requests per second over a bounded run (``BENCH_HTTP_SECONDS``, default 5 s, after a warm-up)
  and the number of queries a page costs (the same for the first and a far page).

Both run in the bench's throw-away test database; gunicorn is pointed at it through ``DATABASE_URL`` (or
``SQLITE_PATH``) and always stopped, whatever happens.
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from assets.models import Area, AreaKind, Counter, CounterKind, Reading, Resource

Emit = Callable[[dict[str, Any]], None]

COUNTERS = 100
GUNICORN_WORKERS = 2
CONCURRENCY = 2
WARMUP_SECONDS = 1.5
START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 10.0


def _token(username: str) -> str:
    user, _created = User.objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name="Integrator"))
    token, _created = Token.objects.get_or_create(user=user)
    return str(token.key)


# --- readings_bulk -----------------------------------------------------------------------------
def readings_bulk(n: int, emit: Emit) -> None:
    """One request of ``n`` readings over 100 cumulative counters, stored end to end."""
    site = Area.objects.create(kind=AreaKind.SITE, code="BENCH-R", name="Bench readings", time_zone="UTC")
    resource = Resource.objects.create(tag="BENCH-R-P", name="Bench compressor", area=site)
    counters = Counter.objects.bulk_create(
        [Counter(resource=resource, name=f"Hours {i}", unit="h", kind=CounterKind.CUMULATIVE) for i in range(COUNTERS)]
    )
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    rows = [
        {
            "counter": counters[i % COUNTERS].pk,
            "taken_at": (start + datetime.timedelta(minutes=i // COUNTERS)).isoformat(),
            "value": str(Decimal(i // COUNTERS) / 4),
        }
        for i in range(n)
    ]
    body = json.dumps(rows).encode()
    client = Client(HTTP_AUTHORIZATION=f"Token {_token('bench-readings')}")
    # A warm-up request first (one reading a counter, a day earlier), as for the order list: a process's
    # first request loads what it keeps for the next ones (URL routes, permission names, ...).
    warm_up = [
        {"counter": c.pk, "taken_at": (start - datetime.timedelta(days=1)).isoformat(), "value": "0"} for c in counters
    ]
    answered = client.post(reverse("api:reading-bulk"), data=json.dumps(warm_up), content_type="application/json")
    if answered.status_code != 200 or answered.json()["accepted"] != len(counters):
        raise RuntimeError(f"readings_bulk warm-up answered {answered.status_code}: {answered.content[:500]!r}")
    before = Reading.objects.count()
    started = time.perf_counter()
    response = client.post(reverse("api:reading-bulk"), data=body, content_type="application/json")
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"readings_bulk answered {response.status_code}: {response.content[:500]!r}")
    answer = response.json()
    stored = Reading.objects.count() - before
    if answer["accepted"] != n or stored != n:
        raise RuntimeError(f"readings_bulk stored {stored} of {n} rows: {answer['rejected'][:5]}")
    emit(
        {
            "bench": "readings_bulk",
            "n": n,
            "rows": stored,
            "seconds": round(seconds, 4),
            "rows_per_s": round(stored / seconds) if seconds else None,
            "request_bytes": len(body),
            "counters": COUNTERS,
        }
    )


# --- api_order_list ----------------------------------------------------------------------------
def api_order_list(n: int, emit: Emit, seconds: float | None = None) -> None:
    """Latency and throughput of the order list over gunicorn, with the orders already in the database."""
    duration = seconds if seconds is not None else float(os.environ.get("BENCH_HTTP_SECONDS", "5"))
    token = _token("bench-orders")
    path = reverse("api:workorder-list")
    queries = _queries_per_page(path, token, far_page=max(1, n // 100))
    port = _free_port()
    server = _start_gunicorn(port)
    try:
        _wait_until_up(server, port, path, token)
        _load(port, path, token, WARMUP_SECONDS)
        started = time.perf_counter()
        latencies, errors = _load(port, path, token, duration)
        elapsed = time.perf_counter() - started
    finally:
        _stop(server)
    if not latencies:
        raise RuntimeError(f"api_order_list: no successful request ({errors} errors)")
    latencies.sort()
    emit(
        {
            "bench": "api_order_list",
            "n": n,
            "rows": len(latencies),
            "seconds": round(elapsed, 4),
            "rows_per_s": round(len(latencies) / elapsed),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2),
            "requests_per_s": round(len(latencies) / elapsed, 1),
            "errors": errors,
            "queries_per_request": queries,
            "workers": GUNICORN_WORKERS,
            "concurrency": CONCURRENCY,
        }
    )


def _queries_per_page(path: str, token: str, far_page: int) -> int:
    """Queries of the first page and of a far page (in process): they must be the same number."""
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    client.get(path)  # once first: a process loads the permission names on its first request
    counts = []
    for params in ({}, {"page": far_page, "page_size": 50}, {"page_size": 500}):
        with CaptureQueriesContext(connection) as context:
            response = client.get(path, params)
        if response.status_code != 200:
            raise RuntimeError(f"api_order_list answered {response.status_code}: {response.content[:500]!r}")
        counts.append(len(context.captured_queries))
    if len(set(counts)) != 1:
        raise RuntimeError(f"api_order_list: the query count depends on the page: {counts}")
    return counts[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _database_env() -> dict[str, str]:
    """Environment pointing the server at the bench's test database."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": str(database["NAME"]), "DATABASE_URL": ""}
    scheme = {"postgresql": "postgres", "mysql": "mysql"}[connection.vendor]
    user = quote(str(database.get("USER") or ""), safe="")
    password = quote(str(database.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if user else ""
    host = database.get("HOST") or "localhost"
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return {"DATABASE_URL": f"{scheme}://{credentials}{host}{port}/{quote(str(database['NAME']), safe='')}"}


def _start_gunicorn(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **_database_env(),
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "mms.settings_test"),
        "DEBUG": "0",  # as in production: no query log kept in memory
        # The rate limiter runs as in production (its counting is part of each request's cost), with a rate
        # the bench's two clients cannot spend: it measures the list, not refusals.
        "API_THROTTLE_USER": "100000000/minute",
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "mms.wsgi:application",
        "--workers",
        str(GUNICORN_WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--chdir",
        str(settings.BASE_DIR),
    ]
    return subprocess.Popen(command, env=env, start_new_session=True)


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _get(port: int, path: str, token: str) -> int:
    """One GET on a new connection, as the sync workers serve it: the status, or 0 if the response came
    incomplete. A plain socket, not ``http.client``: the client shares the machine's cores with the server,
    and the less it spends per request, the more the figure measures the server."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Token {token}\r\n"
        "Accept: application/json\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _blank, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    for line in lines[1:]:
        name, _colon, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and int(value) != len(body):
            return 0
    return status


def _wait_until_up(server: subprocess.Popen[bytes], port: int, path: str, token: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            status = _get(port, path, token)
        except OSError:
            time.sleep(0.1)
            continue
        if status != 200:
            raise RuntimeError(f"api_order_list answered {status} through gunicorn")
        return
    raise RuntimeError("gunicorn did not answer in time")


def _load(port: int, path: str, token: str, duration: float) -> tuple[list[float], int]:
    """``CONCURRENCY`` clients requesting one after another for ``duration`` seconds: (latencies, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def client() -> None:
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                ok = _get(port, path, token) == 200
            except OSError:
                ok = False
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]
