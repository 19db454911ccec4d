"""The columns of a file that feed no field, kept as attributes of the record (``exchange.Attribute``,
group ``CSV``): nothing a register file says is dropped, and an export writes them back as columns.

A register of 10,000 pipes with 15 extra columns must not cost 300,000 single inserts: the attributes
of the records an import touches are loaded in a few queries, and new ones are created in batches (with
their history rows) once their records are saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from exchange.models import Attribute, Scheme

GROUP = "CSV"
CHUNK = 2000
FLUSH_AT = 5000  # attributes to create that are kept in memory before they are written


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def attributes_by_record(model: type[models.Model], ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """The CSV attributes of the records ``ids`` of ``model``: id -> name -> value (for exports)."""
    content_type = ContentType.objects.get_for_model(model)
    found: dict[int, dict[str, str]] = {}
    for chunk in chunks(list(ids)):
        rows = Attribute.objects.filter(content_type=content_type, group=GROUP, object_id__in=chunk).values_list(
            "object_id", "name", "value"
        )
        for object_id, name, value in rows:
            found.setdefault(object_id, {})[name] = value
    return found


class AttributeKeeper:
    """Makes each record's CSV attributes hold what its row's extra columns say."""

    def __init__(self, model: type[models.Model], *, user: Any, reason: str) -> None:
        self.content_type = ContentType.objects.get_for_model(model)
        self.user = user if getattr(user, "pk", None) else None
        self.reason = reason
        self.existing: dict[int, dict[str, Attribute]] = {}
        self.pending: list[Attribute] = []  # created in bulk by ``flush``

    def preload(self, ids: Iterable[int]) -> None:
        """Load the CSV attributes of the records ``ids`` (the ones the file will update)."""
        for chunk in chunks([pk for pk in ids if pk not in self.existing]):
            for pk in chunk:
                self.existing.setdefault(pk, {})
            for attribute in Attribute.objects.filter(content_type=self.content_type, group=GROUP, object_id__in=chunk):
                self.existing[attribute.object_id][attribute.name] = attribute

    def keep(self, obj: models.Model, extras: Sequence[tuple[str, str]], *, created: bool = False) -> bool:
        """Write ``extras`` (header, value) as the record's CSV attributes (``created``: the record was
        just made, so it has none yet); True if any changed."""
        pk = int(obj.pk)  # the record is saved: its row's savepoint holds, so its attributes can wait
        if created:
            self.existing[pk] = {}
        elif pk not in self.existing:
            self.preload([pk])
        current = self.existing[pk]
        wanted: dict[str, str] = {}
        for header, value in extras:
            wanted.setdefault(header[:200], value)
        now = timezone.now()
        creates = [
            Attribute(
                content_type=self.content_type,
                object_id=pk,
                group=GROUP,
                name=name,
                value=value,
                source=Scheme.CSV,
                updated_at=now,
            )
            for name, value in wanted.items()
            if name not in current
        ]
        updates = []
        for name, value in wanted.items():
            attribute = current.get(name)
            if attribute is not None and (attribute.value != value or attribute.source != Scheme.CSV):
                attribute.value, attribute.source, attribute.updated_at = value, Scheme.CSV, now
                updates.append(attribute)
        deletes = [attribute for name, attribute in current.items() if name not in wanted]
        self.pending.extend(creates)
        if len(self.pending) >= FLUSH_AT:
            self.flush()
        if updates:
            bulk_update_with_history(
                updates,
                Attribute,
                ["value", "source", "updated_at"],
                default_user=self.user,
                default_change_reason=self.reason,
            )
        for attribute in deletes:
            attribute._history_user = self.user  # type: ignore[attr-defined]
            attribute._change_reason = self.reason  # type: ignore[attr-defined]
            attribute.delete()
        if creates or deletes:
            state = {name: attribute for name, attribute in current.items() if name in wanted}
            state.update({attribute.name: attribute for attribute in creates})
            self.existing[pk] = state
        return bool(creates or updates or deletes)

    def flush(self) -> None:
        """Create the attributes waiting (the import calls this after the last row)."""
        if self.pending:
            bulk_create_with_history(
                self.pending, Attribute, batch_size=500, default_user=self.user, default_change_reason=self.reason
            )
            self.pending = []
