"""Background jobs of data exchange: imports of files too large to wait for on a screen."""

from __future__ import annotations

from celery import shared_task

from exchange import services


@shared_task(name="exchange.run_import")
def run_import(run_id: int) -> str:
    run = services.import_run_queued(run_id=run_id)
    return "already claimed" if run is None else str(run.outcome)
