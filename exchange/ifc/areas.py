"""The area tree of an IFC model: IfcSite > IfcBuilding > IfcBuildingStorey > IfcSpace become site >
building > floor > space (IFC 4.3 facilities and their parts count as buildings and floors), each under
the nearest area above it that may hold it (``assets.models.ALLOWED_PARENT_KINDS``); IfcZone becomes a
zone under the lowest area that holds all its spaces.

With the option "site" the buildings go under that existing site and the file's IfcSite is not made an
area (the site's own record is left as it is). New areas get a code made from their names (the
building's name, then the storey's or the space's), unique across MMS; an area keeps its code when the
file is imported again."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from assets.models import ALLOWED_PARENT_KINDS, Area, AreaKind
from exchange.ifc.bulk import check, chunks, first_error, save
from exchange.ifc.model import IFC_GROUP, GroupRow, Model, Row, SpatialRow
from exchange.refs import AttributeValue, RefIndex, apply_fields
from exchange.registry import ImportJob
from exchange.report import CREATED, UNCHANGED, UPDATED, ImportReport

CODE_LENGTH = 50
CODE_PART = 24
AREA_COLUMNS = {"name": "Name", "latitude": "RefLatitude", "longitude": "RefLongitude", "address": "Address"}
M = TypeVar("M", bound=models.Model)


@dataclass
class Context:
    """What the writers of one import share: the job, the model read, the external keys of its
    project, and what each row became (or that it was skipped)."""

    job: ImportJob
    model: Model
    index: RefIndex
    site: Area | None = None  # the site chosen to import into; None: the file's IfcSite
    time_zone: str = "UTC"
    areas: dict[int, Area] = field(default_factory=dict)  # step id -> area
    skipped: set[int] = field(default_factory=set)
    bindings: list[tuple[str, str, models.Model]] = field(default_factory=list)
    attributes: list[tuple[str, models.Model, list[AttributeValue]]] = field(default_factory=list)
    new_sites: int = 0

    @property
    def report(self) -> ImportReport:
        return self.job.report

    @property
    def user(self) -> Any:
        return self.job.user

    def problem(self, row: Row, column: str, message: str) -> None:
        self.report.problem(row.ifc_class, row.step_id, column, message)
        self.skipped.add(row.step_id)

    def is_skipped(self, row: Row) -> bool:
        if row.step_id in self.skipped or self.report.is_skipped(row.ifc_class, row.step_id):
            self.skipped.add(row.step_id)
            return True
        return False

    def depends(self, row: Row, column: str, other: int) -> None:
        self.problem(
            row,
            column,
            _("Skipped because #%(other)s, which it depends on, has a problem (see that row).") % {"other": other},
        )

    def may_write(self, site_id: int | None) -> bool:
        sites = self.job.site_ids
        return sites is None or site_id in sites

    def no_access(self, row: Row) -> None:
        self.problem(
            row,
            "GlobalId",
            _("This entity was imported into a site you do not have access to; it is left as it is there."),
        )

    def load(self, model: type[M], rows: Iterable[Row], **annotations: Any) -> dict[int, M]:
        """The records the rows' GlobalIds were bound to by an earlier import (step id -> record), in one
        query per batch; a key whose record has since been deleted finds none."""
        ids = {row.step_id: self.index.get_id(row.ifc_class, row.global_id, model) for row in rows}
        wanted = sorted({pk for pk in ids.values() if pk})
        found: dict[int, M] = {}
        for part in chunks(wanted):
            found.update({obj.pk: obj for obj in model._default_manager.filter(pk__in=part).annotate(**annotations)})
        return {step: found[pk] for step, pk in ids.items() if pk in found}

    def bind(self, row: Row, obj: models.Model) -> None:
        self.bindings.append((row.ifc_class, row.global_id, obj))

    def tally(self, row: Row, record: str, action: str) -> None:
        self.report.tally(row.ifc_class, record, action)


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "-", plain.upper()).strip("-")[:CODE_PART].strip("-")


class Codes:
    """New area codes, unique across MMS and within the run: a base made of names, and ``-2``, ``-3``...
    when it is taken (one query per new area)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def new(self, parts: Iterable[str]) -> str:
        base = "-".join(part for part in parts if part)[: CODE_LENGTH - 4].strip("-") or "AREA"
        existing = set(Area.objects.filter(code__startswith=base).values_list("code", flat=True))
        number = 1
        while True:
            code = base if number == 1 else f"{base}-{number}"
            if code not in existing and code not in self.taken:
                self.taken.add(code)
                return code
            number += 1


class AreaWriter:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.codes = Codes()
        self.rows = {row.step_id: row for row in ctx.model.spatial}

    def nearest(self, step_id: int | None, kinds: Iterable[str]) -> Area | None:
        """The nearest area at or above the spatial element ``step_id`` of one of ``kinds``."""
        allowed = set(kinds)
        while step_id is not None:
            area = self.ctx.areas.get(step_id)
            if area is not None and area.kind in allowed:
                return area
            row = self.rows.get(step_id)
            step_id = row.parent if row else None
        return None

    def skipped_above(self, step_id: int | None) -> int | None:
        """The spatial element at or above ``step_id`` that was skipped, if any."""
        while step_id is not None:
            if step_id in self.ctx.skipped:
                return step_id
            row = self.rows.get(step_id)
            step_id = row.parent if row else None
        return None

    def building_code(self, parent: Area) -> str:
        if parent.kind == AreaKind.BUILDING:
            return parent.code
        return self.building_codes.get(parent.pk, parent.code)

    def write(self) -> None:
        ctx = self.ctx
        loaded = ctx.load(Area, ctx.model.spatial)
        self.building_codes: dict[int, str] = {}
        for row in ctx.model.spatial:
            if ctx.is_skipped(row):
                continue
            if (blocked := self.skipped_above(row.parent)) is not None:
                ctx.depends(row, "Decomposes", blocked)
                continue
            kind = row.kind
            if kind == AreaKind.SITE and row.parent is not None:
                ctx.report.notes.append(
                    _("The site %(name)s (#%(id)s) is part of another site: its buildings go under that one.")
                    % {"name": row.name, "id": row.step_id}
                )
                continue
            if kind == AreaKind.SITE and ctx.site is not None:
                ctx.areas[row.step_id] = ctx.site
                ctx.report.notes.append(
                    _("The buildings of %(ifc)s (#%(id)s) were put under the chosen site %(site)s.")
                    % {"ifc": row.name, "id": row.step_id, "site": ctx.site}
                )
                continue
            if kind:
                self._area(row, kind, loaded.get(row.step_id))

    def _parent(self, row: SpatialRow, kind: str) -> Area | None:
        parent = self.nearest(row.parent, ALLOWED_PARENT_KINDS[kind])
        if parent is not None:
            return parent
        if self.ctx.site is not None and AreaKind.SITE in ALLOWED_PARENT_KINDS[kind]:
            return self.ctx.site  # a model without an IfcSite, imported into a chosen site
        if kind == AreaKind.BUILDING:
            message = _('It is not part of an IfcSite. Choose the site to import it into (option "site").')
        elif kind == AreaKind.SPACE:
            message = _("The space is not inside a storey, building or site of the model.")
        else:
            message = _("A %(kind)s must be inside a %(parents)s; the model has none above it.") % {
                "kind": AreaKind(kind).label,
                "parents": " / ".join(str(AreaKind(k).label) for k in sorted(ALLOWED_PARENT_KINDS[kind])),
            }
        self.ctx.problem(row, "Decomposes", message)
        return None

    def _area(self, row: SpatialRow, kind: str, area: Area | None) -> None:
        ctx = self.ctx
        parent = None
        if kind != AreaKind.SITE:
            parent = self._parent(row, kind)
            if parent is None:
                return
        if area is not None and not ctx.may_write(area.site_id):
            ctx.no_access(row)
            return
        is_new = area is None
        if area is None:
            area = Area(kind=kind, time_zone=ctx.time_zone if kind == AreaKind.SITE else "")
            area.code = self._code(row, kind, parent)
        values: dict[str, Any] = {"kind": kind, "name": row.name, "parent_id": parent.pk if parent else None}
        if row.address:
            values["address"] = row.address
        if row.latitude is not None:
            values |= {"latitude": row.latitude, "longitude": row.longitude}
        changed = apply_fields(area, values)
        if is_new or changed:
            area.parent = parent
            try:
                check(area, exclude=["parent"])
            except ValidationError as error:
                ctx.problem(row, *first_error(error, AREA_COLUMNS, "Name"))
                return
            save(area, ctx.user)
            if is_new and kind == AreaKind.SITE:
                ctx.new_sites += 1
        ctx.areas[row.step_id] = area
        if kind == AreaKind.BUILDING:
            self.building_codes[area.pk] = area.code
        elif parent is not None and parent.pk in self.building_codes:
            self.building_codes[area.pk] = self.building_codes[parent.pk]
        ctx.tally(row, "area", CREATED if is_new else UPDATED if changed else UNCHANGED)
        ctx.bind(row, area)
        ctx.attributes.append((row.ifc_class, area, row.attributes))

    def _code(self, row: Row, kind: str, parent: Area | None) -> str:
        own = slug(row.short_name if isinstance(row, SpatialRow) else row.name) or f"{kind.upper()}{row.step_id}"
        if parent is None or kind == AreaKind.BUILDING:
            return self.codes.new([own])
        if kind in (AreaKind.FLOOR, AreaKind.SPACE):
            return self.codes.new([self.building_code(parent), own])
        return self.codes.new([parent.code, own])

    # --- zones ----------------------------------------------------------------------------------
    def write_zones(self) -> None:
        ctx = self.ctx
        rows = ctx.model.zones
        loaded = ctx.load(Area, rows)
        by_pk = {area.pk: area for area in ctx.areas.values()}
        if ctx.site is not None:
            by_pk[ctx.site.pk] = ctx.site
        empty = 0
        for row in rows:
            if ctx.is_skipped(row):
                continue
            spaces = [ctx.areas[m] for m in row.members if m in ctx.areas]
            if not spaces:
                empty += 1
                continue
            parent = self._common_parent(spaces, by_pk)
            if parent is None:
                ctx.problem(row, "IsGroupedBy", _("The zone's spaces are in more than one site."))
                continue
            self._zone(row, parent, spaces, loaded.get(row.step_id))
        if empty:
            ctx.report.notes.append(
                _("%(count)s zone(s) had no space MMS imported and were left out.") % {"count": empty}
            )

    @staticmethod
    def _common_parent(spaces: list[Area], by_pk: dict[int, Area]) -> Area | None:
        paths = [[int(part) for part in space.path.strip("/").split("/")][:-1] for space in spaces]
        common: list[int] = []
        for level in zip(*paths, strict=False):
            if len(set(level)) != 1:
                break
            common.append(level[0])
        allowed = ALLOWED_PARENT_KINDS[AreaKind.ZONE]
        for pk in reversed(common):
            area = by_pk.get(pk)
            if area is not None and area.kind in allowed:
                return area
        return None

    def _zone(self, row: GroupRow, parent: Area, spaces: list[Area], area: Area | None) -> None:
        ctx = self.ctx
        if area is not None and not ctx.may_write(area.site_id):
            ctx.no_access(row)
            return
        is_new = area is None
        if area is None:
            area = Area(kind=AreaKind.ZONE, code=self._code(row, AreaKind.ZONE, parent))
        changed = apply_fields(area, {"kind": AreaKind.ZONE, "name": row.name, "parent_id": parent.pk})
        if is_new or changed:
            area.parent = parent
            try:
                check(area, exclude=["parent"])
            except ValidationError as error:
                ctx.problem(row, *first_error(error, AREA_COLUMNS, "Name"))
                return
            save(area, ctx.user)
        ctx.areas[row.step_id] = area
        ctx.tally(row, "area", CREATED if is_new else UPDATED if changed else UNCHANGED)
        ctx.bind(row, area)
        members = ", ".join(sorted(space.code for space in spaces))
        spaces_value = AttributeValue(name="Spaces", value=members, group=IFC_GROUP)
        ctx.attributes.append((row.ifc_class, area, [*row.attributes, spaces_value]))
