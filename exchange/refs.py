"""What importers share for matching and writing: external keys loaded once per import, field updates
that save only what changed, and attributes written as a set.

An import of 10,000 components must not make 10,000 lookups: ``RefIndex`` loads the keys of one
scheme and scope in one query, and importers look up and bind in memory."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from exchange.models import Attribute, ExternalRef
from exchange.report import CREATED, UNCHANGED, UPDATED


class RefIndex:
    """The external keys of ``(scheme, scope)``: ``get(kind, key)`` gives the record id it was bound to."""

    def __init__(self, scheme: str, scope: str) -> None:
        self.scheme = scheme
        self.scope = scope[:200]
        self._ids: dict[tuple[str, str], tuple[int, int]] = {}
        for kind, key, content_type_id, object_id in ExternalRef.objects.filter(
            scheme=scheme, scope=self.scope
        ).values_list("kind", "key", "content_type_id", "object_id"):
            self._ids[(kind, key)] = (content_type_id, object_id)

    def get_id(self, kind: str, key: str, model: type[models.Model]) -> int | None:
        """The id of the ``model`` record bound to ``(kind, key)``, if any (and if it is of that model)."""
        found = self._ids.get((kind, key[:255]))
        if found and found[0] == ContentType.objects.get_for_model(model).pk:
            return found[1]
        return None

    def bind(self, kind: str, key: str, obj: models.Model) -> None:
        """Remember that ``(kind, key)`` is ``obj`` (in the database too)."""
        content_type = ContentType.objects.get_for_model(obj)
        pair = (content_type.pk, int(obj.pk))
        key = key[:255]
        if self._ids.get((kind, key)) == pair:
            return
        ExternalRef.objects.update_or_create(
            scheme=self.scheme,
            scope=self.scope,
            kind=kind,
            key=key,
            defaults={"content_type": content_type, "object_id": obj.pk},
        )
        self._ids[(kind, key)] = pair

    def keys_of(self, kind: str) -> dict[str, int]:
        """Every key of ``kind`` and its record id."""
        return {key: ids[1] for (k, key), ids in self._ids.items() if k == kind}


def apply_fields(obj: models.Model, values: Mapping[str, Any]) -> bool:
    """Set ``values`` on ``obj``; True if any differed (the caller then validates and saves)."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def save_record(obj: models.Model, values: Mapping[str, Any]) -> str:
    """Create ``obj`` (no pk yet) or update it with ``values``, validating first; save only on a change.

    Returns the report action; raises Django's ``ValidationError`` (the importer reports it on the row)."""
    is_new = obj.pk is None
    changed = apply_fields(obj, values)
    if not is_new and not changed:
        return UNCHANGED
    obj.full_clean()
    obj.save()
    return CREATED if is_new else UPDATED


@dataclass(frozen=True)
class AttributeValue:
    name: str
    value: str
    group: str = ""
    unit: str = ""
    description: str = ""


def set_attributes(obj: models.Model, values: Iterable[AttributeValue], *, source: str) -> dict[str, int]:
    """Make the attributes of ``obj`` from ``source`` hold ``values`` (others of that source are removed;
    attributes entered by hand are left alone). Returns counts by action."""
    content_type = ContentType.objects.get_for_model(obj)
    existing = {
        (attr.group, attr.name): attr for attr in Attribute.objects.filter(content_type=content_type, object_id=obj.pk)
    }
    counts: dict[str, int] = defaultdict(int)
    seen: set[tuple[str, str]] = set()
    for item in values:
        key = (item.group[:200], item.name[:200])
        if key in seen:
            continue
        seen.add(key)
        wanted = {"value": item.value, "unit": item.unit[:50], "description": item.description, "source": source}
        attr = existing.get(key)
        if attr is None:
            Attribute.objects.create(content_type=content_type, object_id=obj.pk, group=key[0], name=key[1], **wanted)
            counts[CREATED] += 1
        elif apply_fields(attr, wanted):
            attr.save()
            counts[UPDATED] += 1
        else:
            counts[UNCHANGED] += 1
    for key, attr in existing.items():
        if key not in seen and attr.source == source:
            attr.delete()
    return dict(counts)
