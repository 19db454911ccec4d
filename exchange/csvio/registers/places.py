"""The area and resource registers: the site > building > floor > space tree by area code, and the
equipment by tag, each keeping the file's other columns as attributes.

Neither has a service of its own (the admin and the API save them with the model's validation), so a
row is saved with ``full_clean()`` and its history names the import. A user writes only in the sites
they belong to; only those who see every site make new sites.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.models import Area, AreaKind, Criticality, EntityStatus, Resource, ResourceType, status_edit_error
from exchange.csvio.attributes import attributes_by_record
from exchange.csvio.columns import Column, ImportContext, Register, Row, register
from exchange.csvio.registers.common import in_parent_order, load_by
from exchange.csvio.values import Boolean, Choice, Date, Number, Text
from exchange.report import CREATED

COORDINATES = (
    Column("latitude", gettext_lazy("Latitude"), Number(6, 9, Decimal(-90)), help=gettext_lazy("WGS84, e.g. -1.2921")),
    Column(
        "longitude", gettext_lazy("Longitude"), Number(6, 9, Decimal(-180)), help=gettext_lazy("WGS84, e.g. 36.8219")
    ),
)


@register
class AreaRegister(Register):
    target = "areas"
    position = 2
    label = gettext_lazy("areas")
    record = "area"
    columns = (
        Column("code", gettext_lazy("Code"), Text(50), required=True),
        Column("name", gettext_lazy("Name"), Text(200), required=True),
        Column("kind", gettext_lazy("Kind"), Choice(AreaKind.choices), required=True),
        Column("parent", gettext_lazy("Parent"), Text(50), help=gettext_lazy("The code of the area it is in")),
        Column("time_zone", gettext_lazy("Time zone"), Text(64), help=gettext_lazy("Sites only, e.g. Africa/Nairobi")),
        Column("address", gettext_lazy("Address"), Text()),
        *COORDINATES,
        Column("active", gettext_lazy("Active"), Boolean()),
    )
    key = ("code",)
    key_help = gettext_lazy("the area code")
    import_permissions = ("assets.add_area", "assets.change_area")
    export_permission = "assets.view_area"
    attribute_model = Area

    def import_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        codes = {row.get("code") for row in rows} | {row.get("parent") for row in rows if row.get("parent")}
        areas: dict[str, Area] = load_by(Area.objects.select_related("parent"), "code", codes)
        if ctx.attributes is not None:
            ctx.attributes.preload(area.pk for area in areas.values())
        for row in in_parent_order(ctx, rows, "code", "parent"):
            self._import_row(ctx, row, areas)

    def _import_row(self, ctx: ImportContext, row: Row, areas: dict[str, Area]) -> None:
        code = row.get("code")
        area = areas.get(code)
        if area is not None and not ctx.may_write(area.site_id):
            ctx.problem(row.number, "code", _("This area is in a site you do not have access to."))
            return
        values = row.given("code", "name", "kind", "time_zone", "address", "latitude", "longitude", "active")
        if row.has("parent"):
            parent_code = row.get("parent")
            parent = areas.get(parent_code) if parent_code else None
            if parent_code and parent is None:
                ctx.problem(row.number, "parent", _("No area has the code “%(code)s”.") % {"code": parent_code})
                return
            values["parent"] = parent
        parent = values.get("parent", area.parent if area else None)
        if values.get("kind", area.kind if area else None) == AreaKind.SITE:
            if area is None and ctx.site_ids is not None:
                ctx.problem(row.number, "kind", _("Only those who see every site may create sites."))
                return
        elif parent is not None and not ctx.may_write(parent.site_id or parent.pk):
            ctx.problem(
                row.number, "parent", _("“%(code)s” is in a site you do not have access to.") % {"code": parent.code}
            )
            return
        obj = area or Area()

        def write() -> None:
            action = ctx.save(obj, values)
            changed = ctx.keep_attributes(obj, row, action)
            ctx.saved(self.record, action, changed)

        if ctx.write(row, write):
            areas[code] = obj

    def export_rows(self, user: Any, site_ids: Sequence[int] | None) -> Iterator[dict[str, Any]]:
        areas = list(Area.objects.in_sites(site_ids).select_related("parent").order_by("path"))
        attributes = attributes_by_record(Area, [area.pk for area in areas])
        for area in areas:
            yield {
                **{name: getattr(area, name) for name in ("code", "name", "kind", "time_zone", "address")},
                **{name: getattr(area, name) for name in ("latitude", "longitude", "active")},
                "parent": area.parent.code if area.parent else "",
                "_attributes": attributes.get(area.pk, {}),
            }


RESOURCE_FIELDS = (
    "tag",
    "name",
    "manufacturer",
    "model_number",
    "serial_number",
    "purchase_date",
    "installation_date",
    "warranty_end",
    "criticality",
    "status",
    "description",
    "latitude",
    "longitude",
)


@register
class ResourceRegister(Register):
    target = "resources"
    position = 1
    label = gettext_lazy("resources")
    record = "resource"
    columns = (
        Column("tag", gettext_lazy("Tag"), Text(50), required=True),
        Column("name", gettext_lazy("Name"), Text(200), required=True),
        Column("area", gettext_lazy("Area"), Text(50), required=True, help=gettext_lazy("The code of its area")),
        Column("parent", gettext_lazy("Part of"), Text(50), help=gettext_lazy("The tag of the resource it is part of")),
        Column("resource_type", gettext_lazy("Type"), Text(200), help=gettext_lazy("The name of its resource type")),
        Column("manufacturer", gettext_lazy("Manufacturer"), Text(200)),
        Column("model_number", gettext_lazy("Model number"), Text(100)),
        Column("serial_number", gettext_lazy("Serial number"), Text(100)),
        Column("purchase_date", gettext_lazy("Purchase date"), Date(not_future=True)),
        Column("installation_date", gettext_lazy("Installation date"), Date(not_future=True)),
        Column("warranty_end", gettext_lazy("Warranty end"), Date()),
        Column("criticality", gettext_lazy("Criticality"), Choice(Criticality.choices)),
        Column("status", gettext_lazy("Status"), Choice(EntityStatus.choices)),
        Column("description", gettext_lazy("Description"), Text()),
        *COORDINATES,
    )
    key = ("tag",)
    key_help = gettext_lazy("the resource tag")
    import_permissions = ("assets.add_resource", "assets.change_resource")
    export_permission = "assets.view_resource"
    attribute_model = Resource

    def import_rows(self, ctx: ImportContext, rows: list[Row]) -> None:
        tags = {row.get("tag") for row in rows} | {row.get("parent") for row in rows if row.get("parent")}
        resources: dict[str, Resource] = load_by(Resource.objects.select_related("area"), "tag", tags)
        areas: dict[str, Area] = load_by(Area.objects.all(), "code", (row.get("area") for row in rows))
        types: dict[str, ResourceType] = load_by(
            ResourceType.objects.all(), "name", (row.get("resource_type") for row in rows)
        )
        if ctx.attributes is not None:
            ctx.attributes.preload(resource.pk for resource in resources.values())
        for row in in_parent_order(ctx, rows, "tag", "parent"):
            self._import_row(ctx, row, resources, areas, types)

    def _import_row(
        self,
        ctx: ImportContext,
        row: Row,
        resources: dict[str, Resource],
        areas: dict[str, Area],
        types: dict[str, ResourceType],
    ) -> None:
        tag = row.get("tag")
        resource = resources.get(tag)
        if resource is not None and not ctx.may_write(resource.area.site_id):
            ctx.problem(row.number, "tag", _("This resource is in a site you do not have access to."))
            return
        area = areas.get(row.get("area"))
        if area is None:
            ctx.problem(row.number, "area", _("No area has the code “%(code)s”.") % {"code": row.get("area")})
            return
        if not ctx.may_write(area.site_id):
            ctx.problem(
                row.number, "area", _("“%(code)s” is in a site you do not have access to.") % {"code": area.code}
            )
            return
        values: dict[str, Any] = {**row.given(*RESOURCE_FIELDS), "area": area}
        for name, default in (("criticality", Criticality.MEDIUM), ("status", EntityStatus.IN_SERVICE)):
            if name in values and values[name] is None:
                values[name] = default  # an empty cell means the usual value
        if "status" in values:
            refusal = status_edit_error(resource.status if resource else None, values["status"])
            if refusal:
                ctx.problem(row.number, "status", refusal)
                return
        if row.has("parent"):
            parent_tag = row.get("parent")
            parent = resources.get(parent_tag) if parent_tag else None
            if parent_tag and parent is None:
                ctx.problem(row.number, "parent", _("No resource has the tag “%(tag)s”.") % {"tag": parent_tag})
                return
            values["parent"] = parent
        type_name = row.get("resource_type") if row.has("resource_type") else None
        new_type = None
        if type_name and type_name not in types:
            if not ctx.user.has_perm("assets.add_resourcetype"):
                ctx.problem(
                    row.number, "resource_type", _("No resource type is named “%(name)s”.") % {"name": type_name}
                )
                return
            new_type = ResourceType(name=type_name)
        elif row.has("resource_type"):
            values["resource_type"] = types.get(type_name) if type_name else None
        obj = resource or Resource()

        def write() -> None:
            if new_type is not None:
                ctx.save(new_type, {})
                ctx.tally("resource type", CREATED)
                values["resource_type"] = new_type
            action = ctx.save(obj, values)
            changed = ctx.keep_attributes(obj, row, action)
            ctx.saved(self.record, action, changed)

        if ctx.write(row, write):
            resources[tag] = obj
            if new_type is not None:
                types[new_type.name] = new_type

    def export_rows(self, user: Any, site_ids: Sequence[int] | None) -> Iterator[dict[str, Any]]:
        resources = list(
            Resource.objects.in_sites(site_ids).select_related("area", "parent", "resource_type").order_by("tag")
        )
        attributes = attributes_by_record(Resource, [resource.pk for resource in resources])
        for resource in _parents_first(resources):
            yield {
                **{name: getattr(resource, name) for name in RESOURCE_FIELDS},
                "area": resource.area.code,
                "parent": resource.parent.tag if resource.parent else "",
                "resource_type": resource.resource_type.name if resource.resource_type else "",
                "_attributes": attributes.get(resource.pk, {}),
            }


def _parents_first(resources: list[Resource]) -> list[Resource]:
    """Resources by tag, each after the resource it is part of (so the file reads top down)."""
    by_id = {resource.pk: resource for resource in resources}
    ordered: list[Resource] = []
    done: set[int] = set()

    def place(resource: Resource) -> None:
        if resource.pk in done:
            return
        done.add(resource.pk)
        if resource.parent_id in by_id:
            place(by_id[resource.parent_id])
        ordered.append(resource)

    for resource in resources:
        place(resource)
    return ordered
