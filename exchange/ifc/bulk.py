"""Writing many records of an IFC import in few statements: external keys of new records in one INSERT
per batch, attributes compared in memory and written with ``bulk_create``/``bulk_update`` (history
kept by simple-history's bulk helpers), and the checks a record passes before it is saved.

A model of thousands of elements has tens of thousands of properties: one query per property, or even
per element, would make an import take minutes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone

from exchange.models import Attribute, ExternalRef
from exchange.refs import AttributeValue, RefIndex
from exchange.report import CREATED, UNCHANGED, UPDATED, ImportReport

BATCH = 500
T = TypeVar("T")
M = TypeVar("M", bound=models.Model)


def chunks(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def history_user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def check(obj: models.Model, exclude: Iterable[str] = ()) -> None:
    """Validate ``obj``'s fields and its ``clean()`` without a query: the importer has loaded what the
    foreign keys point at and checked unique values against what it loaded (``exclude`` names those
    foreign keys); the database constraints still hold the last line."""
    obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


def first_error(error: ValidationError, columns: dict[str, str], default: str) -> tuple[str, str]:
    """(column, message) of a validation error, the field named by its IFC attribute."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            return columns.get(name, default), " ".join(errors)
    return default, " ".join(error.messages)


def copy_history(model: type[models.Model], ids: Sequence[int], *, history_type: str, user: Any) -> None:
    """The history rows of records just written in bulk (``+`` created, ``~`` changed), copied from
    the records by the database, one INSERT ... SELECT per batch: what simple-history writes on each
    save, without building two Python objects per row."""
    if not ids:
        return
    historical = model.history.model  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    own = {field.column for field in model._meta.concrete_fields}
    columns = [
        quote(field.column)
        for field in historical._meta.concrete_fields
        if not field.name.startswith("history_") and field.column in own
    ]
    history_columns = [
        quote(historical._meta.get_field(name).column)
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    ]
    user = history_user(user)
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    target, source = quote(historical._meta.db_table), quote(model._meta.db_table)
    key = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        for part in chunks(ids):
            cursor.execute(
                f"INSERT INTO {target} ({', '.join(columns + history_columns)}) "
                f"SELECT {', '.join(columns)}, %s, NULL, %s, %s FROM {source} "
                f"WHERE {key} IN ({', '.join(['%s'] * len(part))})",
                [stamp, history_type, user.pk if user else None, *part],
            )


def create_with_history(objs: list[M], user: Any) -> list[M]:
    """``bulk_create`` and the records' history; the objects get their ids."""
    if not objs:
        return objs
    model = type(objs[0])
    model._default_manager.bulk_create(objs, batch_size=BATCH)
    if any(obj.pk is None for obj in objs):  # a database that does not return new ids (not SQLite, PostgreSQL)
        raise NotImplementedError("Bulk imports need a database that returns the ids of new rows.")
    copy_history(model, [obj.pk for obj in objs], history_type="+", user=user)
    return objs


def update_with_history(objs: list[M], fields: Iterable[str], user: Any) -> None:
    """``bulk_update`` of ``fields`` (and ``updated_at``, set now) and the records' history."""
    if not objs:
        return
    model = type(objs[0])
    now = timezone.now()
    for obj in objs:
        obj.updated_at = now  # type: ignore[attr-defined]
    model._default_manager.bulk_update(objs, sorted({*fields, "updated_at"}), batch_size=BATCH)
    copy_history(model, [obj.pk for obj in objs], history_type="~", user=user)


def save(obj: models.Model, user: Any) -> None:
    obj._history_user = history_user(user)  # type: ignore[attr-defined]  # read by simple-history
    obj.save()


def bind_all(index: RefIndex, bindings: list[tuple[str, str, models.Model]]) -> int:
    """Bind each ``(kind, key)`` to its record: keys the index does not hold yet in one INSERT per
    batch, keys bound to another record (one since deleted, or of another model) one by one. Returns the
    number of keys written."""
    known: dict[str, set[str]] = {}
    fresh: list[ExternalRef] = []
    written = 0
    for kind, key, obj in bindings:
        key = key[:255]
        if index.get_id(kind, key, type(obj)) == obj.pk:
            continue
        if kind not in known:
            known[kind] = set(index.keys_of(kind))
        if key in known[kind]:
            index.bind(kind, key, obj)
        else:
            fresh.append(
                ExternalRef(
                    scheme=index.scheme,
                    scope=index.scope,
                    kind=kind,
                    key=key,
                    content_type=ContentType.objects.get_for_model(obj),
                    object_id=obj.pk,
                )
            )
            known[kind].add(key)
        written += 1
    ExternalRef.objects.bulk_create(fresh, batch_size=BATCH)
    return written


def delete_with_history(model: type[models.Model], ids: Sequence[int], user: Any) -> None:
    """Delete records nothing else points at, with their ``-`` history, one statement each per batch
    (a queryset delete would write the history of each record by itself)."""
    copy_history(model, ids, history_type="-", user=user)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for part in chunks(ids):
            cursor.execute(
                f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} "
                f"IN ({', '.join(['%s'] * len(part))})",
                list(part),
            )


# What an attribute holds besides its record and its name: compared with what the file says.
_HELD = ("value", "unit", "description", "source")


def sync_attributes(
    items: list[tuple[str, models.Model, list[AttributeValue]]], *, source: str, report: ImportReport, user: Any
) -> None:
    """Make the attributes of each record hold its values, as ``exchange.refs.set_attributes`` does
    (attributes of ``source`` the file no longer gives are removed; those entered by hand stay), for all
    records at once; the counts go to the report under each record's sheet."""
    by_type: dict[int, list[tuple[str, models.Model, list[AttributeValue]]]] = defaultdict(list)
    for item in items:
        by_type[ContentType.objects.get_for_model(item[1]).pk].append(item)
    for content_type_id, group in by_type.items():
        existing: dict[int, dict[tuple[str, str], tuple[Any, ...]]] = defaultdict(dict)
        for part in chunks([obj.pk for _sheet, obj, _values in group]):
            for pk, object_id, group_name, name, *held in Attribute.objects.filter(
                content_type_id=content_type_id, object_id__in=part
            ).values_list("pk", "object_id", "group", "name", *_HELD):
                existing[object_id][(group_name, name)] = (pk, *held)
        creates: list[Attribute] = []
        updates: list[Attribute] = []
        removed: list[int] = []
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for sheet, obj, values in group:
            mine = existing.get(obj.pk, {})
            seen: set[tuple[str, str]] = set()
            for value in values:
                key = (value.group[:200], value.name[:200])
                if key in seen:
                    continue
                seen.add(key)
                wanted = (value.value, value.unit[:50], value.description, source)
                held = mine.get(key)
                if held is not None and tuple(held[1:]) == wanted:
                    counts[(sheet, UNCHANGED)] += 1
                    continue
                attribute = Attribute(
                    pk=held[0] if held else None,
                    content_type_id=content_type_id,
                    object_id=obj.pk,
                    group=key[0],
                    name=key[1],
                    **dict(zip(_HELD, wanted, strict=True)),
                )
                (updates if held else creates).append(attribute)
                counts[(sheet, UPDATED if held else CREATED)] += 1
            removed += [held[0] for key, held in mine.items() if key not in seen and held[-1] == source]
        create_with_history(creates, user)
        update_with_history(updates, _HELD, user)
        delete_with_history(Attribute, removed, user)
        for (sheet, action), count in counts.items():
            report.tally(sheet, "attribute", action, count)
