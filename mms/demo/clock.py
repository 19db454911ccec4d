"""Demo time for rows the services stamp with ``now()``: the demo must read the same whichever day it is loaded."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import models
from django.utils import timezone


@contextmanager
def pinned_clock(when: datetime.datetime, *, app_label: str) -> Iterator[None]:
    """Move every time the services stamp inside the block (with now()) on the models of the app
    ``app_label`` to the demo time ``when``.

    The services record when things were created, submitted, approved and made effective, and history
    rows record when they were written; the demo must read the same whichever day it is loaded. Rows
    are found by their stamps falling between entering and leaving the block, and changed with
    ``update()``, which writes no further history.
    """
    start = timezone.now()
    yield
    end = timezone.now()
    for model in apps.get_app_config(app_label).get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.DateTimeField):
                name = model_field.attname
                model._base_manager.filter(**{f"{name}__range": (start, end)}).update(**{name: when})
