"""What registers share: loading records by key in a few queries, rows in the order their parents need,
and the maintainable entity (area, resource, container, material) a counter or reading row names."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.models import Area, Container, Material, Resource
from assets.services import entity_site
from exchange.csvio.attributes import chunks
from exchange.csvio.columns import Column, ImportContext, Row
from exchange.csvio.values import Text


def load_by(queryset: models.QuerySet[Any], field: str, values: Iterable[Any]) -> dict[Any, Any]:
    """The records of ``queryset`` whose ``field`` is one of ``values``, by that value (chunked queries)."""
    wanted = sorted({value for value in values if value not in (None, "")})
    found: dict[Any, Any] = {}
    for chunk in chunks(wanted):
        for obj in queryset.filter(**{f"{field}__in": chunk}):
            found[getattr(obj, field)] = obj
    return found


def in_parent_order(ctx: ImportContext, rows: list[Row], key: str, parent: str) -> list[Row]:
    """``rows`` with each row after the row of the file that is its parent (a child may come first in
    the file). A row whose parent row was rejected, or that is its own ancestor, is reported and left out."""
    by_key = {row.get(key): row for row in rows}
    rejected = ctx.rejected_keys(key)
    ordered: list[Row] = []
    state: dict[int, str] = {}  # row number -> "visiting" | "done" | "dropped"

    def visit(row: Row, trail: list[int]) -> bool:
        mark = state.get(row.number)
        if mark == "done":
            return True
        if mark == "dropped":
            return False
        if mark == "visiting":
            ctx.problem(row.number, parent, _("The rows %(rows)s are each other's parent.") % {"rows": trail})
            state[row.number] = "dropped"
            return False
        state[row.number] = "visiting"
        parent_key = row.get(parent) if row.has(parent) else None
        ok = True
        if parent_key:
            if parent_key in by_key and by_key[parent_key] is not row:
                if not visit(by_key[parent_key], [*trail, row.number]):
                    ctx.problem(
                        row.number,
                        parent,
                        _("Skipped with its parent (row %(row)s).") % {"row": by_key[parent_key].number},
                    )
                    ok = False
            elif parent_key in rejected:
                ctx.problem(
                    row.number, parent, _("Skipped with its parent (row %(row)s).") % {"row": rejected[parent_key]}
                )
                ok = False
        state[row.number] = "done" if ok else "dropped"
        if ok:
            ordered.append(row)
        return ok

    for row in rows:
        visit(row, [row.number])
    return ordered


# --- Entities of counters and readings ---------------------------------------------------------
ENTITY_COLUMNS = (
    Column("resource", gettext_lazy("Resource"), Text(50), help=gettext_lazy("The tag of the resource")),
    Column("container", gettext_lazy("Container"), Text(50), help=gettext_lazy("The tag of the container")),
    Column("area", gettext_lazy("Area"), Text(50), help=gettext_lazy("The code of the area")),
    Column("material", gettext_lazy("Material"), Text(50), help=gettext_lazy("The code of the material")),
    Column("material_lot", gettext_lazy("Material lot"), Text(100), help=gettext_lazy("Its lot, if it has several")),
)
ENTITY_KEY = ("resource", "container", "area", "material", "material_lot")


class Entities:
    """The entities the rows of a file name, loaded at once (tags of resources and containers, codes of
    areas, codes and lots of materials)."""

    def __init__(self, rows: list[Row]) -> None:
        self.resources = load_by(
            Resource.objects.select_related("area__site"), "tag", (r.get("resource") for r in rows)
        )
        self.containers = load_by(
            Container.objects.select_related("area__site"), "tag", (r.get("container") for r in rows)
        )
        self.areas = load_by(Area.objects.select_related("site"), "code", (r.get("area") for r in rows))
        self.materials: dict[tuple[str, str], Material] = {}
        codes = {r.get("material") for r in rows if r.get("material")}
        for chunk in chunks(sorted(codes)):
            for material in Material.objects.select_related("area__site").filter(code__in=chunk):
                self.materials[(material.code, material.lot_number)] = material

    def _find(self, row: Row) -> tuple[list[str], Any]:
        """(the entity columns the row gives, the entity they name or None)."""
        given = [name for name in ("resource", "container", "area", "material") if row.get(name)]
        if len(given) != 1:
            return given, None
        name = given[0]
        key = row.get(name)
        if name == "material":
            lot = row.get("material_lot") or ""
            entity = self.materials.get((key, lot))
            if entity is None and not lot:
                lots = [material for (code, _lot), material in self.materials.items() if code == key]
                entity = lots[0] if len(lots) == 1 else None
            return given, entity
        return given, {"resource": self.resources, "container": self.containers, "area": self.areas}[name].get(key)

    def quiet(self, row: Row) -> Area | Resource | Container | Material | None:
        """The entity the row names, if it names exactly one that exists (nothing reported)."""
        return self._find(row)[1]

    def of(self, ctx: ImportContext, row: Row) -> Area | Resource | Container | Material | None:
        """The one entity the row names, or ``None`` with the problem reported."""
        given, entity = self._find(row)
        if len(given) != 1:
            ctx.problem(
                row.number,
                given[1] if len(given) > 1 else "resource",
                _("Give exactly one of resource, container, area or material (this row gives %(count)s).")
                % {"count": len(given)},
            )
            return None
        name = given[0]
        key = row.get(name)
        if entity is None:
            what = {
                "resource": _("No resource has the tag “%(key)s”."),
                "container": _("No container has the tag “%(key)s”."),
                "area": _("No area has the code “%(key)s”."),
                "material": _("No material has the code “%(key)s” (and this lot)."),
            }[name]
            ctx.problem(row.number, name, what % {"key": key})
            return None
        if not ctx.may_write(entity_site(entity).pk):
            ctx.problem(row.number, name, _("“%(key)s” is in a site you do not have access to.") % {"key": key})
            return None
        return entity


def local_zone(site: Area) -> zoneinfo.ZoneInfo:
    """The time zone of a site, from the site's own row (``Area.local_time_zone`` would read it again)."""
    return _zone(site.time_zone or settings.TIME_ZONE)


@lru_cache(maxsize=64)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def entity_values(entity: Any) -> dict[str, str]:
    """The entity columns of an export row."""
    values = dict.fromkeys(ENTITY_KEY, "")
    if isinstance(entity, Resource):
        values["resource"] = entity.tag
    elif isinstance(entity, Container):
        values["container"] = entity.tag
    elif isinstance(entity, Area):
        values["area"] = entity.code
    elif isinstance(entity, Material):
        values["material"], values["material_lot"] = entity.code, entity.lot_number
    return values
