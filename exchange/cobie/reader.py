"""Reading a COBie workbook with calamine: sheets found by name whatever their case or spacing, headers
mapped onto the COBie 2.4 columns, cells cleaned (``n/a``, empty cells and template placeholders that
repeat the column's own header are "no value"), and the values a field needs parsed with a message
when they cannot be (dates as text or as real dates, numbers, lists of names).

Rows keep the number the spreadsheet shows them under, so every problem names the row a person opens.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from exchange.cobie import schema
from exchange.files import FileRefused

EMPTY_WORDS = frozenset({"n/a", "#n/a", "n.a.", "not applicable"})
HEADER_SEARCH_ROWS = 10  # the header is the first non-empty row among these
EXCEL_EPOCH = datetime.date(1899, 12, 30)
# Template text standing for a value to be given later ("CIC 3": at that stage of the UK CIC plan of
# work); kept as written, but no name, number or date.
PLACEHOLDER = re.compile(r"^(cic\s*(\d+|n)|tbc|tba|tbd|unknown|to be (confirmed|advised|determined))$", re.IGNORECASE)
# COBie writers put 1900-12-31 (or Excel's day 0/1) where they have no date.
NO_DATE_BEFORE = datetime.date(1901, 1, 1)


@dataclass
class Row:
    """One data row: ``number`` as the spreadsheet shows it, ``values`` by COBie column (``None``: no
    value), ``extra`` the cells under headers COBie does not define (kept as attributes)."""

    sheet: str
    number: int
    values: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, column: str) -> Any:
        return self.values.get(column)

    def text(self, column: str) -> str:
        return as_text(self.values.get(column))

    @property
    def name(self) -> str:
        return self.text("Name")


@dataclass
class Sheet:
    """A COBie sheet of the workbook: its title there, the COBie columns it has, and its rows."""

    name: str
    title: str
    columns: list[str]
    extra_columns: list[str]
    rows: list[Row]

    def has(self, column: str) -> bool:
        return column in self.columns


@dataclass
class Workbook:
    sheets: dict[str, Sheet]
    other_sheets: list[str]  # sheets that are neither COBie nor the template's own (kept out, noted)
    duplicate_sheets: list[str]

    def sheet(self, name: str) -> Sheet | None:
        return self.sheets.get(name)

    def rows(self, name: str) -> list[Row]:
        found = self.sheets.get(name)
        return found.rows if found else []


# --- Cells ------------------------------------------------------------------------------------
def clean(value: Any, header: str) -> Any:
    """The cell's value, or ``None`` for an empty cell, ``n/a`` or a placeholder repeating the header."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text or text.lower() in EMPTY_WORDS:
            return None
        if schema.normalise(text) == schema.normalise(header):
            return None
        return text
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and bool(PLACEHOLDER.match(value.strip()))


def as_text(value: Any) -> str:
    """A cell as text: whole numbers without ``.0``, dates in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return str(value).strip()


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_DMY = re.compile(r"^(\d{1,2})([./])(\d{1,2})\2(\d{4})(?:[T ].*)?$")


def as_date(value: Any) -> datetime.date | None:
    """A date from a real date cell, an Excel day number or text (ISO 8601, or day.month.year; a
    slashed date only when day and month cannot be mixed up). ``ValueError`` with a message if not."""
    if value is None or is_placeholder(value):
        return None
    day: datetime.date
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not 0 <= value < 2958466:
            raise ValueError(_("%(value)s is not a date.") % {"value": as_text(value)})
        day = EXCEL_EPOCH + datetime.timedelta(days=int(value))
    else:
        day = _date_from_text(as_text(value))
    return None if day < NO_DATE_BEFORE else day


def _date_from_text(text: str) -> datetime.date:
    try:
        if match := _ISO_DATE.match(text):
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DMY.match(text):
            first, second, year = int(match[1]), int(match[3]), int(match[4])
            if match[2] == ".":
                return datetime.date(year, second, first)
            if first > 12 >= second:
                return datetime.date(year, second, first)
            if second > 12 >= first:
                return datetime.date(year, first, second)
            raise ValueError(
                _("“%(value)s” could be read day first or month first; write it as YYYY-MM-DD.") % {"value": text}
            )
    except ValueError as error:
        if "YYYY-MM-DD" in str(error):
            raise
        raise ValueError(_("“%(value)s” is not a date that exists.") % {"value": text}) from error
    raise ValueError(_("“%(value)s” is not a date (write it as YYYY-MM-DD).") % {"value": text})


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def as_number(value: Any) -> Decimal | None:
    """A number from a number cell or from text (``3.5``, ``3,5``); ``ValueError`` with a message if not."""
    if value is None or is_placeholder(value):
        return None
    if isinstance(value, bool):
        raise ValueError(_("%(value)s is not a number.") % {"value": as_text(value)})
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    text = as_text(value).replace("\u00a0", "").replace(" ", "")
    if not _NUMBER.match(text):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": as_text(value)})
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation as error:  # pragma: no cover - the pattern lets only numbers through
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text}) from error


def as_names(value: Any) -> list[str]:
    """A list of COBie names (``"A101, A102"``; ``;`` separates too), in order, each once; template
    placeholders are no name."""
    names: list[str] = []
    for part in re.split(r"[,;]", as_text(value)):
        name = part.strip()
        if name and name.lower() not in EMPTY_WORDS and not is_placeholder(name) and name not in names:
            names.append(name)
    return names


# --- Sheets -----------------------------------------------------------------------------------
def read_workbook(path: Path) -> Workbook:
    """Every COBie sheet of the workbook at ``path`` (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``)."""
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types for damaged files
        raise FileRefused(
            _("The workbook cannot be read (%(error)s). Save it again as .xlsx and upload it.")
            % {"error": str(error)[:200]}
        ) from error
    sheets: dict[str, Sheet] = {}
    others: list[str] = []
    duplicates: list[str] = []
    try:
        for title in book.sheet_names:
            name = schema.canonical_sheet(title)
            if name is None:
                if schema.normalise(title) not in {schema.normalise(s) for s in schema.IGNORED_SHEETS}:
                    others.append(title)
                continue
            if name in sheets:
                duplicates.append(title)
                continue
            sheets[name] = _read_sheet(name, title, book.get_sheet_by_name(title).iter_rows())
    except FileRefused:
        raise
    except Exception as error:
        raise FileRefused(
            _("The workbook is damaged (%(error)s). Save it again as .xlsx and upload it.")
            % {"error": str(error)[:200]}
        ) from error
    finally:
        book.close()
    return Workbook(sheets=sheets, other_sheets=others, duplicate_sheets=duplicates)


def _read_sheet(name: str, title: str, cells: Iterator[list[Any]]) -> Sheet:
    header: list[str] | None = None
    columns: list[str | None] = []
    extra_names: list[str] = []
    rows: list[Row] = []
    for index, raw in enumerate(cells):
        number = index + 1
        if header is None:
            if any(as_text(cell) for cell in raw):
                header, columns, extra_names = _header(name, raw)
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for position, cell in enumerate(raw):
            if position >= len(header):
                if (text := as_text(cell)) != "":
                    extra[_column_letter_name(position)] = text
                continue
            value = clean(cell, header[position])
            if value is None:
                continue
            column = columns[position]
            if column is not None:
                values.setdefault(column, value)
            else:
                extra[header[position] or _column_letter_name(position)] = value
        if values or extra:
            rows.append(Row(sheet=name, number=number, values=values, extra=extra))
    present = [c for c in schema.COLUMNS[name] if c in columns]
    extras = list(dict.fromkeys(extra_names + [k for row in rows for k in row.extra]))
    return Sheet(name=name, title=title, columns=present, extra_columns=extras, rows=rows)


def _header(name: str, raw: list[Any]) -> tuple[list[str], list[str | None], list[str]]:
    header = [as_text(cell) for cell in raw]
    columns: list[str | None] = []
    seen: set[str] = set()
    extra: list[str] = []
    for text in header:
        column = schema.canonical_column(name, text) if text else None
        if column is not None and column in seen:
            column = None  # a second column of the same name is kept as a column of its own
        if column is not None:
            seen.add(column)
        elif text:
            extra.append(text)
        columns.append(column)
    return header, columns, extra


def _column_letter_name(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return _("Column %(letter)s") % {"letter": letters}
