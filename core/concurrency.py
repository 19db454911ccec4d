"""Running calls at once in threads, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_together(*calls: Callable[[], object], timeout: float | None = 60) -> list[object]:
    """Run each call in its own thread, all released at once; return each result or the exception raised.

    Every thread has its own database connection (Django's are per thread) and closes it when done.
    ``timeout`` bounds the wait for each thread (None: wait for as long as they run); one still running then
    raises ``RuntimeError``.
    """
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def work(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # handed back to the caller to inspect
            results[index] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("a thread is stuck (deadlock?)")
    return results
