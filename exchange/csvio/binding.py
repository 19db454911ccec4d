"""Which column of a file feeds which field of a register, and the rows read through that binding.

Without a mapping, a column feeds the field whose header or name it carries (case, spaces, ``_`` and
``-`` aside: ``Part number``, ``part_number`` and ``PARTNUMBER`` are one). With a mapping (a saved
``ColumnMapping`` or inline ``columns``) only its columns are read, exactly as it names them. A fixed value
(``defaults``) gives a field the file lacks, or fills its empty cells; it may be a pattern naming other
columns in braces and ``{row}``, the row number: ``TL-{row}``, ``{PIPE_MATER} main``. The file's other
columns are extras: attributes of the record where the register keeps them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from exchange.csvio.columns import Register, Row
from exchange.csvio.reader import CsvTable
from exchange.csvio.values import CellError, Text
from exchange.report import ImportReport

PATTERN = re.compile(r"\{([^{}]+)\}")
ROW_PLACEHOLDER = "row"


def header_key(text: str) -> str:
    """A header as matching sees it: ``Part number`` = ``part_number`` = ``PARTNUMBER``."""
    return re.sub(r"[\s_\-.]+", "", str(text)).casefold()


@dataclass(frozen=True)
class MappingSpec:
    """A mapping as given: field -> header, field -> fixed value; ``explicit``: only these columns."""

    columns: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    explicit: bool = False


@dataclass
class Binding:
    headers: list[str]
    sources: dict[str, int]  # field -> index of its column
    fixed: dict[str, str]  # field -> fixed value or pattern
    extras: list[int]  # indexes of columns that feed no field
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message) of the whole file

    def labels(self, register: Register) -> dict[str, str]:
        """Field -> what a problem names as its column: the file's header, or "<header> (fixed value)"."""
        labels = {name: self.headers[index] for name, index in self.sources.items()}
        for name in self.fixed:
            if name not in labels:
                column = register.column(name)
                header = str(column.header) if column else name
                labels[name] = _("%(header)s (fixed value)") % {"header": header}
        return labels


def pattern_names(value: str) -> list[str]:
    return [name.strip() for name in PATTERN.findall(value)]


def bind(register: Register, headers: list[str], spec: MappingSpec) -> Binding:
    """Bind the file's ``headers`` to ``register``'s fields through ``spec``; what cannot be bound is
    in ``problems`` (a missing required column, a mapped column the file lacks...)."""
    by_key = {header_key(header): index for index, header in enumerate(headers)}
    sources: dict[str, int] = {}
    problems: list[tuple[str, str]] = []
    for name, header in spec.columns.items():
        if not header:
            continue
        index = by_key.get(header_key(header))
        if index is None:
            problems.append(
                (
                    header,
                    _("The mapping reads this column for “%(field)s”, but the file has no such column.")
                    % {"field": _field_label(register, name)},
                )
            )
        else:
            sources[name] = index
    if not spec.explicit:
        for column in register.columns:
            if column.field in sources or column.field in spec.defaults:
                continue
            for candidate in (column.header, column.field):
                index = by_key.get(header_key(str(candidate)))
                if index is not None and index not in sources.values():
                    sources[column.field] = index
                    break
    fixed = {name: value for name, value in spec.defaults.items() if value not in (None, "")}
    for name, value in fixed.items():
        for placeholder in pattern_names(value):
            if placeholder != ROW_PLACEHOLDER and header_key(placeholder) not in by_key:
                problems.append(
                    (
                        _field_label(register, name),
                        _("The fixed value “%(value)s” names the column “%(column)s”, which the file does not have.")
                        % {"value": value, "column": placeholder},
                    )
                )
    for column in register.columns:
        if column.required and column.field not in sources and column.field not in fixed:
            problems.append(
                (
                    str(column.header),
                    _("The file has no column “%(header)s” (required): add it, or map a column or a fixed value to it.")
                    % {"header": column.header},
                )
            )
    used = set(sources.values())
    extras = [index for index in range(len(headers)) if index not in used]
    return Binding(headers=headers, sources=sources, fixed=fixed, extras=extras, problems=problems)


def _field_label(register: Register, name: str) -> str:
    column = register.column(name)
    return str(column.header) if column else name


def _expand(value: str, cells: list[str], by_key: dict[str, int], number: int) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name == ROW_PLACEHOLDER:
            return str(number)
        index = by_key[header_key(name)]
        return cells[index] if index < len(cells) else ""

    return PATTERN.sub(replace, value).strip()


def read_rows(
    register: Register, binding: Binding, table: CsvTable, report: ImportReport, sheet: str
) -> tuple[list[Row], list[Row]]:
    """The file's data rows read through ``binding``, each cell checked as its column's kind of value:
    (rows to import, rejected rows). A rejected row has its problems reported (row and column); its
    ``values`` are the raw texts, so rows that depend on it (a child of a rejected area, an activity of a
    rejected plan) can be skipped with it."""
    labels = binding.labels(register)
    by_key = {header_key(header): index for index, header in enumerate(binding.headers)}
    width = len(binding.headers)
    fields = [column for column in register.columns if column.field in binding.sources or column.field in binding.fixed]
    rows: list[Row] = []
    rejected: list[Row] = []
    for number, cells in table.rows:
        raw_values: dict[str, Any] = {}
        for column in fields:
            index = binding.sources.get(column.field)
            raw = cells[index] if index is not None and index < len(cells) else ""
            if not raw and column.field in binding.fixed:
                raw = _expand(binding.fixed[column.field], cells, by_key, number)
            raw_values[column.field] = raw
        if len(cells) > width and any(cells[width:]):
            report.problem(
                sheet,
                number,
                "",
                _(
                    "The row has %(count)s values but the header names %(width)s columns: a value probably holds "
                    "the delimiter without quotes around it."
                )
                % {"count": len(cells), "width": width},
            )
            rejected.append(Row(number=number, values=raw_values))
            continue
        values: dict[str, Any] = {}
        for column in fields:
            raw = raw_values[column.field]
            if not raw:
                if column.required:
                    report.problem(sheet, number, labels[column.field], _("A value is needed here."))
                values[column.field] = "" if isinstance(column.value, Text) else None
                continue
            try:
                values[column.field] = column.value.parse(raw)
            except CellError as error:
                report.problem(sheet, number, labels[column.field], error.message)
        if report.is_skipped(sheet, number):
            rejected.append(Row(number=number, values=raw_values))
            continue
        extras = [
            (binding.headers[index], cells[index]) for index in binding.extras if index < len(cells) and cells[index]
        ]
        rows.append(Row(number=number, values=values, extras=extras))
    return rows, rejected
