"""What the sheets of one COBie import share: the report, the facility's external keys, the records made
so far by COBie name, unique values handed out (codes, tags), records written in bulk with their history,
and the attributes each record ends up with.

Everything that would cost a query per row is loaded once or written in batches: a workbook of 10,000
components costs a few hundred queries, not tens of thousands.
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from assets.models import Area
from exchange.cobie.reader import Row, Workbook, as_text
from exchange.models import Attribute, ExternalRef, Scheme
from exchange.refs import RefIndex, apply_fields
from exchange.registry import ImportJob
from exchange.report import CREATED, UNCHANGED, UPDATED, ImportReport

GROUP = "COBie"  # attributes holding a row's own columns that have no field
KEY_SEPARATOR = "␟"  # between the parts of a key made of two names (a Type's Spare or Job)
BATCH = 500
CHUNK = 500  # ids per "IN (...)" query


def kept_group(sheet: str) -> str:
    """The attribute group of the rows of ``sheet`` kept whole (as JSON) on a record."""
    return f"{GROUP} {sheet}"


def pair_key(first: str, second: str) -> str:
    return f"{first}{KEY_SEPARATOR}{second}"


def slug(text: str, length: int) -> str:
    """Upper-case letters, digits and dashes, for codes and tags (``"Level 1"`` -> ``"LEVEL-1"``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    code = re.sub(r"[^A-Z0-9]+", "-", ascii_text.upper()).strip("-")
    return code[:length].strip("-") or "X"


def validation_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{'' if name == '__all__' else name + ': '}{' '.join(messages)}"
            for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def assign(obj: models.Model, values: Mapping[str, Any]) -> dict[str, Any]:
    """Set ``values`` on ``obj`` and return the old values of those that differed. Foreign keys are
    compared by id, so an unchanged record costs no query to load what it points at."""
    changed: dict[str, Any] = {}
    for name, value in values.items():
        field = obj._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            current = getattr(obj, field.attname)
            wanted = value.pk if isinstance(value, models.Model) else value
            if current != wanted or (value is not None and not field.is_cached(obj)):
                if current != wanted:
                    changed[name] = current
                setattr(obj, name, value)
        elif getattr(obj, name) != value:
            changed[name] = getattr(obj, name)
            setattr(obj, name, value)
    return changed


def clean_in_memory(obj: models.Model) -> None:
    """Field and model rules without a query: foreign keys are set from records already loaded, and
    unique values are handed out by ``Unique`` (the database constraints stay the last word)."""
    foreign = [f.name for f in obj._meta.concrete_fields if isinstance(f, models.ForeignKey)]
    obj.full_clean(exclude=foreign, validate_unique=False, validate_constraints=False)


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Insert plain rows (column -> value) with one prepared statement: for the rows an import writes by
    the ten thousand (history rows, external keys) whose ids nobody needs back. Django's ``bulk_create``
    builds the SQL of every value one by one, which costs more than the database's own work."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    date_times = {f.attname for f in fields if isinstance(f, models.DateTimeField)}
    prepared = {
        f.attname: f for f in fields if isinstance(f, models.FileField | models.DecimalField | models.JSONField)
    }
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
    adapt = connection.ops.adapt_datetimefield_value
    names = [f.attname for f in fields]
    params = [
        [
            adapt(row[n])
            if n in date_times
            else prepared[n].get_db_prep_save(row[n], connection)
            if n in prepared
            else row[n]
            for n in names
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # executemany runs the statement in SQLite itself
            cursor.executemany(sql, params)
            return
        # Elsewhere a driver's executemany may run row by row: many rows in one statement instead.
        size = max(1, min(1000, connection.ops.bulk_batch_size(fields, params)))
        for first in range(0, len(params), size):
            chunk = params[first : first + size]
            values = ", ".join([f"({marks})"] * len(chunk))
            cursor.execute(sql.replace(f"VALUES ({marks})", f"VALUES {values}"), [v for row in chunk for v in row])


def history_rows(objs: Iterable[models.Model], user: Any, kind: str) -> None:
    """The history rows (``+`` created, ``~`` changed) of records written in bulk, as simple-history
    would write them, in one prepared statement."""
    objs = list(objs)
    if not objs:
        return
    history = objs[0].__class__.history.model  # type: ignore[attr-defined]
    now = timezone.now()
    user_id = getattr(user, "pk", None)
    tracked = [
        f.attname
        for f in history._meta.concrete_fields
        if not f.name.startswith("history_") and f.attname != "history_user_id"
    ]
    rows = []
    for obj in objs:
        row = {name: _plain(getattr(obj, name)) for name in tracked}
        row.update(history_date=now, history_change_reason=None, history_type=kind, history_user_id=user_id)
        rows.append(row)
    insert_rows(history, rows)


def _plain(value: Any) -> Any:
    return (value.name or "") if isinstance(value, FieldFile) else value


class Refs(RefIndex):
    """The facility's external keys, with new bindings written in one batch."""

    def __init__(self, scope: str) -> None:
        super().__init__(Scheme.COBIE, scope)
        self._pending: list[ExternalRef] = []

    def bind_later(self, kind: str, key: str, obj: models.Model) -> None:
        key = key[:255]
        content_type = ContentType.objects.get_for_model(obj)
        pair = (content_type.pk, int(obj.pk))
        current = self._ids.get((kind, key))
        if current == pair:
            return
        if current is not None:
            self.bind(kind, key, obj)  # bound to another record before: rare, one row
            return
        self._pending.append(
            ExternalRef(
                scheme=self.scheme, scope=self.scope, kind=kind, key=key, content_type=content_type, object_id=obj.pk
            )
        )
        self._ids[(kind, key)] = pair

    def flush(self) -> None:
        if self._pending:
            now = timezone.now()
            for ref in self._pending:
                ref.created_at = ref.updated_at = now
            insert_rows(
                ExternalRef,
                [
                    {f.attname: getattr(ref, f.attname) for f in ExternalRef._meta.concrete_fields}
                    for ref in self._pending
                ],
            )
            self._pending = []


class Unique:
    """Hands out values of a unique field (an area code, a tag): the wanted one if free, else the wanted
    one with ``-2``, ``-3``... Values already in the database are asked for in chunks, not one by one."""

    def __init__(self, model: type[models.Model], field_name: str, length: int, **scope: Any) -> None:
        self.model, self.field, self.length, self.scope = model, field_name, length, scope
        self.taken: set[str] = set()
        self.known: set[str] = set()
        self.stems: set[str] = set()  # every value starting with one of these is in ``taken`` if taken

    def prefetch(self, values: Iterable[str]) -> None:
        wanted = [value[: self.length] for value in values if value and value[: self.length] not in self.known]
        for first in range(0, len(wanted), CHUNK):
            chunk = wanted[first : first + CHUNK]
            found = self.model._default_manager.filter(**{f"{self.field}__in": chunk}, **self.scope).values_list(
                self.field, flat=True
            )
            self.taken.update(found)
            self.known.update(chunk)

    def free(self, value: str) -> bool:
        """Whether ``value`` is neither in the database nor handed out by this import."""
        if value not in self.known and not any(value.startswith(stem) for stem in self.stems):
            self.prefetch([value])
        return value not in self.taken

    def claim(self, wanted: str, current: str | None = None) -> str:
        """``wanted`` (cut to length), or the first free variant of it; ``current`` is the record's own."""
        base = wanted.strip()[: self.length] or "X"
        if current is not None and current == base:
            return base
        candidate, number = base, 1
        while candidate != current and not self.free(candidate):
            if number == 1:  # one query for every variant already there
                stem = base[: max(1, self.length - 6)]
                found = self.model._default_manager.filter(
                    **{f"{self.field}__startswith": stem}, **self.scope
                ).values_list(self.field, flat=True)
                self.taken.update(found)
                self.stems.add(stem)
            number += 1
            suffix = f"-{number}"
            candidate = base[: self.length - len(suffix)] + suffix
        self.taken.add(candidate)
        self.known.add(candidate)
        return candidate


class Batch:
    """Records of one model to create or change, validated in memory and written in bulk with their
    history rows (``save`` says what will happen; ``flush`` writes)."""

    def __init__(self, model: type[models.Model], user: Any) -> None:
        self.model, self.user = model, user
        self.creates: list[models.Model] = []
        self.updates: dict[int, models.Model] = {}
        self.fields: set[str] = set()

    def save(self, obj: models.Model, values: Mapping[str, Any]) -> str:
        is_new = obj.pk is None
        changed = assign(obj, values)
        if not is_new and not changed:
            return UNCHANGED
        clean_in_memory(obj)
        if is_new:
            self.creates.append(obj)
            return CREATED
        self.updates[id(obj)] = obj
        self.fields.update(changed)
        return UPDATED

    def flush(self) -> None:
        if self.creates:
            self.model._default_manager.bulk_create(self.creates, batch_size=BATCH)
            history_rows(self.creates, self.user, "+")
            self.creates = []
        if self.updates:
            now = timezone.now()
            rows = list(self.updates.values())
            fields = sorted(self.fields)
            if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
                for row in rows:
                    row.updated_at = now  # type: ignore[attr-defined]
                fields.append("updated_at")
            bulk_update_with_history(
                rows, self.model, fields=fields, batch_size=BATCH, default_user=_user_or_none(self.user)
            )
            self.updates, self.fields = {}, set()


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "pk", None) is not None else None


@dataclass
class Wanted:
    """An attribute a record should carry, and the sheet its count goes to."""

    group: str
    name: str
    value: str
    unit: str = ""
    description: str = ""
    sheet: str = ""


class AttributeSink:
    """The COBie attributes each record should end up with. A record is *covered* once its row was read
    without a problem: its COBie attributes then become exactly what the workbook says (attributes
    entered by hand stay), except those of rows that were skipped, which are left as they were."""

    def __init__(self) -> None:
        self._wanted: dict[int, dict[tuple[str, str], Wanted]] = defaultdict(dict)
        self._protected: dict[int, set[tuple[str, str]]] = defaultdict(set)
        self._objects: dict[int, models.Model] = {}
        self._sheets: dict[int, str] = {}

    def cover(self, obj: models.Model, sheet: str = "") -> None:
        self._objects.setdefault(id(obj), obj)
        if sheet:
            self._sheets.setdefault(id(obj), sheet)

    def add(self, obj: models.Model, wanted: Wanted) -> None:
        self.cover(obj)
        key = (wanted.group[:200], wanted.name[:200])
        self._wanted[id(obj)][key] = wanted

    def has(self, obj: models.Model, group: str, name: str) -> bool:
        return (group[:200], name[:200]) in self._wanted.get(id(obj), {})

    def protect(self, obj: models.Model, group: str, name: str) -> None:
        self._protected[id(obj)].add((group[:200], name[:200]))

    def flush(self, report: ImportReport, user: Any) -> None:
        by_type: dict[int, dict[int, int]] = defaultdict(dict)  # content type -> object id -> id(obj)
        for ident, obj in self._objects.items():
            assert obj.pk is not None, obj
            by_type[ContentType.objects.get_for_model(obj).pk][int(obj.pk)] = ident
        creates: list[Attribute] = []
        updates: list[Attribute] = []
        deletes: list[Attribute] = []
        now = timezone.now()
        for content_type_id, objects in by_type.items():
            ids = list(objects)
            existing: dict[int, dict[tuple[str, str], Attribute]] = defaultdict(dict)
            for first in range(0, len(ids), CHUNK):
                for attr in Attribute.objects.filter(
                    content_type_id=content_type_id, object_id__in=ids[first : first + CHUNK]
                ):
                    existing[attr.object_id][(attr.group, attr.name)] = attr
            for object_id, ident in objects.items():
                have = existing.get(object_id, {})
                for key, item in self._wanted.get(ident, {}).items():
                    values = {
                        "value": item.value,
                        "unit": item.unit[:50],
                        "description": item.description,
                        "source": Scheme.COBIE,
                    }
                    found = have.get(key)
                    if found is None:
                        creates.append(
                            Attribute(
                                content_type_id=content_type_id,
                                object_id=object_id,
                                group=key[0],
                                name=key[1],
                                updated_at=now,
                                **values,
                            )
                        )
                        report.tally(item.sheet, "attribute", CREATED)
                    elif apply_fields(found, values):
                        found.updated_at = now
                        updates.append(found)
                        report.tally(item.sheet, "attribute", UPDATED)
                    else:
                        report.tally(item.sheet, "attribute", UNCHANGED)
                wanted, protected = self._wanted.get(ident, {}), self._protected.get(ident, set())
                sheet = self._sheets.get(ident, "")
                for key, attr in have.items():
                    if attr.source == Scheme.COBIE and key not in wanted and key not in protected:
                        deletes.append(attr)
                        report.tally(sheet, "attribute removed", UPDATED)
        history_user = _user_or_none(user)
        if creates:
            Attribute.objects.bulk_create(creates, batch_size=BATCH)
            history_rows(creates, history_user, "+")
        if updates:
            bulk_update_with_history(
                updates,
                Attribute,
                fields=["value", "unit", "description", "source", "updated_at"],
                batch_size=BATCH,
                default_user=history_user,
            )
        for attr in deletes:
            attr._history_user = history_user  # type: ignore[attr-defined]
            attr.delete()


@dataclass
class Context:
    """One import's shared state (see the module's docstring)."""

    job: ImportJob
    workbook: Workbook
    report: ImportReport
    user: Any
    today: datetime.date = field(default_factory=timezone.localdate)
    scope: str = ""
    refs: Refs | None = None
    site: Area | None = None
    building: Area | None = None
    records: dict[tuple[str, str], models.Model] = field(default_factory=dict)
    rows_of: dict[tuple[str, str], int] = field(default_factory=dict)  # (sheet, name) -> its row number
    skipped: set[tuple[str, str]] = field(default_factory=set)
    attributes: AttributeSink = field(default_factory=AttributeSink)
    state: dict[str, Any] = field(default_factory=dict)  # what one sheet leaves for a later one

    # --- problems -------------------------------------------------------------------------------
    def problem(self, row: Row, column: str, message: str) -> None:
        self.report.problem(row.sheet, row.number, column, message)

    def skip(self, row: Row, name: str | None = None) -> None:
        """The row's record is not made: rows that name it are skipped too, with their own problem."""
        self.skipped.add((row.sheet, (name if name is not None else row.name).casefold()))

    def note(self, message: str) -> None:
        self.report.notes.append(message)

    def note_differences(self, group: list[Row], columns: tuple[str, ...]) -> None:
        """Note where later rows of one zone or system give another value than its first row."""
        first = group[0]
        for row in group[1:]:
            for column in columns:
                if row.text(column) and row.text(column) != first.text(column):
                    self.note(
                        _(
                            "%(sheet)s row %(row)s: %(column)s “%(value)s” differs from row %(first)s of the same "
                            "name; the first row's “%(kept)s” is kept."
                        )
                        % {
                            "sheet": row.sheet,
                            "row": row.number,
                            "column": column,
                            "value": row.text(column),
                            "first": first.number,
                            "kept": first.text(column),
                        }
                    )

    def remember(self, sheet: str, name: str, obj: models.Model, row: Row | None = None) -> None:
        self.records[(sheet, name.casefold())] = obj
        if row is not None:
            self.rows_of[(sheet, name.casefold())] = row.number

    def find(self, sheet: str, name: str) -> models.Model | None:
        return self.records.get((sheet, name.casefold()))

    def depend(self, row: Row, column: str, sheet: str, name: str) -> models.Model | None:
        """The record of ``sheet`` named ``name`` that ``row`` needs, or a problem saying why it is not
        there (unknown, or its own row was skipped)."""
        found = self.find(sheet, name)
        if found is not None:
            return found
        if (sheet, name.casefold()) in self.skipped:
            self.problem(
                row,
                column,
                _("%(sheet)s “%(name)s” has a problem of its own (see its row), so this row is skipped too.")
                % {"sheet": sheet, "name": name},
            )
        else:
            self.problem(
                row, column, _("No %(sheet)s named “%(name)s” in the workbook.") % {"sheet": sheet, "name": name}
            )
        return None

    def duplicate(self, row: Row, sheet: str) -> bool:
        """Report a second row of the same name in a sheet where names are keys."""
        first = self.rows_of.get((sheet, row.name.casefold()))
        if first is None:
            return False
        self.problem(
            row,
            "Name",
            _("The name “%(name)s” is already used by row %(row)s of this sheet; COBie names must be unique.")
            % {"name": row.name, "row": first},
        )
        return True

    def missing(self, row: Row, columns: Iterable[str]) -> bool:
        """Report each required cell the row leaves empty; True if any."""
        empty = [column for column in columns if row.get(column) is None]
        for column in empty:
            self.problem(row, column, _("This cell is required."))
        return bool(empty)

    # --- attributes -----------------------------------------------------------------------------
    def keep_columns(self, obj: models.Model, row: Row, mapped: Iterable[str]) -> None:
        """Keep every cell of ``row`` that did not go to a field as an attribute of ``obj``."""
        used = set(mapped)
        self.attributes.cover(obj, row.sheet)
        for column, value in row.values.items():
            if column not in used:
                self.attributes.add(obj, Wanted(GROUP, column, as_text(value), sheet=row.sheet))
        for header, value in row.extra.items():
            self.attributes.add(obj, Wanted(GROUP, header, as_text(value), sheet=row.sheet))

    def keep_row(self, host: models.Model, row: Row, name: str) -> None:
        """Keep a whole row (of a sheet MMS has no register for) as one attribute of ``host``."""
        group = kept_group(row.sheet)
        label, number = name[:180] or row.sheet, 1
        while self.attributes.has(host, group, label):
            number += 1
            label = f"{name[:180]} ({number})"
        content = {column: as_text(value) for column, value in row.values.items()}
        content.update({header: as_text(value) for header, value in row.extra.items()})
        self.attributes.add(host, Wanted(group, label, json.dumps(content, ensure_ascii=False), sheet=row.sheet))
