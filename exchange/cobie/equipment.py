"""Contact, Type, Component and System -> vendors, resource types, resources and systems.

A contact that a Type names as manufacturer or warranty guarantor, or a Spare as supplier, becomes a
vendor; the other contacts (designers, the people who wrote the workbook) are kept whole on the
facility. Components are written in bulk: a 10,000-component workbook costs a few hundred queries.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from assets.models import Area, Resource, ResourceType
from exchange.cobie.context import Batch, Context, Unique, slug, validation_text
from exchange.cobie.reader import Row, as_date, as_names, as_number, is_placeholder
from exchange.models import System
from exchange.report import CREATED, UNCHANGED
from inventory.models import Vendor

TAG_LENGTH = 50
UNITS_IN_MONTHS = {"year": 12, "month": 1}
UNITS_IN_DAYS = {"week": 7, "day": 1}
UNIT_WORDS = {
    "year": ("year", "years", "yr", "yrs", "y", "annual", "annually", "yearly"),
    "month": ("month", "months", "mo", "mon", "monthly"),
    "week": ("week", "weeks", "wk", "wks", "weekly"),
    "day": ("day", "days", "d", "daily"),
}


def unit_of(text: str) -> str | None:
    word = text.strip().lower()
    for unit, words in UNIT_WORDS.items():
        if word in words:
            return unit
    return None


def add_duration(start: datetime.date, amount: Decimal, unit: str) -> datetime.date:
    """``start`` plus ``amount`` years, months, weeks or days (a month-end stays in its month)."""
    if unit in UNITS_IN_MONTHS:
        months = amount * UNITS_IN_MONTHS[unit]
        whole = int(months)
        year, month = divmod(start.month - 1 + whole, 12)
        year += start.year
        day = min(start.day, calendar.monthrange(year, month + 1)[1])
        end = datetime.date(year, month + 1, day)
        return end + datetime.timedelta(days=round(float(months - whole) * 30))
    return start + datetime.timedelta(days=round(float(amount * UNITS_IN_DAYS[unit])))


# --- Contacts ---------------------------------------------------------------------------------
def vendor_emails(ctx: Context) -> set[str]:
    """The contacts the workbook names as manufacturers, guarantors or suppliers."""
    emails: set[str] = set()
    for row in ctx.workbook.rows("Type"):
        for column in ("Manufacturer", "WarrantyGuarantorParts", "WarrantyGuarantorLabor"):
            if "@" in row.text(column):
                emails.add(row.text(column).casefold())
    for row in ctx.workbook.rows("Spare"):
        emails.update(name.casefold() for name in as_names(row.get("Suppliers")) if "@" in name)
    return emails


def import_contacts(ctx: Context) -> None:
    rows = ctx.workbook.rows("Contact")
    ctx.report.read("Contact", len(rows))
    assert ctx.refs is not None
    assert ctx.building is not None
    vendors_wanted = vendor_emails(ctx)
    bound = ctx.refs.keys_of("Contact")
    existing = Vendor.objects.in_bulk(list(bound.values()))
    codes = Unique(Vendor, "code", 30)
    batch = Batch(Vendor, ctx.user)
    made: list[tuple[Row, Vendor]] = []
    ctx.state["companies"] = {}
    for row in rows:
        email = row.text("Email")
        if ctx.missing(row, ("Email",)):
            continue
        first = ctx.rows_of.get(("Contact", email.casefold()))
        if first is not None:
            ctx.problem(
                row,
                "Email",
                _("The e-mail “%(email)s” is already used by row %(row)s of this sheet; COBie names must be unique.")
                % {"email": email, "row": first},
            )
            continue
        ctx.rows_of[("Contact", email.casefold())] = row.number
        person = " ".join(part for part in (row.text("GivenName"), row.text("FamilyName")) if part)
        company = row.text("Company") or person or email
        ctx.state["companies"][email.casefold()] = company
        if email.casefold() not in vendors_wanted:
            ctx.keep_row(ctx.building, row, email)
            ctx.remember("Contact", email, ctx.building, row)
            continue
        vendor = existing.get(bound.get(email[:255], 0)) or Vendor()
        address = "\n".join(
            row.text(column)
            for column in ("Street", "PostalBox", "Town", "StateRegion", "PostalCode", "Country")
            if row.text(column)
        )
        try:
            validate_email(email)
            valid_email = email[:254]
        except ValidationError:
            valid_email = ""
        values = {
            "code": vendor.code or codes.claim(slug(row.text("Company") or email.split("@")[0], 30)),
            "name": company[:200],
            "contact_name": person[:200],
            "email": valid_email,
            "phone": row.text("Phone")[:40],
            "address": address,
        }
        try:
            action = batch.save(vendor, values)
        except ValidationError as error:
            ctx.problem(row, "Email", validation_text(error))
            ctx.skip(row, email)
            continue
        ctx.report.tally("Contact", "vendor", action)
        made.append((row, vendor))
    batch.flush()
    for row, vendor in made:
        email = row.text("Email")
        ctx.refs.bind_later("Contact", email, vendor)
        ctx.remember("Contact", email, vendor, row)
        ctx.keep_columns(
            vendor, row, ("Email", "Company") if len(row.text("Phone")) > 40 else ("Email", "Company", "Phone")
        )


# --- Types ------------------------------------------------------------------------------------
def import_types(ctx: Context) -> None:
    rows = ctx.workbook.rows("Type")
    ctx.report.read("Type", len(rows))
    assert ctx.refs is not None
    bound = ctx.refs.keys_of("Type")
    existing = ResourceType.objects.in_bulk(list(bound.values()))
    names = Unique(ResourceType, "name", 200)
    names.prefetch(row.name for row in rows if row.name)
    companies: dict[str, str] = ctx.state.get("companies", {})
    batch = Batch(ResourceType, ctx.user)
    made: list[tuple[Row, ResourceType, set[str]]] = []
    warranty: dict[str, tuple[Decimal, str] | None] = {}
    for row in rows:
        if ctx.missing(row, ("Name",)) or ctx.duplicate(row, "Type"):
            ctx.skip(row)
            continue
        ctx.rows_of[("Type", row.name.casefold())] = row.number
        kind = existing.get(bound.get(row.name[:255], 0)) or ResourceType()
        mapped = {"Name", "Description", "ModelNumber"}
        manufacturer = row.text("Manufacturer")
        if manufacturer.casefold() in companies:
            manufacturer = companies[manufacturer.casefold()]  # the company, not its e-mail
        elif len(manufacturer) <= 200:
            mapped.add("Manufacturer")
        name = kind.name if kind.pk and kind.name else ""
        if not name:
            wanted = row.name if names.free(row.name[:200]) else f"{row.name} ({ctx.scope})"
            name = names.claim(wanted)
        if name != row.name:
            mapped.discard("Name")
        model_number = row.text("ModelNumber")
        if len(model_number) > 100:
            mapped.discard("ModelNumber")
        values = {
            "name": name,
            "manufacturer": manufacturer[:200],
            "model_number": model_number[:100],
            "description": row.text("Description"),
        }
        try:
            action = batch.save(kind, values)
        except ValidationError as error:
            ctx.problem(row, "Name", validation_text(error))
            ctx.skip(row)
            continue
        ctx.report.tally("Type", "resource type", action)
        made.append((row, kind, mapped))
        warranty[row.name.casefold()] = _warranty(ctx, row)
    batch.flush()
    for row, kind, mapped in made:
        ctx.refs.bind_later("Type", row.name, kind)
        ctx.remember("Type", row.name, kind, row)
        ctx.keep_columns(kind, row, mapped)
    ctx.state["warranty"] = warranty


def _warranty(ctx: Context, row: Row) -> tuple[Decimal, str] | None:
    """The longer of the type's parts and labour warranties, if the workbook says it in numbers."""
    unit_text = row.text("WarrantyDurationUnit")
    durations = []
    for column in ("WarrantyDurationParts", "WarrantyDurationLabor"):
        try:
            amount = as_number(row.get(column))
        except ValueError:
            ctx.note(
                _(
                    "Type row %(row)s: %(column)s “%(value)s” is not a number; it is kept, but no warranty end is worked out from it."
                )
                % {"row": row.number, "column": column, "value": row.text(column)}
            )
            continue
        if amount is not None and amount > 0:
            durations.append(amount)
    if not durations:
        return None
    unit = unit_of(unit_text or "year")
    if unit is None:
        ctx.note(
            _(
                "Type row %(row)s: the warranty unit “%(unit)s” is not years, months, weeks or days; no warranty end is worked out."
            )
            % {"row": row.number, "unit": unit_text}
        )
        return None
    return max(durations), unit


# --- Components -------------------------------------------------------------------------------
def import_components(ctx: Context) -> None:
    sheet = ctx.workbook.sheet("Component")
    if sheet is None:
        ctx.report.problem(
            "Component", None, "", _("The workbook has no Component sheet, so no equipment can be imported.")
        )
        return
    rows = sheet.rows
    ctx.report.read("Component", len(rows))
    assert ctx.refs is not None
    bound = ctx.refs.keys_of("Component")
    existing = Resource.objects.in_bulk(list(bound.values()))
    tags = Unique(Resource, "tag", TAG_LENGTH)
    tags.prefetch(_wanted_tag(row) for row in rows)
    warranty: dict[str, tuple[Decimal, str] | None] = ctx.state.get("warranty", {})
    batch = Batch(Resource, ctx.user)
    made: list[tuple[Row, Resource, set[str]]] = []
    for row in rows:
        if ctx.missing(row, ("Name", "TypeName", "Space")) or ctx.duplicate(row, "Component"):
            ctx.skip(row)
            continue
        ctx.rows_of[("Component", row.name.casefold())] = row.number
        values = _component_values(ctx, row, warranty)
        if values is None:
            ctx.skip(row)
            continue
        fields, mapped = values
        resource = existing.get(bound.get(row.name[:255], 0)) or Resource()
        wanted_tag = _wanted_tag(row) or slug(row.name, TAG_LENGTH)
        fields["tag"] = tags.claim(wanted_tag, current=resource.tag if resource.pk else None)
        if resource.pk and resource.tag and not _wanted_tag(row):
            fields["tag"] = resource.tag  # a tag MMS gave keeps
        if fields["tag"] == row.text("TagNumber"):
            mapped.add("TagNumber")  # a bar code, even when it gave the tag, stays an attribute of its own
        try:
            action = batch.save(resource, fields)
        except ValidationError as error:
            ctx.problem(row, "Name", validation_text(error))
            ctx.skip(row)
            continue
        ctx.report.tally("Component", "resource", action)
        made.append((row, resource, mapped))
    batch.flush()
    by_type: dict[int, list[Resource]] = defaultdict(list)
    for row, resource, mapped in made:
        ctx.refs.bind_later("Component", row.name, resource)
        ctx.remember("Component", row.name, resource, row)
        ctx.keep_columns(resource, row, mapped)
        if resource.resource_type_id:
            by_type[resource.resource_type_id].append(resource)
    ctx.state["components_by_type"] = by_type


def _wanted_tag(row: Row) -> str:
    for column in ("TagNumber", "BarCode"):
        if row.get(column) is not None and not is_placeholder(row.get(column)):
            return row.text(column)[:TAG_LENGTH]
    return ""


def _component_values(
    ctx: Context, row: Row, warranty: dict[str, tuple[Decimal, str] | None]
) -> tuple[dict[str, Any], set[str]] | None:
    kind = ctx.depend(row, "TypeName", "Type", row.text("TypeName"))
    areas: list[Area] = []
    for name in as_names(row.get("Space")):
        found = ctx.find("Space", name) or ctx.find("Floor", name) or ctx.find("Facility", name)
        if found is None:
            found = ctx.depend(row, "Space", "Space", name)
        if found is not None:
            assert isinstance(found, Area)
            areas.append(found)
    dates: dict[str, datetime.date | None] = {}
    bad = False
    for column in ("InstallationDate", "WarrantyStartDate"):
        try:
            dates[column] = as_date(row.get(column))
        except ValueError as error:
            ctx.problem(row, column, str(error))
            bad = True
    if kind is None or not areas or len(areas) != len(as_names(row.get("Space"))) or bad:
        return None
    assert isinstance(kind, ResourceType)
    mapped = {"Name", "TypeName", "Description", "SerialNumber", "InstallationDate"}
    if len(areas) == 1:
        mapped.add("Space")
    warranty_end = None
    start = dates["WarrantyStartDate"] or dates["InstallationDate"]
    duration = warranty.get(row.text("TypeName").casefold())
    if start is not None and duration is not None:
        warranty_end = add_duration(start, *duration)
    serial = row.text("SerialNumber")
    if len(serial) > 100:
        mapped.discard("SerialNumber")
    if len(row.name) > 200:
        mapped.discard("Name")
    fields: dict[str, Any] = {
        "name": row.name[:200],
        "area": areas[0],
        "resource_type": kind,
        "manufacturer": kind.manufacturer,
        "model_number": kind.model_number,
        "serial_number": serial[:100],
        "installation_date": dates["InstallationDate"],
        "warranty_end": warranty_end,
        "description": row.text("Description"),
    }
    if row.get("InstallationDate") is not None and dates["InstallationDate"] is None:
        mapped.discard("InstallationDate")  # a "no date" marker (1900-12-31) is kept as written
    return fields, mapped


# --- Systems ----------------------------------------------------------------------------------
def import_systems(ctx: Context) -> None:
    """Systems: rows of the same name are one system (COBie lists its components over several rows)."""
    rows = ctx.workbook.rows("System")
    ctx.report.read("System", len(rows))
    assert ctx.refs is not None
    assert ctx.site is not None
    bound = ctx.refs.keys_of("System")
    existing = System.objects.in_bulk(list(bound.values()))
    names = Unique(System, "name", 200, site=ctx.site)
    by_name: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if ctx.missing(row, ("Name",)):
            continue
        by_name[row.name.casefold()].append(row)
    memberships: dict[int, tuple[System, set[int], bool]] = {}
    for group in by_name.values():
        first = group[0]
        system = existing.get(bound.get(first.name[:255], 0)) or System(site=ctx.site)
        name = system.name if system.pk else ""
        if not name:
            wanted = first.name if names.free(first.name[:200]) else f"{first.name} ({ctx.scope})"
            name = names.claim(wanted)
        values = {
            "site": ctx.site,
            "name": name,
            "category": first.text("Category")[:200],
            "description": first.text("Description"),
        }
        try:
            action = Batch(System, ctx.user).save(system, values)
            if action != UNCHANGED:
                system._history_user = ctx.user if getattr(ctx.user, "pk", None) else None  # type: ignore[attr-defined]
                system.save()
        except ValidationError as error:
            ctx.problem(first, "Name", validation_text(error))
            ctx.skip(first)
            continue
        ctx.report.tally("System", "system", action)
        ctx.refs.bind_later("System", first.name, system)
        ctx.remember("System", first.name, system, first)
        mapped = {"Name", "ComponentNames", "Category", "Description"}
        if name != first.name:
            mapped.discard("Name")
        ctx.keep_columns(system, first, mapped)
        ctx.note_differences(group, ("Category", "Description"))
        members: set[int] = set()
        whole = True
        for row in group:
            found = [ctx.depend(row, "ComponentNames", "Component", n) for n in as_names(row.get("ComponentNames"))]
            if any(item is None for item in found):
                whole = False
                continue
            members.update(int(item.pk) for item in found if item is not None)
        memberships[int(system.pk)] = (system, members, whole)
    _save_members(ctx, memberships)


def _save_members(ctx: Context, memberships: dict[int, tuple[System, set[int], bool]]) -> None:
    through = System.resources.through
    have: dict[int, set[int]] = defaultdict(set)
    for system_id, resource_id in through.objects.filter(system_id__in=list(memberships)).values_list(
        "system_id", "resource_id"
    ):
        have[system_id].add(resource_id)
    creates = []
    for system_id, (_system, members, whole) in memberships.items():
        for resource_id in sorted(members):
            if resource_id in have[system_id]:
                ctx.report.tally("System", "system member", UNCHANGED)
            else:
                creates.append(through(system_id=system_id, resource_id=resource_id))
                ctx.report.tally("System", "system member", CREATED)
        if whole:
            gone = have[system_id] - members
            if gone:
                through.objects.filter(system_id=system_id, resource_id__in=gone).delete()
    through.objects.bulk_create(creates, batch_size=500)
