"""Document, Attribute and the sheets MMS has no register for.

- Document -> a document reference on the record its SheetName/RowName names.
- Attribute -> an attribute of that record (its property set as the group, when the row says one).
- Assembly, Connection, Impact, Coordinate, Issue -> each row kept whole (as JSON) in one attribute of
  the record it names, or of the facility: nothing of the workbook is lost, and an export writes the
  rows back.
"""

from __future__ import annotations

import re

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from exchange.cobie import schema
from exchange.cobie.context import GROUP, Batch, Context, Wanted, validation_text
from exchange.cobie.reader import Row
from exchange.models import DocumentReference
from inventory.models import Vendor
from people.models import Certification

GUID = re.compile(r"^[0-9A-Za-z_$]{22}$")
# Rows of these sheets are kept on a record instead of becoming one (see ``equipment`` and ``maintenance``).
KEPT_WHEN_NOT = {"Contact": Vendor, "Resource": Certification}


def property_set(row: Row) -> str:
    """The property set an Attribute row belongs to: writers put it in ExtIdentifier (with an IFC
    entity in ExtObject) or in ExtObject (with a GUID in ExtIdentifier)."""
    identifier, entity = row.text("ExtIdentifier"), row.text("ExtObject")
    if identifier and not GUID.match(identifier):
        return identifier
    if entity and not entity.lower().startswith("ifc"):
        return entity
    return ""


def target(ctx: Context, row: Row, sheet_column: str, name_column: str) -> tuple[models.Model | None, bool]:
    """The record a row names by sheet and row name, and whether that record's row was kept whole
    (then this row is kept whole too, on the facility). A problem is reported when it cannot be found."""
    sheet = schema.canonical_sheet(row.text(sheet_column))
    name = row.text(name_column)
    if sheet is None:
        ctx.problem(row, sheet_column, _("“%(sheet)s” is not a COBie sheet.") % {"sheet": row.text(sheet_column)})
        return None, False
    if sheet in KEPT_WHEN_NOT:
        found = ctx.find(sheet, name)
        if found is not None and not isinstance(found, KEPT_WHEN_NOT[sheet]):
            return ctx.building, True
        if found is None and name.casefold() in ctx.state.get("tools", set()):
            return ctx.building, True
    if sheet in schema.KEPT_SHEETS:
        return ctx.building, True
    if ctx.find(sheet, name) is None and (sheet, name.casefold()) not in ctx.skipped:
        elsewhere = [
            (other, found)
            for other in ("Facility", "Floor", "Space", "Zone", "Type", "Component", "System", "Spare", "Job")
            if other != sheet and (found := ctx.find(other, name)) is not None
        ]
        if len(elsewhere) == 1:
            other, found = elsewhere[0]
            ctx.note(
                _(
                    "%(sheet)s row %(row)s names %(named)s “%(name)s”, which is a %(other)s of the workbook: it is read as the %(other)s's."
                )
                % {"sheet": row.sheet, "row": row.number, "named": sheet, "name": name, "other": other}
            )
            return found, False
    record = ctx.depend(row, name_column, sheet, name)
    return record, False


def import_documents(ctx: Context) -> None:
    rows = ctx.workbook.rows("Document")
    ctx.report.read("Document", len(rows))
    assert ctx.refs is not None
    bound = ctx.refs.keys_of("Document")
    existing = DocumentReference.objects.in_bulk(list(bound.values()))
    batch = Batch(DocumentReference, ctx.user)
    made: list[tuple[Row, DocumentReference, str]] = []
    seen: dict[tuple[int, int, str], int] = {}
    for row in rows:
        if ctx.missing(row, ("Name", "SheetName", "RowName")):
            continue
        record, kept = target(ctx, row, "SheetName", "RowName")
        if record is None:
            continue
        if kept:
            ctx.keep_row(record, row, row.name)
            continue
        content_type = ContentType.objects.get_for_model(record)
        where = (content_type.pk, int(record.pk), row.name[:255].casefold())
        if where in seen:
            ctx.problem(
                row,
                "Name",
                _("Row %(row)s already gives a document “%(name)s” for the same record; COBie names must be unique.")
                % {"row": seen[where], "name": row.name},
            )
            continue
        seen[where] = row.number
        key = "␟".join((row.text("SheetName"), row.text("RowName"), row.name))
        document = existing.get(bound.get(key[:255], 0)) or DocumentReference()
        values = {
            "content_type": content_type,
            "object_id": record.pk,
            "name": row.name[:255],
            "category": row.text("Category")[:200],
            "stage": row.text("Stage")[:100],
            "approved_by": row.text("ApprovalBy")[:200],
            "directory": row.text("Directory")[:500],
            "file_name": row.text("File")[:255],
            "reference": row.text("Reference")[:500],
            "description": row.text("Description"),
        }
        try:
            action = batch.save(document, values)
        except ValidationError as error:
            ctx.problem(row, "Name", validation_text(error))
            continue
        ctx.report.tally("Document", "document reference", action)
        made.append((row, document, key))
    batch.flush()
    mapped = {
        "Name",
        "SheetName",
        "RowName",
        "Category",
        "Stage",
        "ApprovalBy",
        "Directory",
        "File",
        "Reference",
        "Description",
    }
    for row, document, key in made:
        ctx.refs.bind_later("Document", key, document)
        ctx.remember("Document", row.name, document, row)
        ctx.keep_columns(document, row, mapped)


def import_attributes(ctx: Context) -> None:
    rows = ctx.workbook.rows("Attribute")
    ctx.report.read("Attribute", len(rows))
    first_row: dict[tuple[int, str, str], Row] = {}
    for row in rows:
        if ctx.missing(row, ("Name", "SheetName", "RowName")):
            record = ctx.find(schema.canonical_sheet(row.text("SheetName")) or "", row.text("RowName"))
            if record is not None and row.name:
                ctx.attributes.protect(record, property_set(row), row.name)
            continue
        record, kept = target(ctx, row, "SheetName", "RowName")
        if record is None:
            continue
        if kept:
            ctx.keep_row(record, row, row.name)
            continue
        group = property_set(row)
        if group == GROUP or group.startswith(GROUP + " "):
            group = f"{group} (Attribute)"  # the groups of COBie's own columns are MMS's
        where = (id(record), group[:200], row.name[:200])
        wanted = Wanted(
            group=group[:200],
            name=row.name[:200],
            value=row.text("Value"),
            unit=row.text("Unit")[:50],
            description=row.text("Description"),
            sheet="Attribute",
        )
        earlier = first_row.get(where)
        if earlier is not None:
            same = (earlier.text("Value"), earlier.text("Unit"), earlier.text("Description")) == (
                wanted.value,
                wanted.unit,
                wanted.description,
            )
            ctx.note(
                (
                    _(
                        "Attribute row %(row)s repeats row %(first)s (%(name)s of %(sheet)s %(record)s); it is read once."
                    )
                    if same
                    else _(
                        "Attribute row %(row)s gives %(name)s of %(sheet)s %(record)s again, as “%(value)s”; row "
                        "%(first)s said “%(old)s”. The later value is kept."
                    )
                )
                % {
                    "row": row.number,
                    "first": earlier.number,
                    "name": row.name,
                    "sheet": row.text("SheetName"),
                    "record": row.text("RowName"),
                    "value": wanted.value,
                    "old": earlier.text("Value"),
                }
            )
            if same:
                continue
        first_row.setdefault(where, row)
        ctx.attributes.add(record, wanted)


def import_kept_sheets(ctx: Context) -> None:
    """Rows of the sheets MMS has no register for, each kept whole on the record it names."""
    assert ctx.building is not None
    for sheet in schema.KEPT_SHEETS:
        rows = ctx.workbook.rows(sheet)
        ctx.report.read(sheet, len(rows))
        for row in rows:
            if ctx.missing(row, ("Name",)):
                continue
            host: models.Model | None = ctx.building
            sheet_column = "SheetName1" if sheet == "Issue" else "SheetName"
            name_column = {"Issue": "RowName1", "Connection": "RowName1", "Assembly": "ParentName"}.get(
                sheet, "RowName"
            )
            if row.text(sheet_column) and row.text(name_column):
                found = ctx.find(schema.canonical_sheet(row.text(sheet_column)) or "", row.text(name_column))
                host = found if found is not None else ctx.building
            assert host is not None
            ctx.keep_row(host, row, row.name)


def kept_record_of(attr_group: str) -> str | None:
    """The sheet whose rows an attribute group keeps whole (``"COBie Coordinate"`` -> ``Coordinate``)."""
    prefix = GROUP + " "
    if attr_group.startswith(prefix) and attr_group[len(prefix) :] in schema.COLUMNS:
        return attr_group[len(prefix) :]
    return None
