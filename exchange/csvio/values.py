"""The kinds of value a register's column holds, each read from a cell and written back the same way
(so an export imports again unchanged): text, whole numbers, decimals (with a point), dates (ISO or day
first), date-times, yes/no and choices. A cell that cannot be read raises ``CellError`` with a sentence
saying what is wrong and which forms are read."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.csv_export import cell_text


class CellError(Exception):
    """A cell that cannot be read as its column's kind of value; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Text:
    max_length: int | None = None
    kind = gettext_lazy("text")

    def parse(self, raw: str) -> str:
        if self.max_length is not None and len(raw) > self.max_length:
            raise CellError(
                _("%(length)s characters; at most %(max)s fit here.") % {"length": len(raw), "max": self.max_length}
            )
        return raw

    def format(self, value: Any) -> str:
        return "" if value is None else str(value)


INTEGER = re.compile(r"^[+-]?\d+(\.0*)?$")
DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@dataclass(frozen=True)
class Integer:
    minimum: int | None = None
    maximum: int | None = None
    kind = gettext_lazy("whole number")

    def parse(self, raw: str) -> int:
        if not INTEGER.match(raw):
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": raw})
        number = int(Decimal(raw))
        _check_range(number, self.minimum, self.maximum)
        return number

    def format(self, value: Any) -> str:
        return "" if value is None else str(value)


def _check_range(number: Any, minimum: Any, maximum: Any) -> None:
    if minimum is not None and number < minimum:
        raise CellError(_("%(value)s is below the lowest allowed, %(min)s.") % {"value": number, "min": minimum})
    if maximum is not None and number > maximum:
        raise CellError(_("%(value)s is above the highest allowed, %(max)s.") % {"value": number, "max": maximum})


@dataclass(frozen=True)
class Number:
    """A decimal with a point (``12.5``), rounded to the field's decimal places."""

    decimal_places: int
    max_digits: int
    minimum: Decimal | None = None
    kind = gettext_lazy("number")

    def parse(self, raw: str) -> Decimal:
        text = raw.replace(" ", "")
        if not DECIMAL.match(text):
            if re.match(r"^[+-]?\d+,\d+$", text):
                raise CellError(_("“%(value)s”: write decimals with a point (12.5), not a comma.") % {"value": raw})
            raise CellError(_("“%(value)s” is not a number (write decimals with a point: 12.5).") % {"value": raw})
        try:
            number = Decimal(text).quantize(Decimal(1).scaleb(-self.decimal_places), ROUND_HALF_UP)
        except InvalidOperation:
            raise CellError(_("“%(value)s” is too large a number.") % {"value": raw}) from None
        if len(number.as_tuple().digits) > self.max_digits:
            raise CellError(_("“%(value)s” is too large a number for this column.") % {"value": raw})
        _check_range(number, self.minimum, None)
        return number

    def format(self, value: Any) -> str:
        return cell_text(value)


MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
DAY_FIRST = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})$")
MONTH_NAME = re.compile(r"^(\d{1,2})[ ./-]([A-Za-z]{3,9})\.?[ ./-](\d{2}|\d{4})$")
YEAR = re.compile(r"^\d{4}$")
TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
DATE_FORMS = gettext_lazy(
    "YYYY-MM-DD (2024-03-31), or day first: DD/MM/YYYY, DD.MM.YYYY or DD-MM-YYYY (31/03/2024), or 31-Mar-2024"
)


def _split_time(raw: str) -> tuple[str, str]:
    """(date part, time part) of ``2024-03-31T08:00``, ``31/03/2024 8:00``..."""
    match = re.match(r"^(\S+?)(?:[T ]+(\d.*))?$", raw.strip())
    if not match:
        return raw, ""
    return match.group(1), (match.group(2) or "").strip()


def _date_of(text: str) -> datetime.date:
    """The date written as ``text`` (no time), or ``CellError`` saying which forms are read."""
    try:
        if match := ISO_DATE.match(text):
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        if match := DAY_FIRST.match(text):
            day, month, year = int(match[1]), int(match[3]), int(match[4])
            if month > 12 >= day:
                raise CellError(
                    _(
                        "“%(value)s” is not a date: dates are read day first (DD/MM/YYYY), and %(month)s is no "
                        "month. Write it as YYYY-MM-DD, or day first."
                    )
                    % {"value": text, "month": month}
                )
            return datetime.date(year, month, day)
        if (match := MONTH_NAME.match(text)) and match[2].lower() in MONTHS:
            year = int(match[3])
            if len(match[3]) == 2:
                year += 2000 if year < 69 else 1900
            return datetime.date(year, MONTHS[match[2].lower()], int(match[1]))
        if YEAR.match(text):
            return datetime.date(int(text), 1, 1)
    except ValueError:
        raise CellError(_("“%(value)s” is not a day of the calendar.") % {"value": text}) from None
    raise CellError(_("“%(value)s” is not a date; write %(forms)s.") % {"value": text, "forms": DATE_FORMS})


@dataclass(frozen=True)
class Date:
    """A day: ISO, day first, or a year alone (1 January of it). Years outside ``min_year``-``max_year``
    are refused as typing errors, and so are future days where the past is meant (``not_future``)."""

    min_year: int = 1800
    max_year: int = 2200
    not_future: bool = False
    kind = gettext_lazy("date")

    def parse(self, raw: str) -> datetime.date:
        text, time = _split_time(raw)
        if time and not TIME.match(time):
            raise CellError(_("“%(value)s” is not a date; write %(forms)s.") % {"value": raw, "forms": DATE_FORMS})
        day = _date_of(text)
        _check_year(raw, day.year, self.min_year, self.max_year)
        if self.not_future and day > timezone.localdate():
            raise CellError(_("%(value)s is in the future.") % {"value": raw})
        return day

    def format(self, value: Any) -> str:
        return "" if value is None else value.isoformat()


def _check_year(raw: str, year: int, min_year: int, max_year: int) -> None:
    if not min_year <= year <= max_year:
        raise CellError(
            _("“%(value)s”: the year %(year)s is not plausible here (%(min)s to %(max)s); probably a typing error.")
            % {"value": raw, "year": year, "min": min_year, "max": max_year}
        )


@dataclass(frozen=True)
class DateTime:
    """A moment: a date as ``Date`` reads it and a time (``08:00``, ``08:00:30``), optionally with an
    offset (``Z``, ``+03:00``). Without an offset it is the local time of the record's site (the register
    makes it aware)."""

    min_year: int = 1800
    max_year: int = 2200
    kind = gettext_lazy("date and time")

    def parse(self, raw: str) -> datetime.datetime:
        text, time = _split_time(raw)
        day = _date_of(text)
        _check_year(raw, day.year, self.min_year, self.max_year)
        if not time:
            return datetime.datetime.combine(day, datetime.time())
        match = TIME.match(time)
        if not match:
            raise CellError(
                _("“%(value)s”: the time is not HH:MM or HH:MM:SS (24-hour), with an optional offset such as +03:00.")
                % {"value": raw}
            )
        try:
            moment = datetime.datetime.combine(day, datetime.time(int(match[1]), int(match[2]), int(match[3] or 0)))
        except ValueError:
            raise CellError(_("“%(value)s”: that time does not exist.") % {"value": raw}) from None
        if match[4]:
            offset = match[4]
            if offset == "Z":
                return moment.replace(tzinfo=datetime.UTC)
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            delta = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            return moment.replace(tzinfo=datetime.timezone(sign * delta))
        return moment

    def format(self, value: Any) -> str:
        if value is None:
            return ""
        return value.isoformat()


TRUE_WORDS = {"yes", "y", "true", "1", "x", "on"}
FALSE_WORDS = {"no", "n", "false", "0", "off"}


@dataclass(frozen=True)
class Boolean:
    kind = gettext_lazy("yes or no")

    def parse(self, raw: str) -> bool:
        word = raw.casefold()
        if word in TRUE_WORDS or word == _("yes").casefold():
            return True
        if word in FALSE_WORDS or word == _("no").casefold():
            return False
        raise CellError(_("“%(value)s” is not yes or no (yes/no, true/false, 1/0).") % {"value": raw})

    def format(self, value: Any) -> str:
        return "" if value is None else ("yes" if value else "no")


@dataclass(frozen=True)
class Choice:
    """One of ``choices`` (value, label): the value or the label, in any case."""

    choices: Sequence[tuple[Any, Any]]
    kind = gettext_lazy("choice")

    def parse(self, raw: str) -> Any:
        word = raw.casefold()
        for value, label in self.choices:
            if word in (str(value).casefold(), str(label).casefold()):
                return value
        raise CellError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": raw, "choices": ", ".join(f"{value} ({label})" for value, label in self.choices)}
        )

    def format(self, value: Any) -> str:
        return "" if value is None else str(value)


ValueKind = Text | Integer | Number | Date | DateTime | Boolean | Choice
