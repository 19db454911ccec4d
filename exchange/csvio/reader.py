"""Reading a CSV file into a header and rows, as people's files really are: UTF-8 with or without a
byte-order mark, ``;`` or ``,`` between values (seen on the header line), quoted values (with the
delimiter, quotes or line breaks inside), CRLF or LF line ends, blank lines (trailing or not).

Other encodings are refused with the line of the first byte UTF-8 does not allow, rather than read
wrongly; so are files whose quoting is broken (with the line), and headers named twice. Row numbers are
those a spreadsheet shows for the file: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from core.csv_export import FORMULA_STARTS
from exchange.files import FileRefused

DELIMITERS = (";", ",")


@dataclass
class CsvTable:
    """A file's header and its data rows, each as (spreadsheet row number, cells stripped of spaces)."""

    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    delimiter: str = ","


def decode(data: bytes) -> str:
    """The text of a UTF-8 file (a byte-order mark is dropped); ``FileRefused`` naming the line of the
    first byte that is not UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused(
            _("The file is UTF-16 text (“Unicode text” in Excel); save it as “CSV UTF-8” and upload it again.")
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileRefused(
            _(
                "The file is not UTF-8 text: line %(line)s has the byte 0x%(byte)02X, which UTF-8 does not "
                "allow (the file is probably Windows-1252 or Latin-1). Save it as “CSV UTF-8” and upload it again."
            )
            % {"line": line, "byte": data[error.start]}
        ) from None


def _outside_quotes(line: str) -> str:
    """``line`` with its quoted parts removed (a delimiter inside quotes does not count)."""
    kept, quoted = [], False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            kept.append(char)
    return "".join(kept)


def detect_delimiter(text: str) -> str:
    """``;`` or ``,``, whichever the header line uses (``,`` for a one-column file)."""
    header = _outside_quotes(text.split("\n", 1)[0])
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    if not any(counts.values()):
        if "\t" in header:
            raise FileRefused(
                _(
                    "Line 1 (the header) separates its columns with tabs; save the file as CSV with “;” or “,” "
                    "between the values."
                )
            )
        return ","
    return max(DELIMITERS, key=lambda delimiter: counts[delimiter])


def clean_cell(value: str) -> str:
    """A value without surrounding spaces; an apostrophe put before a would-be formula by an export
    (``core.csv_export.neutralise``) is taken off again."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _headers(cells: list[str]) -> list[str]:
    headers = [cell.strip().lstrip("\ufeff").strip() for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise FileRefused(_("Line 1 is empty: the file needs a header row naming its columns."))
    seen: dict[str, int] = {}
    for number, header in enumerate(headers, start=1):
        if not header:
            headers[number - 1] = header = _("Column %(number)s") % {"number": number}
        key = header.casefold()
        if key in seen:
            raise FileRefused(
                _("The header names the column “%(header)s” twice (columns %(first)s and %(second)s).")
                % {"header": header, "first": seen[key], "second": number}
            )
        seen[key] = number
    return headers


def parse_text(text: str, *, max_rows: int | None = None) -> CsvTable:
    """The header and rows of CSV ``text`` (only the first ``max_rows`` data rows if given)."""
    if not text.strip():
        raise FileRefused(_("The file has no text in it."))
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    table: CsvTable | None = None
    try:
        for number, cells in enumerate(reader, start=1):
            if table is None:
                table = CsvTable(headers=_headers(cells), delimiter=delimiter)
                continue
            if max_rows is not None and len(table.rows) >= max_rows:
                break
            values = [clean_cell(cell) for cell in cells]
            if any(values):
                table.rows.append((number, values))
    except csv.Error as error:
        raise FileRefused(
            _("Line %(line)s cannot be read as CSV (%(error)s): a quoted value is probably not closed.")
            % {"line": reader.line_num, "error": error}
        ) from None
    if table is None:
        raise FileRefused(_("The file has no header row."))
    return table


def read_table(path: Path, *, max_rows: int | None = None) -> CsvTable:
    """The header and rows of the CSV file at ``path`` (checked with ``exchange.files.check_text``)."""
    return parse_text(decode(path.read_bytes()), max_rows=max_rows)
