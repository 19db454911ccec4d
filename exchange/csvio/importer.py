"""The CSV importer and exporter of the format registry (format ``"csv"``; the register is the option
``"target"``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.csv_export import csv_lines
from core.errors import ActionForbidden
from core.scoping import visible_site_ids
from exchange.csvio.attributes import AttributeKeeper
from exchange.csvio.binding import bind, header_key, read_rows
from exchange.csvio.columns import ImportContext, Register, Row, register_of, registers
from exchange.csvio.mappings import check_fields, spec_of
from exchange.csvio.reader import DELIMITERS, read_table
from exchange.csvio.values import Text
from exchange.files import check_text
from exchange.models import ColumnMapping
from exchange.registry import ImportJob

EXTENSIONS = ("csv", "txt")


def _json_object(value: Any, what: str) -> Any:
    """Options from a command or a form may carry a mapping as JSON text."""
    if isinstance(value, str) and value.strip():
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(
                _('The option %(option)s is not JSON: give an object such as {"tag": "Asset ID"}.') % {"option": what}
            ) from None
    return value


def _register_for(options: dict[str, Any]) -> Register:
    target = str(options.get("target") or "").strip()
    if not target:
        raise ValueError(
            _("Say which register the file holds (option target: %(known)s).")
            % {"known": ", ".join(sorted(registers()))}
        )
    return register_of(target)


class CsvImporter:
    format = "csv"
    label = cast(str, gettext_lazy("CSV register"))  # lazy: translated where it is shown
    extensions: tuple[str, ...] = EXTENSIONS
    options: tuple[str, ...] = ("target", "mapping")
    permission = ""  # each register asks for its own (``Register.import_permissions``)

    def target_choices(self) -> list[tuple[str, str]]:
        """The registers, for the import form's "Register" choice."""
        return [(target, str(register.label)) for target, register in registers().items()]

    def check_file(self, path: Path, original_name: str) -> str:
        return check_text(path, self.extensions, original_name)

    def clean_options(self, options: dict[str, Any], user: Any) -> dict[str, Any]:
        """Accepted options:

        - ``target`` (required): the register, one of ``exchange.csvio.registers()`` (resources, areas,
          parts, stock, counters, readings, employees, plans, work_orders);
        - ``mapping``: the id of a saved ``ColumnMapping`` of that register: only its columns are read;
        - ``columns``: field -> header of the file (a dict, or JSON text), read instead of (or over) the
          mapping's; without a mapping or columns, columns are matched to fields by their headers;
        - ``defaults``: field -> fixed value or pattern (``TL-{row}``, ``{Material} main``) for fields the
          file lacks or leaves empty.

        ``ValueError`` with a message for the user when one is not valid; ``ActionForbidden`` when the
        user may not import that register."""
        register = _register_for(options)
        if not register.may_import(user):
            raise ActionForbidden(_("Your role may not import %(register)s.") % {"register": register.label})
        try:
            columns = check_fields(register, _json_object(options.get("columns"), "columns"), "columns")
            defaults = check_fields(register, _json_object(options.get("defaults"), "defaults"), "defaults")
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None
        mapping_id = options.get("mapping")
        mapping = None
        if mapping_id not in (None, ""):
            try:
                mapping = ColumnMapping.objects.filter(pk=int(str(mapping_id)), target=register.target).first()
            except (TypeError, ValueError):
                mapping = None
            if mapping is None:
                raise ValueError(
                    _("There is no saved column mapping %(id)s for %(register)s.")
                    % {"id": mapping_id, "register": register.label}
                )
        return {
            "target": register.target,
            "mapping": mapping.pk if mapping else None,
            "columns": columns,
            "defaults": defaults,
        }

    def run(self, job: ImportJob) -> None:
        register = register_of(job.options["target"])
        report, sheet = job.report, register.target
        table = read_table(job.path)
        mapping = (
            ColumnMapping.objects.filter(pk=job.options["mapping"]).first() if job.options.get("mapping") else None
        )
        spec = spec_of(mapping, job.options.get("columns") or {}, job.options.get("defaults") or {})
        binding = bind(register, table.headers, spec)
        report.read(sheet, len(table.rows))
        for column, message in binding.problems:
            report.problem(sheet, None, column, message)
        if binding.problems:
            return
        if not table.rows:
            report.notes.append(_("The file has a header but no rows: nothing to import."))
        if mapping is not None:
            report.notes.append(_("Columns mapped with “%(name)s”.") % {"name": mapping.name})
        if binding.extras and register.attribute_model is None:
            report.notes.append(
                _("These columns feed no field of %(register)s and were not read: %(columns)s.")
                % {"register": register.label, "columns": ", ".join(binding.headers[i] for i in binding.extras)}
            )
        rows, rejected = read_rows(register, binding, table, report, sheet)
        rows = _without_duplicates(register, rows, rejected, report, sheet)
        ctx = ImportContext(
            report=report,
            sheet=sheet,
            user=job.user,
            site_ids=job.site_ids,
            file_name=job.original_name,
            headers=binding.labels(register),
            register=register,
            rejected=rejected,
        )
        if register.attribute_model is not None:
            ctx.attributes = AttributeKeeper(register.attribute_model, user=job.user, reason=ctx.reason)
        register.import_rows(ctx, rows)
        if ctx.attributes is not None:
            ctx.attributes.flush()


def _key_of(register: Register, row: Row) -> tuple[Any, ...]:
    return tuple(
        value.casefold() if isinstance(value, str) else value for value in (row.get(name) for name in register.key)
    )


def _without_duplicates(register: Register, rows: list[Row], rejected: list[Row], report: Any, sheet: str) -> list[Row]:
    """One record per key. Rows that repeat a record with the same values (a register drawn from a file
    of events, such as the assets of a work-order history) are that record once: only the extra columns
    they all agree on are kept as its attributes. A row giving a record already given with other
    values is a mistake: it is reported, the first row is kept."""
    groups: dict[tuple[Any, ...], list[Row]] = {}
    kept = []
    key_headers = ", ".join(str(column.header) for name in register.key if (column := register.column(name)))
    for row in rows:
        key = _key_of(register, row)
        if any(part in (None, "") for part in key):
            kept.append(row)  # the register reports what is missing
            continue
        group = groups.setdefault(key, [])
        if group and row.values != group[0].values:
            differing = [
                str(column.header)
                for column in register.columns
                if row.values.get(column.field) != group[0].values.get(column.field)
            ]
            report.problem(
                sheet,
                row.number,
                key_headers,
                _(
                    "Row %(first)s already gives this %(key)s, with other values (%(columns)s); each record once per file."
                )
                % {"first": group[0].number, "key": key_headers, "columns": ", ".join(differing)},
            )
            rejected.append(row)
            continue
        if not group:
            kept.append(row)
        group.append(row)
    merged, dropped = 0, set()
    for group in groups.values():
        if len(group) > 1:
            first = group[0]
            agreed = set(first.extras).intersection(*(set(row.extras) for row in group[1:]))
            dropped |= {header for row in group for header, value in row.extras if (header, value) not in agreed}
            first.extras = [extra for extra in first.extras if extra in agreed]
            merged += len(group) - 1
    if merged:
        note = _("%(count)s rows repeat a record of an earlier row with the same values: each record is written once.")
        report.notes.append(note % {"count": merged})
    if dropped:
        report.notes.append(
            _("Those rows differ in %(columns)s, which are therefore not kept as attributes.")
            % {"columns": ", ".join(sorted(dropped))}
        )
    return kept


class CsvExporter:
    format = "csv"
    label = cast(str, gettext_lazy("CSV register"))
    extension = "csv"
    content_type = "text/csv; charset=utf-8"
    permission = ""  # each register asks for its own (``Register.export_permission``)
    options: tuple[str, ...] = ("site", "target")

    def target_choices(self) -> list[tuple[str, str]]:
        return [(target, str(register.label)) for target, register in registers().items()]

    def export(self, *, user: Any, options: dict[str, Any]) -> bytes:
        """The register ``target`` as CSV (UTF-8 with BOM, ``,`` or ``delimiter=";"``): the records of the
        site ``site`` (an id) or of every site the user sees, in the register's columns and headers
        (then one column per CSV attribute), so the file imports again unchanged."""
        register = _register_for(options)
        if not register.may_export(user):
            raise ActionForbidden(_("Your role may not export %(register)s.") % {"register": register.label})
        delimiter = str(options.get("delimiter") or ",")
        if delimiter not in DELIMITERS:
            raise ValueError(_("The delimiter is “;” or “,”."))
        site_ids = visible_site_ids(user)
        site = options.get("site")
        if site not in (None, ""):
            try:
                site_id = int(str(site))
            except (TypeError, ValueError):
                raise ValueError(_("The site is given by its id.")) from None
            if site_ids is not None and site_id not in site_ids:
                raise ValueError(_("You do not have access to that site."))
            site_ids = [site_id]
        records = list(register.export_rows(user, site_ids))
        attribute_names = sorted({name for record in records for name in record.get("_attributes", {})})
        taken = {header_key(str(column.header)) for column in register.columns}
        attribute_names = [name for name in attribute_names if header_key(name) not in taken]
        header = [str(column.header) for column in register.columns] + attribute_names
        return "".join(
            csv_lines(header, _export_cells(register, records, attribute_names), delimiter=delimiter)
        ).encode("utf-8")


def _export_cells(register: Register, records: list[dict[str, Any]], attribute_names: list[str]) -> Iterable[list[str]]:
    for record in records:
        attributes = record.get("_attributes", {})
        cells = []
        for column in register.columns:
            value = record.get(column.field)
            cells.append(
                value if isinstance(column.value, Text) and isinstance(value, str) else column.value.format(value)
            )
        cells.extend(attributes.get(name, "") for name in attribute_names)
        yield cells
