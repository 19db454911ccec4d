"""Jobs queued by name (``core.jobs``) name tasks that exist: a typo would otherwise only show in a worker."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from core import jobs
from mms.celery import app

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "assets", "people", "inventory", "plans", "orders", "mms")
QUEUED = re.compile(r"enqueue(?:_many)?_on_commit\(\s*\"([^\"]+)\"")


def queued_names() -> set[str]:
    names = set()
    for app_dir in APPS:
        for path in (ROOT / app_dir).rglob("*.py"):
            if "tests" not in path.parts:
                names.update(QUEUED.findall(path.read_text()))
    return names


def test_every_task_queued_by_name_is_registered() -> None:
    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks
    names = queued_names()
    assert {"orders.run_actions", "orders.generate"} <= names
    assert names <= set(app.tasks), sorted(names - set(app.tasks))


@pytest.mark.django_db
def test_a_job_is_sent_only_when_the_transaction_commits(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[tuple[str, Any, Any]] = []
    monkeypatch.setattr(
        jobs.current_app, "send_task", lambda name, args=(), kwargs=None: sent.append((name, args, kwargs))
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        jobs.enqueue_on_commit("orders.generate", instance_ids=[7])
        jobs.enqueue_many_on_commit("orders.run_actions", [(1, "due"), (2, "due")])
        jobs.enqueue_many_on_commit("orders.run_actions", [])  # nothing to send: no callback
        assert sent == []
    assert len(callbacks) == 2
    assert sent == [
        ("orders.generate", (), {"instance_ids": [7]}),
        ("orders.run_actions", (1, "due"), None),
        ("orders.run_actions", (2, "due"), None),
    ]
