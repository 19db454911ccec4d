"""Idempotent rows: find a row by its natural key and save it only when a value differs.

Saving nothing on a no-op is what lets a second ``load_demo()`` add no rows and no history rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

M = TypeVar("M", bound=models.Model)


class Outcome(StrEnum):
    """What ``upsert()`` did with a row; ``load_demo()`` counts rows by outcome."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def _differs(obj: models.Model, name: str, wanted: Any) -> bool:
    field = obj._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        return bool(getattr(obj, field.attname) != (wanted.pk if wanted is not None else None))
    return bool(getattr(obj, name) != wanted)


def upsert(
    model: type[M],
    lookup: dict[str, Any],
    values: dict[str, Any] | None = None,
    *,
    on_create: Callable[[M], None] | None = None,
) -> tuple[M, Outcome]:
    """Create the row found by ``lookup`` with ``values``, or save it only if some value differs.

    Saving nothing on a no-op keeps history clean; ``on_create`` prepares a new row (e.g. sets a password).
    """
    values = values or {}
    try:
        obj = model._default_manager.get(**lookup)
    except ObjectDoesNotExist:
        obj = model(**lookup, **values)
        if on_create is not None:
            on_create(obj)
        obj.full_clean()
        obj.save()
        return obj, Outcome.CREATED
    changed = [name for name, wanted in values.items() if _differs(obj, name, wanted)]
    if not changed:
        return obj, Outcome.UNCHANGED
    for name in changed:
        setattr(obj, name, values[name])
    obj.full_clean()
    obj.save()
    return obj, Outcome.UPDATED


def set_m2m(obj: models.Model, name: str, targets: Iterable[models.Model]) -> bool:
    """Make a many-to-many field hold exactly ``targets``; touch nothing (and write no history) if it does."""
    manager = getattr(obj, name)
    wanted = list(targets)
    if set(manager.values_list("pk", flat=True)) == {target.pk for target in wanted}:
        return False
    manager.set(wanted)
    return True
