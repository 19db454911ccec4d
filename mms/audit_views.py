"""The audit search: every recorded change of every model with history, for administrators.

An auditor asks "what did this user change last week?", "who touched work order 4711?": the search
filters the history of all tracked models (``core.audit.audit_rows``, one ``UNION ALL`` query) by
user, model, date range and record id, shows each change field by field, and exports what it shows
as CSV or XLSX. It sits on the top floor because it links each record to its own app's history screen.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from core.audit import AuditFilter, HistoryEntry, audit_entries, audit_rows, model_by_label, tracked_models
from core.csv_export import CsvColumn, export_response
from core.pagination import paginate
from core.scoping import is_administrator

PAGE_SIZE = 50
EXPORT_CHUNK = 500
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
# The screens that show one record's history, by model: the search links each row to its record's.
HISTORY_SCREENS = {
    "orders.workorder": "orders:history",
    "plans.maintenanceplan": "plans:plan_history",
    "plans.planversion": "plans:version_history",
    "assets.resource": "assets:resource_history",
    "inventory.part": "inventory:part_history",
    "people.employee": "people:employee_history",
}


class AuditSearchForm(forms.Form):
    """The search's filters; every one optional, the dates inclusive, in the current time zone."""

    user = forms.ModelChoiceField(
        label=_("User"), queryset=get_user_model().objects.order_by("username"), required=False, empty_label=_("Any")
    )
    model = forms.ChoiceField(label=_("Record type"), required=False)
    record = forms.IntegerField(label=_("Record id"), required=False, min_value=1)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("Until"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(m._meta.label_lower, f"{m._meta.verbose_name} ({m._meta.app_label})") for m in tracked_models()]
        model_field: forms.ChoiceField = self.fields["model"]  # type: ignore[assignment]
        model_field.choices = [("", _("Any")), *sorted(choices, key=lambda choice: str(choice[1]).lower())]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data

    def criteria(self) -> AuditFilter:
        data = self.cleaned_data
        user = data.get("user")
        return AuditFilter(
            model=model_by_label(data["model"]) if data.get("model") else None,
            user_id=user.pk if user is not None else None,
            date_from=_day_start(data.get("date_from")),
            date_to=_day_start(data["date_to"] + datetime.timedelta(days=1)) if data.get("date_to") else None,
            object_id=data.get("record"),
        )


def _day_start(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def record_url(entry: HistoryEntry) -> str:
    """The record's own history screen, where it has one; else ``""``."""
    name = HISTORY_SCREENS.get(entry.model._meta.label_lower)
    if name is None or entry.kind == "-":
        return ""
    return reverse(name, args=[entry.object_id])


def _user_name(entry: HistoryEntry) -> str:
    user = entry.user
    return (user.get_full_name() or user.get_username()) if user is not None else str(_("system"))


AUDIT_COLUMNS = [
    CsvColumn(_("When"), "date"),
    CsvColumn(_("User"), _user_name),
    CsvColumn(_("Record type"), "model_label"),
    CsvColumn(_("Record id"), "object_id"),
    CsvColumn(_("Change"), "kind_label"),
    CsvColumn(_("Reason"), "reason"),
    CsvColumn(_("Fields changed"), HistoryEntry.changes_text),
]


def entries_in_chunks(rows: QuerySet[Any]) -> Iterator[HistoryEntry]:
    """Every entry of ``rows`` for an export, read in chunks: the queries grow with the chunks, not the rows."""
    chunk: list[dict[str, Any]] = []
    for row in rows.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(row)
        if len(chunk) == EXPORT_CHUNK:
            yield from audit_entries(chunk)
            chunk = []
    if chunk:
        yield from audit_entries(chunk)


def _entries_with_links(entries: Iterable[HistoryEntry]) -> list[tuple[HistoryEntry, str]]:
    return [(entry, record_url(entry)) for entry in entries]


@login_required
@require_GET
def audit_search(request: HttpRequest) -> HttpResponseBase:
    """Administrators (the role, or superusers) search the history of every record; others get 403."""
    if not is_administrator(request.user):
        raise PermissionDenied
    form = AuditSearchForm(request.GET or None)
    filtered = form.is_bound
    if filtered and not form.is_valid():
        return render(request, "mms/audit_search.html", {"form": form, "filtered": True, "page": None}, status=400)
    rows = audit_rows(form.criteria() if filtered else AuditFilter())
    # The generator reads nothing unless an export is asked for.
    if (export := export_response(request, entries_in_chunks(rows), AUDIT_COLUMNS, name=_("audit trail"))) is not None:
        return export
    page = paginate(request, rows, "page", PAGE_SIZE)
    context = {
        "form": form if filtered else AuditSearchForm(),
        "filtered": filtered and any(value not in (None, "") for value in form.cleaned_data.values()),
        "page": page,
        "entries": _entries_with_links(audit_entries(page.page.object_list)),
    }
    response: HttpResponse = render(request, "mms/audit_search.html", context)
    return response
