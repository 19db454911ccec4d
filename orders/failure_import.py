"""Importing failure code lists from a workbook (``manage.py import_failure_codes``).

One sheet per list (a domain), a code column and a description column, with or without a header row
(``Code``/``Value``, ``Description``/``Name``, ``Parent``/``Problem``/``Cause``, ``Resource type``).
Which sheet holds which kind is given, or told from the sheet's name (``Problems``, ``Failure modes``,
``Causes``, ``Mechanisms``, ``Remedies``, ``Activities``...). Every problem names its sheet, row and
column; with any problem nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from assets.models import ResourceType
from orders.models import PARENT_KIND, FailureCode, FailureKind

# --- Importing a workbook ----------------------------------------------------------------------
# Cells that stand for "no value" in exported code lists (e.g. "#NULL#" / "No Data" in a GIS domain).
NULL_MARKERS = frozenset({"#null#", "<null>", "null", "#n/a", "n/a", "none", ""})
CODE_HEADERS = ("code", "value", "id", "key", "failure code")
NAME_HEADERS = ("description", "name", "meaning", "label", "title", "text")
LONG_HEADERS = ("long description", "details", "notes", "comment", "comments", "remarks")
PARENT_HEADERS = ("parent", "parents", "under", "parent code")
TYPE_HEADERS = ("resource type", "resource types", "equipment type", "equipment class", "type", "class")
KIND_WORDS: dict[str, tuple[str, ...]] = {
    FailureKind.PROBLEM: ("problem", "failure mode", "mode", "symptom", "damage"),
    FailureKind.CAUSE: ("cause", "mechanism", "reason"),
    FailureKind.REMEDY: ("remedy", "remedies", "activity", "activities", "action", "repair"),
}
MAX_CODE = FailureCode._meta.get_field("code").max_length or 40
MAX_NAME = FailureCode._meta.get_field("name").max_length or 200


@dataclass(frozen=True)
class SheetMapping:
    """Which sheet holds which kind, and (optional) its columns by header text or letter (``"A"``)."""

    sheet: str
    kind: str
    code: str | None = None
    name: str | None = None
    description: str | None = None
    parent: str | None = None
    resource_type: str | None = None


@dataclass
class ImportReport:
    """What an import found and did: counts per kind, and every problem with its sheet, row and column."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    sheets: dict[str, str] = field(default_factory=dict)  # sheet -> kind
    problems: list[str] = field(default_factory=list)

    def problem(self, sheet: str, row: int | None, column: int | None, message: str) -> None:
        where = sheet
        if row is not None:
            where += f"!{column_letter(column) if column is not None else ''}{row}"
        self.problems.append(f"{where}: {message}")


class ImportFailed(Exception):
    """The workbook has problems; nothing was written (``report.problems`` says what and where)."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("; ".join(report.problems[:5]))
        self.report = report


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _letter_index(text: str) -> int | None:
    if not re.fullmatch(r"[A-Za-z]{1,3}", text):
        return None
    index = 0
    for char in text.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a numeric code read as 101.0
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    return str(value).strip()


def _normal(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text).strip().lower()


def kind_of_sheet(name: str) -> str | None:
    """The kind a sheet's name says it holds ("Failure modes" -> problem), or None."""
    words = _normal(name)
    found = [kind for kind, names in KIND_WORDS.items() if any(re.search(rf"\b{n}", words) for n in names)]
    return found[0] if len(found) == 1 else None


@dataclass
class _Entry:
    kind: str
    code: str
    name: str
    description: str
    parents: list[str]
    types: list[str]
    sheet: str
    row: int
    columns: dict[str, int | None]  # where the code, the parents and the types were read


def failure_codes_import(
    path: Path, mappings: Iterable[SheetMapping] | None = None, *, dry_run: bool = False
) -> ImportReport:
    """Import the code lists of the workbook at ``path``; raise ``ImportFailed`` (nothing written) when
    any row has a problem. Without ``mappings`` every sheet whose name tells its kind is read."""
    report = ImportReport()
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine has its own error types for damaged or unknown files
        report.problem(path.name, None, None, _("the workbook cannot be read (%(error)s)") % {"error": error})
        raise ImportFailed(report) from error
    try:
        plan = _plan(book.sheet_names, mappings, report)
        entries: list[_Entry] = []
        for mapping in plan:
            rows = book.get_sheet_by_name(mapping.sheet).to_python(skip_empty_area=False)
            entries += _read_sheet(mapping, rows, report)
    finally:
        book.close()
    if not report.problems:
        # All or nothing: a problem found while writing (an unknown parent) undoes the rows before it.
        with transaction.atomic():
            _write(entries, report)
            if report.problems or dry_run:
                transaction.set_rollback(True)
    if report.problems:
        raise ImportFailed(report)
    return report


def _plan(sheet_names: list[str], mappings: Iterable[SheetMapping] | None, report: ImportReport) -> list[SheetMapping]:
    if mappings is not None:
        plan = []
        by_normal = {_normal(name): name for name in sheet_names}
        for mapping in mappings:
            title = mapping.sheet if mapping.sheet in sheet_names else by_normal.get(_normal(mapping.sheet))
            if title is None:
                report.problem(
                    mapping.sheet,
                    None,
                    None,
                    _("no such sheet (the workbook has %(names)s)") % {"names": ", ".join(sheet_names)},
                )
            elif mapping.kind not in FailureKind.values:
                report.problem(title, None, None, _("unknown kind %(kind)r") % {"kind": mapping.kind})
            else:
                plan.append(replace(mapping, sheet=title))
    else:
        plan = [SheetMapping(sheet=name, kind=kind) for name in sheet_names if (kind := kind_of_sheet(name))]
        if not plan:
            report.problem(
                ", ".join(sheet_names),
                None,
                None,
                _("no sheet name says which kind of code it holds: say which sheet is problems, causes or remedies"),
            )
    for mapping in plan:
        report.sheets[mapping.sheet] = mapping.kind
    # Parents come first: a cause's problems must be known when its row is written.
    order = [FailureKind.PROBLEM, FailureKind.CAUSE, FailureKind.REMEDY]
    return sorted(plan, key=lambda m: order.index(FailureKind(m.kind)))


def _find_column(header: list[str], given: str | None, names: tuple[str, ...]) -> int | None:
    normal = [_normal(cell) for cell in header]
    if given:
        if _normal(given) in normal:
            return normal.index(_normal(given))
        return _letter_index(given)
    for name in names:
        if name in normal:
            return normal.index(name)
    return None


def _read_sheet(mapping: SheetMapping, rows: list[list[Any]], report: ImportReport) -> list[_Entry]:
    sheet, kind = mapping.sheet, mapping.kind
    start = next((i for i, row in enumerate(rows) if any(_cell_text(c) for c in row)), None)
    if start is None:
        report.problem(sheet, None, None, _("the sheet is empty"))
        return []
    first = [_cell_text(c) for c in rows[start]]
    kind_words = KIND_WORDS[kind]
    parent_words = KIND_WORDS[PARENT_KIND[FailureKind(kind)]] if kind in PARENT_KIND else ()
    code_names = CODE_HEADERS + tuple(f"{w} code" for w in kind_words) + kind_words
    name_names = NAME_HEADERS + tuple(f"{w} description" for w in kind_words)
    parent_names = PARENT_HEADERS + tuple(f"{w} code" for w in parent_words) + parent_words
    known = {_normal(n) for n in (*code_names, *name_names, *LONG_HEADERS, *parent_names, *TYPE_HEADERS)}
    given = [g for g in (mapping.code, mapping.name, mapping.description, mapping.parent, mapping.resource_type) if g]
    has_header = any(_normal(cell) in known for cell in first) or any(
        _normal(g) in {_normal(c) for c in first} for g in given
    )
    header = first if has_header else []
    code_col = _find_column(header, mapping.code, code_names)
    name_col = _find_column(header, mapping.name, name_names)
    if not has_header:  # a bare list: code, then description, from its first filled column
        first_col = next(i for i, cell in enumerate(first) if cell)
        code_col = first_col if code_col is None else code_col
        name_col = code_col + 1 if name_col is None else name_col
    long_col = _find_column(header, mapping.description, LONG_HEADERS)
    parent_col = _find_column(header, mapping.parent, parent_names) if (has_header or mapping.parent) else None
    type_col = (
        _find_column(header, mapping.resource_type, TYPE_HEADERS) if (has_header or mapping.resource_type) else None
    )
    header_row = start + 1
    if code_col is None:
        report.problem(sheet, header_row, None, _("no code column (a header Code or Value, or say which column)"))
        return []
    if name_col is None:
        report.problem(sheet, header_row, None, _("no description column (a header Description or Name)"))
        return []
    if parent_col is not None and kind not in PARENT_KIND:
        report.problem(sheet, header_row, parent_col, _("problems have no parent codes"))
        return []
    entries = []
    for index in range(start + (1 if has_header else 0), len(rows)):
        row = rows[index]

        def cell(col: int | None, row: list[Any] = row) -> str:
            return _cell_text(row[col]) if col is not None and col < len(row) else ""

        number = index + 1
        code, name = cell(code_col), cell(name_col)
        if not any(_cell_text(c) for c in row) or code.lower() in NULL_MARKERS:
            report.skipped += 1
            continue
        if len(code) > MAX_CODE:
            report.problem(sheet, number, code_col, _("the code is longer than %(max)s characters") % {"max": MAX_CODE})
            continue
        if not name:
            report.problem(sheet, number, name_col, _("code %(code)s has no description") % {"code": code})
            continue
        if len(name) > MAX_NAME:
            report.problem(
                sheet, number, name_col, _("the description is longer than %(max)s characters") % {"max": MAX_NAME}
            )
            continue
        split = [p.strip() for p in re.split(r"[,;]", cell(parent_col)) if p.strip()]
        types = [t.strip() for t in re.split(r"[;\n]", cell(type_col)) if t.strip()]
        columns = {"code": code_col, "parent": parent_col, "type": type_col}
        entries.append(_Entry(kind, code, name, cell(long_col), split, types, sheet, number, columns))
    return entries


def _write(entries: list[_Entry], report: ImportReport) -> None:
    seen: dict[tuple[str, str], _Entry] = {}
    for entry in entries:
        key = (entry.kind, entry.code)
        earlier = seen.get(key)
        if earlier is not None and earlier.name != entry.name:
            report.problem(
                entry.sheet,
                entry.row,
                entry.columns["code"],
                _("code %(code)s is listed twice (also %(sheet)s row %(row)s) with another description")
                % {"code": entry.code, "sheet": earlier.sheet, "row": earlier.row},
            )
        seen.setdefault(key, entry)
    type_names = {name for entry in entries for name in entry.types}
    types = {t.name.lower(): t for t in ResourceType.objects.filter(name__in=type_names)}
    # The same name in another case: compare case-insensitively (one more query only when needed).
    if len(types) < len(type_names):
        for resource_type in ResourceType.objects.all().only("pk", "name"):
            types.setdefault(resource_type.name.lower(), resource_type)
    codes = {(c.kind, c.code): c for c in FailureCode.objects.filter(code__in={e.code for e in entries})}
    for entry in seen.values():
        code = codes.get((entry.kind, entry.code))
        if code is None:
            code = FailureCode(kind=entry.kind, code=entry.code, name=entry.name, description=entry.description)
            code._change_reason = "imported"  # type: ignore[attr-defined]
            code.save()
            codes[(entry.kind, entry.code)] = code
            report.created[entry.kind] = report.created.get(entry.kind, 0) + 1
        elif code.name != entry.name or (entry.description and code.description != entry.description):
            code.name = entry.name
            code.description = entry.description or code.description
            code._change_reason = "imported"  # type: ignore[attr-defined]
            code.save()
            report.updated[entry.kind] = report.updated.get(entry.kind, 0) + 1
        else:
            report.unchanged[entry.kind] = report.unchanged.get(entry.kind, 0) + 1
    for entry in entries:
        code = codes[(entry.kind, entry.code)]
        parents = []
        for parent_code in entry.parents:
            parent_kind = PARENT_KIND[FailureKind(entry.kind)]
            parent = (
                codes.get((parent_kind, parent_code))
                or FailureCode.objects.filter(kind=parent_kind, code=parent_code).first()
            )
            if parent is None:
                report.problem(
                    entry.sheet,
                    entry.row,
                    entry.columns["parent"],
                    _("%(kind)s %(code)s is not in the workbook or the codes")
                    % {"kind": FailureKind(parent_kind).label, "code": parent_code},
                )
            else:
                parents.append(parent)
        if parents:
            code.parents.add(*parents)
        unknown = [name for name in entry.types if name.lower() not in types]
        if unknown:
            report.problem(
                entry.sheet,
                entry.row,
                entry.columns["type"],
                _("no resource type named %(names)s") % {"names": ", ".join(unknown)},
            )
        elif entry.types:
            code.resource_types.add(*[types[name.lower()] for name in entry.types])
