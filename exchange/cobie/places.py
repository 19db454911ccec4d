"""Facility, Floor, Space and Zone -> the area tree: the facility is a building under a site (the one the
user chose, or the one its SiteName names), floors under the building, spaces under their floor, zones
under the building with the spaces they list kept as zone memberships (a space may be in many zones).

Area codes are unique across MMS and at most 50 characters, so they are made from the building's code
and the COBie name; the COBie name itself is the external key that a second import matches on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assets.models import Area, AreaKind
from exchange.cobie.context import Context, Refs, Unique, assign, clean_in_memory, slug, validation_text
from exchange.cobie.reader import Row, as_names
from exchange.models import ZoneSpace
from exchange.report import CREATED, UNCHANGED, UPDATED

CODE_LENGTH = 50
NAME_LENGTH = 200


def save_area(ctx: Context, area: Area, values: Mapping[str, Any]) -> str:
    """Create or update an area one by one (its ``save`` keeps the tree's paths), validated in memory."""
    is_new = area.pk is None
    if not assign(area, values) and not is_new:
        return UNCHANGED
    clean_in_memory(area)
    if getattr(ctx.user, "pk", None) is not None:
        area._history_user = ctx.user  # type: ignore[attr-defined]
    area.save()
    return CREATED if is_new else UPDATED


def _areas(ctx: Context, kind: str) -> dict[str, Area]:
    """The areas bound to COBie names of ``kind`` in this facility, loaded in one query."""
    assert ctx.refs is not None
    bound = ctx.refs.keys_of(kind)
    found = Area.objects.in_bulk(list(bound.values()))
    return {key: found[pk] for key, pk in bound.items() if pk in found}


def import_facility(ctx: Context) -> bool:
    """The site and the building; False when the workbook cannot be imported without them."""
    sheet = ctx.workbook.sheet("Facility")
    if sheet is None:
        ctx.report.problem(
            "Facility", None, "", _("The workbook has no Facility sheet; a COBie workbook starts with its facility.")
        )
        return False
    rows = sheet.rows
    ctx.report.read("Facility", len(rows))
    if not rows:
        ctx.report.problem("Facility", None, "", _("The Facility sheet has no rows."))
        return False
    row, others = rows[0], rows[1:]
    for other in others:
        ctx.problem(
            other,
            "Name",
            _(
                "A COBie workbook describes one facility; this is a second one (%(name)s). Import it from its own workbook."
            )
            % {"name": other.name or "?"},
        )
    if ctx.missing(row, ("Name",)):
        return False
    ctx.scope = row.name
    ctx.refs = Refs(row.name)
    site = _site(ctx, row)
    if site is None:
        return False
    ctx.site = site
    building = _areas(ctx, "Facility").get(row.name[:255]) or Area(kind=AreaKind.BUILDING)
    if building.pk and ctx.job.site_ids is not None and building.site_id not in ctx.job.site_ids:
        ctx.problem(
            row,
            "Name",
            _("The facility “%(name)s” was imported before into a site you may not see; ask its site's administrator.")
            % {"name": row.name},
        )
        return False
    codes = Unique(Area, "code", CODE_LENGTH)
    values = {
        "name": row.name[:NAME_LENGTH],
        "parent": site,
        "code": building.code or codes.claim(slug(row.name, 20)),
    }
    try:
        action = save_area(ctx, building, values)
    except ValidationError as error:
        ctx.problem(row, "Name", validation_text(error))
        return False
    ctx.report.tally("Facility", "building", action)
    ctx.refs.bind("Facility", row.name, building)
    ctx.building = building
    ctx.remember("Facility", row.name, building, row)
    ctx.keep_columns(building, row, ("Name", "SiteName"))
    ctx.state["codes"] = codes
    return True


def _site(ctx: Context, row: Row) -> Area | None:
    assert ctx.refs is not None
    chosen = ctx.job.options.get("site")
    site_name = row.text("SiteName") or row.name
    if chosen:
        site = Area.objects.get(pk=chosen)
        ctx.report.tally("Facility", "site", UNCHANGED)
        return site
    bound = _areas(ctx, "Site").get(site_name[:255])
    if bound is not None and bound.kind == AreaKind.SITE:
        ctx.report.tally("Facility", "site", UNCHANGED)
        return bound
    matches = Area.objects.sites().in_sites(ctx.job.site_ids).filter(name__iexact=site_name[:NAME_LENGTH])
    matched = matches.order_by("pk").first()
    if matched is not None:
        site = matched
        ctx.report.tally("Facility", "site", UNCHANGED)
    elif ctx.job.site_ids is not None:
        ctx.problem(
            row,
            "SiteName",
            _("None of your sites is named “%(name)s”: choose the site to import the facility into.")
            % {"name": site_name},
        )
        return None
    else:
        site = Area(kind=AreaKind.SITE)
        codes = Unique(Area, "code", CODE_LENGTH)
        values = {
            "name": site_name[:NAME_LENGTH],
            "code": codes.claim(slug(site_name, 20)),
            "time_zone": settings.TIME_ZONE,
        }
        try:
            ctx.report.tally("Facility", "site", save_area(ctx, site, values))
        except ValidationError as error:
            ctx.problem(row, "SiteName", validation_text(error))
            return None
    ctx.refs.bind("Site", site_name, site)
    return site


def _code(ctx: Context, area: Area, name: str) -> str:
    assert ctx.building is not None
    if area.code:
        return area.code
    codes: Unique = ctx.state["codes"]
    return codes.claim(f"{ctx.building.code}-{slug(name, CODE_LENGTH)}")


def import_floors(ctx: Context) -> None:
    _import_level(ctx, "Floor", AreaKind.FLOOR, "floor")


def import_spaces(ctx: Context) -> None:
    _import_level(ctx, "Space", AreaKind.SPACE, "space")


def _import_level(ctx: Context, sheet_name: str, kind: str, label: str) -> None:
    rows = ctx.workbook.rows(sheet_name)
    ctx.report.read(sheet_name, len(rows))
    assert ctx.refs is not None
    assert ctx.building is not None
    existing = _areas(ctx, sheet_name)
    codes: Unique = ctx.state["codes"]
    codes.prefetch(f"{ctx.building.code}-{slug(row.name, CODE_LENGTH)}" for row in rows if row.name)
    required = ("Name", "FloorName") if sheet_name == "Space" else ("Name",)
    for row in rows:
        if ctx.missing(row, required) or ctx.duplicate(row, sheet_name):
            ctx.skip(row)
            continue
        parent: Area | None = ctx.building
        if sheet_name == "Space":
            found = ctx.depend(row, "FloorName", "Floor", row.text("FloorName"))
            if found is None:
                ctx.skip(row)
                continue
            assert isinstance(found, Area)
            parent = found
        area = existing.get(row.name[:255]) or Area(kind=kind)
        values = {"kind": kind, "name": row.name[:NAME_LENGTH], "parent": parent, "code": _code(ctx, area, row.name)}
        try:
            action = save_area(ctx, area, values)
        except ValidationError as error:
            ctx.problem(row, "Name", validation_text(error))
            ctx.skip(row)
            continue
        ctx.report.tally(sheet_name, label, action)
        ctx.refs.bind_later(sheet_name, row.name, area)
        ctx.remember(sheet_name, row.name, area, row)
        ctx.keep_columns(area, row, ("Name", "FloorName"))


def import_zones(ctx: Context) -> None:
    """Zones: rows of the same name are one zone (COBie lists a zone's spaces over several rows)."""
    rows = ctx.workbook.rows("Zone")
    ctx.report.read("Zone", len(rows))
    assert ctx.refs is not None
    assert ctx.building is not None
    existing = _areas(ctx, "Zone")
    by_name: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if ctx.missing(row, ("Name", "SpaceNames")):
            if row.name:
                ctx.skip(row)
            continue
        by_name[row.name.casefold()].append(row)
    wanted: dict[int, set[int]] = {}
    complete: set[int] = set()  # zones none of whose rows was skipped: spaces no longer listed are removed
    zones: list[Area] = []
    for group in by_name.values():
        first = group[0]
        zone = existing.get(first.name[:255]) or Area(kind=AreaKind.ZONE)
        values = {"kind": AreaKind.ZONE, "name": first.name[:NAME_LENGTH], "parent": ctx.building}
        values["code"] = _code(ctx, zone, first.name)
        try:
            action = save_area(ctx, zone, values)
        except ValidationError as error:
            for row in group:
                ctx.problem(row, "Name", validation_text(error))
            ctx.skip(first)
            continue
        ctx.report.tally("Zone", "zone", action)
        ctx.refs.bind_later("Zone", first.name, zone)
        ctx.remember("Zone", first.name, zone, first)
        ctx.keep_columns(zone, first, ("Name", "SpaceNames"))
        ctx.note_differences(group, ("Category", "Description"))
        spaces: set[int] = set()
        whole = True
        for row in group:
            found = [ctx.depend(row, "SpaceNames", "Space", name) for name in as_names(row.get("SpaceNames"))]
            if any(space is None for space in found):
                whole = False
                continue
            spaces.update(int(space.pk) for space in found if space is not None)
        wanted[int(zone.pk)] = spaces
        if whole:
            complete.add(int(zone.pk))
        zones.append(zone)
    _save_memberships(ctx, wanted, complete)


def _save_memberships(ctx: Context, wanted: dict[int, set[int]], complete: set[int]) -> None:
    have: dict[int, dict[int, ZoneSpace]] = defaultdict(dict)
    for membership in ZoneSpace.objects.filter(zone_id__in=list(wanted)):
        have[membership.zone_id][membership.space_id] = membership
    creates = []
    for zone_id, spaces in wanted.items():
        for space_id in spaces:
            if space_id in have[zone_id]:
                ctx.report.tally("Zone", "space of a zone", UNCHANGED)
            else:
                creates.append(ZoneSpace(zone_id=zone_id, space_id=space_id))
                ctx.report.tally("Zone", "space of a zone", CREATED)
    if creates:
        user = ctx.user if getattr(ctx.user, "pk", None) is not None else None
        bulk_create_with_history(creates, ZoneSpace, default_user=user)
    for zone_id in complete:
        for space_id, membership in have[zone_id].items():
            if space_id not in wanted[zone_id]:
                membership._history_user = ctx.user  # type: ignore[attr-defined]
                membership.delete()
