"""XLSX workbooks of what a list screen shows ("Export XLSX", beside "Export CSV").

The same rows and columns as the screen's CSV (``core.csv_export``), but typed as a spreadsheet wants
them: dates and times as date cells (times in the current time zone, as on screen), numbers as number
cells, yes/no as booleans, everything else as text. Text gets the same formula neutralisation as the CSV
(openpyxl would otherwise store a string starting with ``=`` as a formula). openpyxl's write-only mode
writes the sheet row by row to a temporary file, so a long list does not sit in memory as cell objects,
and a queryset is read in chunks (its ``select_related``/``prefetch_related`` keep the query count
constant). The header row is bold and frozen; column widths come from the header and the first rows.
"""

from __future__ import annotations

import datetime
import itertools
import math
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from core.csv_export import EXPORT_PARAM, CsvColumn, cell_text, export_filename, neutralise, records

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Column widths (in characters) are measured on the header and this many first rows, then kept within bounds.
WIDTH_SAMPLE = 200
MIN_WIDTH, MAX_WIDTH = 8, 60
# Characters XML 1.0 cannot hold (openpyxl refuses them): control characters other than tab and line ends.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Excel holds numbers as doubles: a Decimal with more significant digits than a double keeps is written as
# its exact text rather than silently rounded.
EXACT_DIGITS = 15
# Spooled in memory up to this size, then on disk.
SPOOL_BYTES = 8 * 1024 * 1024


def wants_xlsx(request: HttpRequest) -> bool:
    """The screen was asked for its workbook (``?export=xlsx``) rather than its page."""
    return request.GET.get(EXPORT_PARAM) == "xlsx"


def cell_value(value: Any) -> Any:
    """A Python value as an XLSX cell holds it: a number, a boolean, a naive local date or time, or
    neutralised text (``None`` is an empty cell)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else cell_text(value)
    if isinstance(value, Decimal):
        if value.is_finite() and len(value.as_tuple().digits) <= EXACT_DIGITS:
            return value
        return cell_text(value)  # NaN, infinity or more digits than a double holds: the exact text
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    text = str(value) if isinstance(value, Promise) else cell_text(value)
    return neutralise(ILLEGAL_CHARACTERS.sub("", text))


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return len("2024-01-31 12:00")
    if isinstance(value, datetime.date):
        return len("2024-01-31")
    text = number_text(value) if isinstance(value, Decimal | float) else str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def column_widths(header: Sequence[Any], sample: Sequence[Sequence[Any]]) -> list[int]:
    """Widths that fit the header and the sampled rows, within ``MIN_WIDTH``..``MAX_WIDTH``."""
    widths = [_width(title) for title in header]
    for row in sample:
        widths = [max(width, _width(value)) for width, value in zip(widths, row, strict=True)]
    return [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in widths]


def number_text(value: Decimal | float) -> str:
    """The exact decimal text of a number cell (openpyxl's own formatting rounds to 16 digits, so that
    ``Decimal("9.108")`` would be stored as ``9.108000000000001``)."""
    if isinstance(value, float):
        return repr(value)
    return cell_text(value)


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if isinstance(value, Decimal | float):
        cell = WriteOnlyCell(sheet)
        # Set the stored text and the type directly: the ``value`` setter would type a string as text.
        cell._value = number_text(value)
        cell.data_type = "n"
        return cell
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def sheet_title(name: str) -> str:
    """``name`` as a worksheet title: at most 31 characters, none of ``[]:*?/\\``."""
    title = SHEET_TITLE_FORBIDDEN.sub(" ", name).strip()[:31].strip()
    return title or "Export"


def write_workbook(file: Any, header: Sequence[Any], rows: Iterable[Sequence[Any]], *, title: str) -> None:
    """Write one sheet (bold frozen header, then ``rows`` of raw values) to ``file`` as XLSX."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(title))
    header_values = [cell_value(str(title_)) for title_ in header]
    values: Iterator[list[Any]] = ([cell_value(value) for value in row] for row in rows)
    sample = list(itertools.islice(values, WIDTH_SAMPLE))
    # Write-only sheets take their column widths and panes before the first row.
    for index, width in enumerate(column_widths(header_values, sample), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for value in header_values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in itertools.chain(sample, values):
        sheet.append([_cell(sheet, value) for value in row])
    book.save(file)


def xlsx_response(rows: Iterable[Any], columns: Sequence[CsvColumn], *, name: str) -> FileResponse:
    """An XLSX download of ``rows`` (a queryset, read in chunks, or any iterable) in ``columns``, named
    ``<name>-<today>.xlsx``: the same cells as the screen's CSV, typed."""
    file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  # FileResponse closes it
    write_workbook(
        file,
        [column.header for column in columns],
        ([column.cell(row) for column in columns] for row in records(rows)),
        title=str(name),
    )
    file.seek(0)
    return FileResponse(
        file, as_attachment=True, filename=export_filename(name, "xlsx"), content_type=XLSX_CONTENT_TYPE
    )
