"""CSV files of what a list screen shows ("Export CSV", with the screen's filters), and the one call that
answers a list screen's exports.

A list view calls ``export_response(request, rows, columns, name=...)`` with the very queryset it pages:
on ``?export=csv`` it answers the CSV (``csv_response``), on ``?export=xlsx`` the same columns as a
typed workbook (``core.xlsx_export``), otherwise ``None`` and the view renders its page. So the file has
the screen's filters and scoping, without the page limit. The file is UTF-8 with
a byte-order mark (Excel then reads it as UTF-8), streamed row by row (a queryset is read in chunks:
its ``select_related``/``prefetch_related`` keep the query count constant however long the list), and
every cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return at its
start) is neutralised with a leading apostrophe, unless it is a plain number (CSV injection, OWASP).
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _

BOM = "\ufeff"
EXPORT_PARAM = "export"
# The formats every list screen answers, as the value of ``?export=``.
EXPORT_FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
# A spreadsheet treats a cell starting with one of these as a formula (or as the start of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# Query parameters of pagination: the export is the whole list, not one page of it.
PAGE_PARAM = re.compile(r"^(page|.+_page)$")


def neutralise(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: a would-be formula gets a leading apostrophe."""
    if text and text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def cell_text(value: Any) -> str:
    """How a value is written in a screen's CSV: dates ISO, times in the current time zone, numbers
    without exponent or trailing zeros, yes/no, records by their name."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, Promise):
        return str(value)
    return str(value)


@dataclass(frozen=True)
class CsvColumn:
    """One column of a screen's CSV: its header and how to get the cell from a row.

    ``value`` is an attribute path (``"part.part_number"``, ``"get_status_display"``: a method found on
    the path is called) or a function of the row."""

    header: str | Promise
    value: str | Callable[[Any], Any]

    def cell(self, row: Any) -> Any:
        if callable(self.value):
            return self.value(row)
        target: Any = row
        for name in self.value.split("."):
            if target is None:
                return None
            target = getattr(target, name)
            if callable(target) and not isinstance(target, Model):
                target = target()
        return target


def wants_csv(request: HttpRequest) -> bool:
    """The screen was asked for its CSV (``?export=csv``) rather than its page."""
    return request.GET.get(EXPORT_PARAM) == "csv"


def export_query(query: QueryDict, export_format: str = "csv") -> str:
    """The query string of a screen's "Export CSV" (or XLSX) link: its filters, without pagination, plus
    ``export=<format>``."""
    params = query.copy()
    for key in list(params):
        if PAGE_PARAM.match(key) or key == EXPORT_PARAM:
            del params[key]
    params[EXPORT_PARAM] = export_format
    return params.urlencode()


def export_filename(name: Any, extension: str) -> str:
    """``<name>-<today>.<extension>``, the name slugified (the file name of every export)."""
    return f"{slugify(str(name)) or 'export'}-{timezone.localdate().isoformat()}.{extension}"


class _Echo:
    """A file-like object that hands back what ``csv.writer`` writes (for streaming)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]], *, delimiter: str = ",") -> Iterator[str]:
    """The lines of a CSV file (BOM first, CRLF line ends, every cell neutralised)."""
    writer = csv.writer(_Echo(), delimiter=delimiter, lineterminator="\r\n")
    yield BOM + writer.writerow([neutralise(cell_text(cell)) for cell in header])
    for row in rows:
        yield writer.writerow([neutralise(cell_text(cell)) for cell in row])


def records(rows: Iterable[Any]) -> Iterable[Any]:
    """The rows to write: a queryset is read in chunks (``iterator``), keeping its prefetches."""
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK_SIZE)
    return rows


def csv_response(rows: Iterable[Any], columns: Sequence[CsvColumn], *, name: str) -> StreamingHttpResponse:
    """A streaming CSV download of ``rows`` (a queryset, read in chunks, or any iterable) in ``columns``,
    named ``<name>-<today>.csv``."""
    body = csv_lines(
        [column.header for column in columns],
        ([column.cell(row) for column in columns] for row in records(rows)),
    )
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(name, "csv")}"'
    return response


def export_response(
    request: HttpRequest, rows: Iterable[Any], columns: Sequence[CsvColumn], *, name: Any
) -> HttpResponseBase | None:
    """The export the screen was asked for (``?export=csv`` or ``?export=xlsx``) of ``rows`` in
    ``columns``, or ``None`` when it was asked for its page. ``rows`` is only read for an export."""
    export_format = request.GET.get(EXPORT_PARAM)
    if export_format == "csv":
        return csv_response(rows, columns, name=name)
    if export_format == "xlsx":
        # Imported here: the workbook writer builds on this module's columns and cell rules.
        from core.xlsx_export import xlsx_response

        return xlsx_response(rows, columns, name=name)
    return None
