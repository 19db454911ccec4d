"""The audit trail: a record's django-simple-history rows turned into field-level changes that people read.

Every business model keeps history (``HistoricalRecords``); each historical row is a full copy of the
record after a change. What an auditor asks is what changed: this module pairs each row with the row
before it (of the same record) and lists the fields whose value differs, as display values (a choice's
label, a related record's name, dates in the current time zone), with who (``history_user``), when
(``history_date``) and the reason given (``history_change_reason``).

It reads only simple-history's generic API (``get_history_model_for_model``, the historical models'
``tracked_fields``) and the app registry, so it serves every app without importing one. The number of
queries does not grow with the rows shown: the previous row of every row on a page is found by one
subquery and read in one query, and the records that foreign keys point to are read in one query per
related model.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalChanges
from simple_history.utils import get_history_model_for_model

from core.csv_export import cell_text
from core.pagination import PagedList, paginate
from core.views import is_htmx

HISTORY_PAGE_PARAM = "history_page"
HISTORY_PAGE_SIZE = 20
KIND_LABELS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
# The columns every historical table has; the audit search reads these across all of them.
COMMON_COLUMNS = ("history_id", "history_date", "history_user_id", "history_type", "history_change_reason")


@dataclass(frozen=True)
class FieldChange:
    """One field of a record whose value changed, as the screens show it."""

    name: str
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    """One historical row of a record and what it changed since the row before it."""

    row: Any
    model: type[models.Model]
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return str(self.row.history_type)

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def date(self) -> datetime.datetime:
        value: datetime.datetime = self.row.history_date
        return value

    @property
    def user(self) -> Any:
        return self.row.history_user

    @property
    def reason(self) -> str:
        return str(self.row.history_change_reason or "")

    @property
    def object_id(self) -> Any:
        return getattr(self.row, self.model._meta.pk.attname)

    @property
    def model_label(self) -> str:
        return str(self.model._meta.verbose_name)

    def changes_text(self) -> str:
        """The changes on one line (for the CSV export): ``Field: old → new; ...``."""
        return "; ".join(f"{change.label}: {change.old or '—'} → {change.new or '—'}" for change in self.changes)


def is_tracked(model: type[models.Model]) -> bool:
    """Whether ``model`` keeps history (a historical model is not itself tracked)."""
    return bool(getattr(model._meta, "simple_history_manager_attribute", None)) and not issubclass(
        model, HistoricalChanges
    )


def tracked_models() -> list[type[models.Model]]:
    """Every model of the project that keeps history, from the app registry, by app and name."""
    found = [model for model in apps.get_models() if is_tracked(model)]
    return sorted(found, key=lambda model: model._meta.label_lower)


def model_by_label(label: str) -> type[models.Model] | None:
    """The tracked model named ``app_label.model_name`` (``orders.workorder``), or ``None``."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    return model if is_tracked(model) else None


def history_model(model: type[models.Model]) -> type[models.Model]:
    result: type[models.Model] = get_history_model_for_model(model)
    return result


def _pk_attname(model: type[models.Model]) -> str:
    return model._meta.pk.attname


def with_previous(rows: QuerySet[Any], model: type[models.Model]) -> QuerySet[Any]:
    """``rows`` (of ``model``'s history) each annotated with the id of the row before it of the same
    record (``previous_history_id``): one correlated subquery, no query per row."""
    history = history_model(model)
    key = _pk_attname(model)
    earlier = (
        history._default_manager.filter(**{key: OuterRef(key)})
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return rows.annotate(previous_history_id=Subquery(earlier))


def record_history(obj: models.Model) -> QuerySet[Any]:
    """The history of one record, newest first, with its authors and previous rows' ids."""
    model = type(obj)
    history = history_model(model)
    rows = (
        history._default_manager.filter(**{_pk_attname(model): obj.pk})
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )
    return with_previous(rows, model)


def _diffed_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The tracked fields worth showing: not the key, nor a timestamp the database moves on every save."""
    history = history_model(model)
    return [
        f
        for f in history.tracked_fields  # type: ignore[attr-defined]  # set by simple-history
        if not f.primary_key and not getattr(f, "auto_now", False)
    ]


def _raw(row: Any, f: models.Field[Any, Any]) -> Any:
    return getattr(row, f.attname)


def _display(f: models.Field[Any, Any], value: Any, names: dict[tuple[type[models.Model], Any], str]) -> str:
    """How a stored value reads: a choice's label, a related record's name, else ``cell_text``."""
    if value is None or value == "":
        return ""
    if f.is_relation and f.related_model is not None:
        related: type[models.Model] = f.related_model  # type: ignore[assignment]
        return names.get((related, value), f"#{value}")
    if f.choices:
        labels = dict(f.flatchoices)
        return str(labels.get(value, value))
    return cell_text(value)


def _related_names(needed: dict[type[models.Model], set[Any]]) -> dict[tuple[type[models.Model], Any], str]:
    """The names of the records foreign keys point to: one query per related model. A name often reads
    a relation of its own (a plan version is "<plan code> v<number>"), so those are joined, one level."""
    names: dict[tuple[type[models.Model], Any], str] = {}
    for related, ids in needed.items():
        if not ids:
            continue
        joins = [f.name for f in related._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)]
        for target in related._default_manager.filter(pk__in=ids).select_related(*joins):
            names[(related, target.pk)] = str(target)
    return names


def diff_rows(model: type[models.Model], rows: Sequence[Any]) -> list[HistoryEntry]:
    """The entries of ``rows`` (historical rows of ``model``, annotated by ``with_previous``), each with
    the fields it changed: one query for the previous rows, one per related model for names."""
    history = history_model(model)
    previous_ids = {row.previous_history_id for row in rows if getattr(row, "previous_history_id", None)}
    earlier: QuerySet[Any] = history._default_manager.filter(history_id__in=previous_ids)
    previous = {row.history_id: row for row in earlier}
    fields = _diffed_fields(model)
    pairs: list[tuple[Any, list[tuple[models.Field[Any, Any], Any, Any]]]] = []
    needed: dict[type[models.Model], set[Any]] = defaultdict(set)
    for row in rows:
        before = previous.get(getattr(row, "previous_history_id", None))
        changed: list[tuple[models.Field[Any, Any], Any, Any]] = []
        if row.history_type != "-":
            for f in fields:
                new = _raw(row, f)
                old = _raw(before, f) if before is not None else None
                if before is None and new in (None, ""):
                    continue  # a creation lists the values it was made with
                if before is not None and old == new:
                    continue
                changed.append((f, old, new))
                if f.is_relation and f.related_model is not None:
                    needed[f.related_model].update(v for v in (old, new) if v is not None)  # type: ignore[index]
        pairs.append((row, changed))
    names = _related_names(needed)
    return [
        HistoryEntry(
            row=row,
            model=model,
            changes=[
                FieldChange(f.name, capfirst(str(f.verbose_name)), _display(f, old, names), _display(f, new, names))
                for f, old, new in changed
            ],
        )
        for row, changed in pairs
    ]


def history_page(
    request: HttpRequest, obj: models.Model, *, param: str = HISTORY_PAGE_PARAM, per_page: int = HISTORY_PAGE_SIZE
) -> tuple[PagedList, list[HistoryEntry]]:
    """The page of ``obj``'s history that ``?<param>=`` asks for, newest first, with the field changes."""
    paged = paginate(request, record_history(obj), param, per_page)
    return paged, diff_rows(type(obj), list(paged.page.object_list))


def render_history(
    request: HttpRequest,
    obj: models.Model,
    *,
    title: str,
    back_url: str,
    related: Sequence[tuple[str, str]] = (),
) -> HttpResponse:
    """A record's history screen: the whole page, or (asked by htmx, as the detail page's History
    section loads itself or turns a page) only the section. The caller has found ``obj`` with the same
    permission and site scoping as its detail page, so whoever sees the record sees its history.

    ``related``: (label, url) of where the domain keeps more of the record's story (the stock ledger
    holds the reason of every stock adjustment of a part), linked under the history. History is only
    read: any other method than GET answers 405."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    paged, entries = history_page(request, obj)
    context = {
        "object": obj,
        "title": title,
        "back_url": back_url,
        "history_url": request.path,
        "paged": paged,
        "entries": entries,
        "related": related,
    }
    htmx = getattr(request, "htmx", None)
    partial = is_htmx(request) and not (htmx and htmx.history_restore_request)
    response = render(request, "core/_history.html" if partial else "core/_history_page.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- Across every tracked model (the administrators' audit search) -----------------------------
@dataclass(frozen=True)
class AuditFilter:
    """What the audit search narrows by; ``None`` leaves a criterion out."""

    model: type[models.Model] | None = None
    user_id: int | None = None
    date_from: datetime.datetime | None = None
    date_to: datetime.datetime | None = None
    object_id: int | None = None


def _filtered(model: type[models.Model], criteria: AuditFilter) -> QuerySet[Any]:
    rows = history_model(model)._default_manager.all()
    if criteria.user_id is not None:
        rows = rows.filter(history_user_id=criteria.user_id)
    if criteria.date_from is not None:
        rows = rows.filter(history_date__gte=criteria.date_from)
    if criteria.date_to is not None:
        rows = rows.filter(history_date__lt=criteria.date_to)
    if criteria.object_id is not None:
        rows = rows.filter(**{_pk_attname(model): criteria.object_id})
    return rows


def audit_rows(criteria: AuditFilter) -> QuerySet[Any]:
    """Every historical row matching ``criteria``, newest first, as dicts of the common columns plus
    ``audit_record_id`` and ``audit_model`` (the model's label; names no model's field has): one ``UNION ALL`` over the tracked models' tables, so the
    page and the count are each one query however many models there are."""
    models_ = [criteria.model] if criteria.model is not None else tracked_models()
    parts = [
        _filtered(model, criteria)
        .annotate(audit_record_id=F(_pk_attname(model)), audit_model=Value(model._meta.label_lower))
        .values(*COMMON_COLUMNS, "audit_record_id", "audit_model")
        .order_by()
        for model in models_
    ]
    first, *rest = parts
    combined = first.union(*rest, all=True) if rest else first
    return combined.order_by("-history_date", "-history_id")


def audit_entries(rows: Iterable[dict[str, Any]]) -> list[HistoryEntry]:
    """The entries of rows from ``audit_rows`` (a page, or a chunk of an export), in their order: per
    model on the page, one query for the rows and their authors, one for the previous rows, one per
    related model."""
    wanted: dict[str, list[int]] = defaultdict(list)
    order: list[tuple[str, int]] = []
    for row in rows:
        wanted[row["audit_model"]].append(row["history_id"])
        order.append((row["audit_model"], row["history_id"]))
    found: dict[tuple[str, int], HistoryEntry] = {}
    for label, ids in wanted.items():
        model = apps.get_model(label)
        full = with_previous(
            history_model(model)._default_manager.filter(history_id__in=ids).select_related("history_user"), model
        )
        for entry in diff_rows(model, list(full)):
            found[(label, entry.row.history_id)] = entry
    return [found[key] for key in order if key in found]
