"""The COBie exporter: a site's register (or every site the user sees) as a COBie 2.4 workbook.

Each record is written under its COBie name (the external key an import bound it to, else its own
name), its fields in their columns, the attributes that hold its other columns back in those columns,
property-set attributes as Attribute rows, and the rows kept whole (Coordinate, Impact, contacts that are
no vendor...) as they were read. Importing the export into an empty database and exporting again gives
the same rows in every sheet.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from assets.models import Area, AreaKind, Resource, ResourceType
from core.scoping import visible_site_ids
from exchange.cobie import schema
from exchange.cobie.context import GROUP, KEY_SEPARATOR
from exchange.cobie.records import GUID, kept_record_of
from exchange.models import Attribute, DocumentReference, ExternalRef, Scheme, System, ZoneSpace
from inventory.models import Part, SparePart, Vendor
from people.models import Certification
from plans.models import Activity, MaintenancePlan, PlanInstance, TimeUnit

CHUNK = 500
EMPTY = "n/a"
SHEET_OF_KIND: dict[str, str] = {
    AreaKind.BUILDING: "Facility",
    AreaKind.FLOOR: "Floor",
    AreaKind.SPACE: "Space",
    AreaKind.ZONE: "Zone",
    AreaKind.SITE: "Facility",
}
SHEET_OF_MODEL: dict[type[models.Model], str] = {
    ResourceType: "Type",
    Resource: "Component",
    System: "System",
    Vendor: "Contact",
    Part: "Spare",
    Activity: "Job",
    Certification: "Resource",
    DocumentReference: "Document",
}
UNIT_WORD: dict[str, str] = {
    TimeUnit.HOURS: "hour",
    TimeUnit.DAYS: "day",
    TimeUnit.WEEKS: "week",
    TimeUnit.MONTHS: "month",
    TimeUnit.YEARS: "year",
}


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for first in range(0, len(ids), CHUNK):
        yield ids[first : first + CHUNK]


class _Register:
    """The records of the export with their COBie names and attributes, loaded a chunk at a time."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.names: dict[tuple[int, int], str] = {}
        self.attributes: dict[tuple[int, int], list[Attribute]] = defaultdict(list)
        self.scopes: set[str] = set()

    def load(self, model: type[models.Model], objects: Iterable[models.Model], kind: str) -> None:
        content_type = ContentType.objects.get_for_model(model)
        ids = [int(obj.pk) for obj in objects]
        for chunk in _chunks(ids):
            refs = ExternalRef.objects.filter(
                scheme=Scheme.COBIE, content_type=content_type, object_id__in=chunk, kind=kind
            ).order_by("id")
            for ref in refs:
                self.names.setdefault((content_type.pk, ref.object_id), ref.key)
            for attr in Attribute.objects.filter(content_type=content_type, object_id__in=chunk).order_by("id"):
                self.attributes[(content_type.pk, attr.object_id)].append(attr)

    def name(self, obj: models.Model, default: str) -> str:
        key = self.names.get((ContentType.objects.get_for_model(obj).pk, int(obj.pk)))
        return key if key is not None else default

    def attrs(self, obj: models.Model) -> list[Attribute]:
        return self.attributes.get((ContentType.objects.get_for_model(obj).pk, int(obj.pk)), [])

    def columns(self, obj: models.Model) -> dict[str, str]:
        return {a.name: a.value for a in self.attrs(obj) if a.group == GROUP}


class CobieExporter:
    format = "cobie"
    label = cast(str, gettext_lazy("COBie workbook (facility handover)"))
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    permission = "assets.view_area"
    options: tuple[str, ...] = ("site",)

    def export(self, *, user: Any, options: dict[str, Any]) -> bytes:
        site_ids = visible_site_ids(user)
        sites = Area.objects.sites().in_sites(site_ids)
        if options.get("site") not in (None, ""):
            try:
                chosen = int(options["site"])
            except (TypeError, ValueError):
                raise ValueError(_("Choose the site by its number.")) from None
            sites = sites.filter(pk=chosen)
            if not sites.exists():
                raise ValueError(_("There is no site %(site)s among the sites you may see.") % {"site": chosen})
        rows = _Writer(user, list(sites)).rows()
        return _workbook(rows)


def _workbook(rows: dict[str, list[dict[str, str]]]) -> bytes:
    book = Workbook(write_only=True)
    for sheet in schema.SHEETS:
        ws = book.create_sheet(sheet)
        columns = list(schema.COLUMNS[sheet])
        extra = sorted({key for row in rows.get(sheet, []) for key in row} - set(columns))
        ws.append(columns + extra)
        for row in rows.get(sheet, []):
            ws.append([row.get(column) or EMPTY for column in columns + extra])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


class _Writer:
    def __init__(self, user: Any, sites: list[Area]) -> None:
        self.user = user
        self.sites = sites
        self.reg = _Register(user)
        self.out: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.author = getattr(user, "email", "") or EMPTY

    # --- helpers --------------------------------------------------------------------------------
    def row(self, sheet: str, obj: models.Model | None, values: dict[str, str]) -> None:
        """A row of ``sheet``: the record's COBie columns kept as attributes, then its fields."""
        row: dict[str, str] = {}
        if obj is not None:
            row.update(self.reg.columns(obj))
            row.setdefault("CreatedOn", _stamp(getattr(obj, "updated_at", None)))
        row.setdefault("CreatedBy", self.author)
        row.update({key: value for key, value in values.items() if value not in (None, "")})
        self.out[sheet].append(row)

    def properties(self, sheet: str, obj: models.Model, name: str) -> None:
        """The record's property-set attributes as Attribute rows, and its kept rows as they were."""
        columns = self.reg.columns(obj)
        for attr in self.reg.attrs(obj):
            if attr.group == GROUP:
                continue
            kept = kept_record_of(attr.group)
            if kept is not None:
                try:
                    content = json.loads(attr.value)
                except ValueError:
                    continue
                if isinstance(content, dict):
                    self.out[kept].append({str(k): str(v) for k, v in content.items()})
                continue
            where = {"ExtObject": attr.group, "ExtIdentifier": EMPTY} if GUID.match(attr.group) else {}
            self.out["Attribute"].append(
                {
                    "Name": attr.name,
                    "CreatedBy": columns.get("CreatedBy", self.author),
                    "CreatedOn": columns.get("CreatedOn", _stamp(getattr(obj, "updated_at", None))),
                    "Category": "Requirement",
                    "SheetName": sheet,
                    "RowName": name,
                    "Value": attr.value,
                    "Unit": attr.unit,
                    "ExtObject": "IfcPropertySingleValue",
                    "ExtIdentifier": attr.group,
                    "Description": attr.description,
                    **where,
                }
            )

    # --- the sheets -----------------------------------------------------------------------------
    def rows(self) -> dict[str, list[dict[str, str]]]:
        areas = list(Area.objects.in_sites([site.pk for site in self.sites]).order_by("path"))
        by_kind: dict[str, list[Area]] = defaultdict(list)
        for area in areas:
            by_kind[area.kind].append(area)
        for kind in (AreaKind.BUILDING, AreaKind.FLOOR, AreaKind.SPACE, AreaKind.ZONE):
            self.reg.load(Area, by_kind[kind], SHEET_OF_KIND[kind])
        by_id = {area.pk: area for area in areas}
        area_names = {area.pk: self.reg.name(area, area.name) for area in areas}
        for building in by_kind[AreaKind.BUILDING]:
            self.reg.scopes.add(area_names[building.pk])
            site = by_id.get(building.site_id or 0)
            self.row("Facility", building, {"Name": area_names[building.pk], "SiteName": site.name if site else ""})
            self.properties("Facility", building, area_names[building.pk])
        for floor in by_kind[AreaKind.FLOOR]:
            self.row("Floor", floor, {"Name": area_names[floor.pk]})
            self.properties("Floor", floor, area_names[floor.pk])
        for space in by_kind[AreaKind.SPACE]:
            floor_name = _floor_of(space, by_id, area_names)
            self.row("Space", space, {"Name": area_names[space.pk], "FloorName": floor_name})
            self.properties("Space", space, area_names[space.pk])
        members: dict[int, list[int]] = defaultdict(list)
        zone_ids = [zone.pk for zone in by_kind[AreaKind.ZONE]]
        for chunk in _chunks(zone_ids):
            for zone_id, space_id in ZoneSpace.objects.filter(zone_id__in=chunk).values_list("zone_id", "space_id"):
                members[zone_id].append(space_id)
        for zone in by_kind[AreaKind.ZONE]:
            spaces = sorted(area_names[s] for s in members[zone.pk] if s in area_names) or [""]
            for space_name in spaces:
                self.row("Zone", zone, {"Name": area_names[zone.pk], "SpaceNames": space_name})
            self.properties("Zone", zone, area_names[zone.pk])
        self._equipment(area_names)
        for sheet, rows in self.out.items():
            rows.sort(key=lambda row: tuple(row.get(column, "") for column in schema.COLUMNS.get(sheet, ["Name"])))
        return self.out

    def _equipment(self, area_names: dict[int, str]) -> None:
        resources = list(Resource.objects.in_sites([s.pk for s in self.sites]).order_by("tag"))
        self.reg.load(Resource, resources, "Component")
        type_ids = {r.resource_type_id for r in resources if r.resource_type_id}
        bound_types = ExternalRef.objects.filter(
            scheme=Scheme.COBIE,
            kind="Type",
            scope__in=self.reg.scopes,
            content_type=ContentType.objects.get_for_model(ResourceType),
        ).values_list("object_id", flat=True)
        type_ids.update(bound_types)
        types = list(ResourceType.objects.filter(pk__in=type_ids).order_by("name"))
        self.reg.load(ResourceType, types, "Type")
        type_names = {t.pk: self.reg.name(t, t.name) for t in types}
        vendors = self._contacts()
        for kind in types:
            columns = self.reg.columns(kind)
            self.row(
                "Type",
                kind,
                {
                    "Name": type_names[kind.pk],
                    "Manufacturer": columns.get("Manufacturer") or kind.manufacturer,
                    "ModelNumber": kind.model_number,
                    "Description": kind.description,
                },
            )
            self.properties("Type", kind, type_names[kind.pk])
        component_names = {}
        for item in resources:
            name = self.reg.name(item, item.name)
            component_names[item.pk] = name
            columns = self.reg.columns(item)
            area_name = area_names.get(item.area_id, "")
            spaces = columns.get("Space", "")
            space = spaces if spaces.split(",")[0].strip() == area_name else area_name
            self.row(
                "Component",
                item,
                {
                    "Name": name,
                    "TypeName": type_names.get(item.resource_type_id or 0, ""),
                    "Space": space,
                    "Description": item.description,
                    "SerialNumber": item.serial_number,
                    "InstallationDate": item.installation_date.isoformat() if item.installation_date else "",
                    "TagNumber": columns.get("TagNumber") or item.tag,
                },
            )
            self.properties("Component", item, name)
        self._systems(component_names)
        self._spares(types, type_names)
        self._jobs(resources, type_names)
        self._documents(vendors)

    def _contacts(self) -> list[Vendor]:
        ids = ExternalRef.objects.filter(
            scheme=Scheme.COBIE,
            kind="Contact",
            scope__in=self.reg.scopes,
            content_type=ContentType.objects.get_for_model(Vendor),
        ).values_list("object_id", flat=True)
        vendors = list(Vendor.objects.filter(pk__in=list(ids)).order_by("code"))
        self.reg.load(Vendor, vendors, "Contact")
        for vendor in vendors:
            email = self.reg.name(vendor, vendor.email or vendor.code)
            self.row("Contact", vendor, {"Email": email, "Company": vendor.name, "Phone": vendor.phone})
            self.properties("Contact", vendor, email)
        return vendors

    def _systems(self, component_names: dict[int, str]) -> None:
        systems = list(System.objects.filter(site__in=self.sites).order_by("name"))
        self.reg.load(System, systems, "System")
        through = System.resources.through
        members: dict[int, list[int]] = defaultdict(list)
        for chunk in _chunks([s.pk for s in systems]):
            for system_id, resource_id in through.objects.filter(system_id__in=chunk).values_list(
                "system_id", "resource_id"
            ):
                members[system_id].append(resource_id)
        for system in systems:
            name = self.reg.name(system, system.name)
            names = sorted(component_names[r] for r in members[system.pk] if r in component_names) or [""]
            for component in names:
                values = {"Name": name, "Category": system.category, "Description": system.description}
                self.row("System", system, {**values, "ComponentNames": component})
            self.properties("System", system, name)

    def _spares(self, types: list[ResourceType], type_names: dict[int, str]) -> None:
        lines = list(SparePart.objects.filter(resource_type__in=types).select_related("part").order_by("id"))
        parts = {line.part_id: line.part for line in lines}
        self.reg.load(Part, parts.values(), "Spare")
        for line in lines:
            part = line.part
            assert line.resource_type_id is not None
            key = self.reg.name(part, "")
            type_name, _sep, spare_name = key.partition(KEY_SEPARATOR)
            if not spare_name or type_name != type_names[line.resource_type_id]:
                type_name, spare_name = type_names[line.resource_type_id], part.description
            values = {"Name": spare_name, "TypeName": type_name, "Description": part.description}
            self.row("Spare", part, {**values, "PartNumber": part.part_number})
            self.properties("Spare", part, spare_name)

    def _jobs(self, resources: list[Resource], type_names: dict[int, str]) -> None:
        plan_type: dict[int, str] = {}
        content_type = ContentType.objects.get_for_model(MaintenancePlan)
        for object_id, key in ExternalRef.objects.filter(
            scheme=Scheme.COBIE, kind="JobPlan", scope__in=self.reg.scopes, content_type=content_type
        ).values_list("object_id", "key"):
            plan_type[object_id] = key
        types_of_plan: dict[int, set[int]] = defaultdict(set)
        for chunk in _chunks([r.pk for r in resources]):
            for plan_id, type_id in PlanInstance.objects.filter(resource_id__in=chunk).values_list(
                "plan_id", "resource__resource_type_id"
            ):
                types_of_plan[plan_id].add(type_id or 0)
        for plan_id, type_ids in types_of_plan.items():
            if plan_id not in plan_type and len(type_ids) == 1 and (only := next(iter(type_ids))) in type_names:
                plan_type[plan_id] = type_names[only]
        plans = MaintenancePlan.objects.filter(pk__in=list(plan_type)).select_related("effective_version")
        activities: list[tuple[str, Activity]] = []
        for plan in plans:
            version = plan.effective_version or plan.latest_version()
            if version is None:
                continue
            for activity in version.activities.prefetch_related("personnel__certification"):
                activities.append((plan_type[plan.pk], activity))
        self.reg.load(Activity, [a for _t, a in activities], "Job")
        certifications = {
            p.certification_id: p.certification for _t, a in activities for p in a.personnel.all() if p.certification_id
        }
        bound = ExternalRef.objects.filter(
            scheme=Scheme.COBIE,
            kind="Resource",
            scope__in=self.reg.scopes,
            content_type=ContentType.objects.get_for_model(Certification),
        ).values_list("object_id", flat=True)
        for certification in Certification.objects.filter(pk__in=list(bound)):
            certifications.setdefault(certification.pk, certification)
        self.reg.load(Certification, certifications.values(), "Resource")
        for certification in sorted(certifications.values(), key=lambda c: c.name):
            assert certification is not None
            name = self.reg.name(certification, certification.name)
            values = {"Name": name, "Category": "Training", "Description": certification.description}
            self.row("Resource", certification, values)
            self.properties("Resource", certification, name)
        for type_name, activity in activities:
            columns = self.reg.columns(activity)
            values = {"Name": activity.name, "TypeName": type_name, "Description": activity.instructions}
            if "Frequency" not in columns and activity.time_interval:
                values["Frequency"] = str(activity.time_interval)
                values["FrequencyUnit"] = UNIT_WORD.get(activity.time_unit, activity.time_unit)
            if "Duration" not in columns and activity.estimated_minutes:
                values["Duration"] = str(activity.estimated_minutes)
                values["DurationUnit"] = "minute"
            if "ResourceNames" not in columns:
                needs = [
                    self.reg.name(p.certification, p.certification.name) if p.certification else p.trade
                    for p in activity.personnel.all()
                ]
                values["ResourceNames"] = ", ".join(n for n in needs if n)
            self.row("Job", activity, values)
            self.properties("Job", activity, activity.name)

    def _documents(self, vendors: list[Vendor]) -> None:
        """Documents about the exported records (whose sheet and name the rows above gave)."""
        names: dict[tuple[int, int], tuple[str, str]] = {}
        for (content_type_id, object_id), name in self.reg.names.items():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            sheet = SHEET_OF_MODEL.get(model) if model is not None else None
            if model is Area:
                continue
            if sheet in ("Spare", "Job"):
                name = name.split(KEY_SEPARATOR, 1)[-1].split("#", 1)[0]
            if sheet:
                names[(content_type_id, object_id)] = (sheet, name)
        area_type = ContentType.objects.get_for_model(Area)
        for (content_type_id, object_id), name in self.reg.names.items():
            if content_type_id == area_type.pk:
                names[(content_type_id, object_id)] = ("", name)
        documents: list[DocumentReference] = []
        by_type: dict[int, list[int]] = defaultdict(list)
        for content_type_id, object_id in names:
            by_type[content_type_id].append(object_id)
        for content_type_id, ids in by_type.items():
            for chunk in _chunks(ids):
                documents += DocumentReference.objects.filter(content_type_id=content_type_id, object_id__in=chunk)
        self.reg.load(DocumentReference, documents, "Document")
        sheets_of_areas = self._area_sheets()
        for document in documents:
            sheet, row_name = names[(document.content_type_id, document.object_id)]
            sheet = sheet or sheets_of_areas.get(document.object_id, "Space")
            values = {
                "Name": document.name,
                "Category": document.category,
                "ApprovalBy": document.approved_by,
                "Stage": document.stage,
                "SheetName": sheet,
                "RowName": row_name,
                "Directory": document.directory,
                "File": document.file_name,
                "Reference": document.reference,
                "Description": document.description,
            }
            self.row("Document", document, values)
            self.properties("Document", document, document.name)

    def _area_sheets(self) -> dict[int, str]:
        areas = Area.objects.in_sites([s.pk for s in self.sites]).values_list("pk", "kind")
        return {pk: SHEET_OF_KIND.get(kind, "Space") for pk, kind in areas}


def _floor_of(space: Area, by_id: dict[int, Area], names: dict[int, str]) -> str:
    parent = by_id.get(space.parent_id or 0)
    while parent is not None and parent.kind != AreaKind.FLOOR:
        parent = by_id.get(parent.parent_id or 0)
    return names[parent.pk] if parent is not None else ""


def _stamp(value: Any) -> str:
    return value.replace(microsecond=0).isoformat() if value is not None else ""
