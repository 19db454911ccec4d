"""Reading a parsed IFC model into plain rows: the spatial tree (site, building, storey, space), the
equipment with its place, type and parts, the types, the systems and the zones, each with its IFC
attributes, property sets and quantities (with their units).

What counts as equipment: every ``IfcDistributionElement`` (flow terminals, controllers, moving devices,
energy conversion devices, storage and treatment devices, chambers, and the control elements: sensors,
actuators, alarms) except ``IfcFlowSegment`` and ``IfcFlowFitting`` (pipes, ducts, cables and their
fittings, which COBie leaves out of its components too), and ``IfcFurnishingElement`` and
``IfcTransportElement`` (lifts, escalators, conveyors). Walls, doors, windows and building element
proxies are not equipment.

Problems of the file's own content (a missing or repeated GlobalId, a date that is not a date, a
latitude out of range) are reported here, on the entity's row; the writer skips those rows."""

from __future__ import annotations

import datetime
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import ifcopenshell
import ifcopenshell.util.element as ifc_element
import ifcopenshell.util.unit as ifc_unit
from django.utils.translation import gettext as _

from assets.models import AreaKind
from exchange.files import FileRefused
from exchange.refs import AttributeValue
from exchange.report import ImportReport

EQUIPMENT_CLASSES = ("IfcDistributionElement", "IfcFurnishingElement", "IfcTransportElement")
NOT_EQUIPMENT_CLASSES = ("IfcFlowSegment", "IfcFlowFitting")
NOT_SYSTEM_CLASSES = ("IfcZone", "IfcStructuralAnalysisModel")
IFC_GROUP = "IFC"  # the attribute group of an entity's own IFC attributes (class, GlobalId, Tag...)
MANUFACTURER_TYPE = "Pset_ManufacturerTypeInformation"
MANUFACTURER_OCCURRENCE = "Pset_ManufacturerOccurrence"
WARRANTY = "Pset_Warranty"
COBIE_COMPONENT = "COBie_Component"
_GLOBAL_ID = re.compile(r"^[0-9A-Za-z_$]{22}$")
_SIX_PLACES = Decimal("0.000001")

SI_SYMBOLS = {
    "AMPERE": "A",
    "BECQUEREL": "Bq",
    "CANDELA": "cd",
    "COULOMB": "C",
    "CUBIC_METRE": "m3",
    "DEGREE_CELSIUS": "°C",
    "FARAD": "F",
    "GRAM": "g",
    "GRAY": "Gy",
    "HENRY": "H",
    "HERTZ": "Hz",
    "JOULE": "J",
    "KELVIN": "K",
    "LUMEN": "lm",
    "LUX": "lx",
    "METRE": "m",
    "MOLE": "mol",
    "NEWTON": "N",
    "OHM": "Ω",
    "PASCAL": "Pa",
    "RADIAN": "rad",
    "SECOND": "s",
    "SIEMENS": "S",
    "SIEVERT": "Sv",
    "SQUARE_METRE": "m2",
    "STERADIAN": "sr",
    "TESLA": "T",
    "VOLT": "V",
    "WATT": "W",
    "WEBER": "Wb",
}


@dataclass
class Row:
    """One entity of the file: its STEP id (``#123``, the report's row), class (the report's sheet) and
    GlobalId (its external key), and everything it says that is kept as attributes."""

    step_id: int
    ifc_class: str
    global_id: str
    name: str
    description: str = ""
    attributes: list[AttributeValue] = field(default_factory=list)

    def value(self, group: str, name: str) -> str:
        for item in self.attributes:
            if item.group == group and item.name == name:
                return item.value
        return ""


@dataclass
class SpatialRow(Row):
    kind: str = ""  # the area kind, or "" for a spatial element MMS keeps no area for (its parts go up)
    short_name: str = ""  # the IFC Name alone (a space's number), for the area's code
    parent: int | None = None  # the spatial element it is part of (IfcRelAggregates)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    address: str = ""


@dataclass
class ElementRow(Row):
    tag: str = ""
    container: int | None = None  # IfcRelContainedInSpatialStructure (its own, or its assembly's)
    spaces: list[int] = field(default_factory=list)  # IfcRelReferencedInSpatialStructure
    whole: int | None = None  # the equipment it is part of (IfcRelAggregates or IfcRelNests)
    type_id: int | None = None
    manufacturer: str = ""
    model_number: str = ""
    serial_number: str = ""
    purchase_date: datetime.date | None = None
    installation_date: datetime.date | None = None
    warranty_end: datetime.date | None = None


@dataclass
class TypeRow(Row):
    manufacturer: str = ""
    model_number: str = ""


@dataclass
class GroupRow(Row):
    """A system (its equipment) or a zone (its spaces)."""

    category: str = ""
    members: list[int] = field(default_factory=list)


@dataclass
class Model:
    schema: str
    project_id: int
    project_guid: str
    project_name: str
    spatial: list[SpatialRow]  # parents before their parts
    elements: list[ElementRow]
    types: dict[int, TypeRow]
    systems: list[GroupRow]
    zones: list[GroupRow]


def text(value: Any) -> str:
    """An IFC label or text as a string (a writer may put a number where a label belongs)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | int | float):
        return format_value(value)
    return ""


def format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, ".15g")
    if isinstance(value, list | tuple):
        return ", ".join(format_value(item) for item in value)
    if isinstance(value, ifcopenshell.entity_instance):
        if not value.is_entity():  # a defined type wrapping a value: IfcLabel('x'), IfcLengthMeasure(2.5)
            return format_value(value.wrappedValue)
        return text(getattr(value, "Name", None)) or f"{value.is_a()} #{value.id()}"
    return str(value).strip()


def unit_symbol(unit: Any) -> str:
    """A short symbol for an IFC unit (mm, m2, kW, °C, ft, N/m2, EUR...)."""
    if unit is None:
        return ""
    if unit.is_a("IfcSIUnit"):
        prefix = ifc_unit.prefix_symbols.get(unit.Prefix or "", "")
        return prefix + SI_SYMBOLS.get(str(unit.Name).replace("METER", "METRE"), str(unit.Name).lower())
    if unit.is_a("IfcDerivedUnit"):
        above: list[str] = []
        below: list[str] = []
        for element in unit.Elements or ():
            symbol = unit_symbol(element.Unit)
            exponent = int(element.Exponent)
            if abs(exponent) != 1:
                symbol += str(abs(exponent))
            (above if exponent > 0 else below).append(symbol)
        result = ".".join(above) or "1"
        return result + ("/" + ".".join(below) if below else "")
    if unit.is_a("IfcMonetaryUnit"):
        return format_value(unit.Currency)
    name = text(getattr(unit, "Name", None))
    return ifc_unit.unit_symbols.get(name, name)


class Properties:
    """Property sets and quantities of entities as attribute values, with the unit of each value (its
    own, or the project's unit for its kind of measure)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self._symbols: dict[int, str] = {}
        ifc_unit.cache_units(model)

    def _unit(self, prop: Any) -> str:
        try:
            unit = ifc_unit.get_property_unit(prop, self.model, use_cache=True)
        except (AttributeError, RuntimeError, TypeError, ValueError):
            return ""
        if unit is None:
            return ""
        if unit.id() not in self._symbols:
            self._symbols[unit.id()] = unit_symbol(unit)
        return self._symbols[unit.id()]

    def _property(self, group: str, name: str, prop: Any, out: list[AttributeValue]) -> None:
        description = text(getattr(prop, "Description", None))
        if prop.is_a("IfcComplexProperty"):
            for part in prop.HasProperties or ():
                self._property(group, f"{name}.{text(part.Name)}", part, out)
            return
        if prop.is_a("IfcPhysicalComplexQuantity"):
            for part in prop.HasQuantities or ():
                self._property(group, f"{name}.{text(part.Name)}", part, out)
            return
        unit = ""
        if prop.is_a("IfcPropertySingleValue"):
            value = format_value(prop.NominalValue)
            unit = self._unit(prop) if prop.NominalValue is not None else ""
        elif prop.is_a("IfcPropertyEnumeratedValue"):
            value = format_value(prop.EnumerationValues)
        elif prop.is_a("IfcPropertyListValue"):
            value = format_value(prop.ListValues)
            unit = self._unit(prop)
        elif prop.is_a("IfcPropertyBoundedValue"):
            bounds = [format_value(prop.LowerBoundValue), format_value(prop.UpperBoundValue)]
            value = " – ".join(bounds) if any(bounds) else ""
            if getattr(prop, "SetPointValue", None) is not None:
                value += (" " if value else "") + _("(set point %(value)s)") % {
                    "value": format_value(prop.SetPointValue)
                }
            unit = self._unit(prop)
        elif prop.is_a("IfcPropertyTableValue"):
            pairs = zip(prop.DefiningValues or (), prop.DefinedValues or (), strict=False)
            value = "; ".join(f"{format_value(a)}: {format_value(b)}" for a, b in pairs)
        elif prop.is_a("IfcPropertyReferenceValue"):
            value = format_value(prop.PropertyReference)
        elif prop.is_a("IfcPhysicalSimpleQuantity"):
            value = format_value(prop[3])
            unit = self._unit(prop)
        else:
            return
        out.append(AttributeValue(name=name[:200], value=value, group=group[:200], unit=unit, description=description))

    def of(self, entity: Any, *, own_only: bool = True) -> list[AttributeValue]:
        """The entity's property sets and quantities (for an occurrence, its own only: its type's are
        the type's attributes)."""
        out: list[AttributeValue] = []
        try:
            sets = ifc_element.get_psets(entity, should_inherit=not own_only, verbose=True)
        except (AttributeError, RuntimeError, TypeError) as error:
            out.append(AttributeValue(name="error", value=str(error), group=IFC_GROUP))
            return out
        for group, props in sets.items():
            for name, item in props.items():
                if name == "id":
                    continue
                if isinstance(item, dict) and "id" in item:
                    self._property(text(group), text(name) or f"#{item['id']}", self.model.by_id(item["id"]), out)
                else:  # an attribute of a predefined property set (IfcDoorLiningProperties...)
                    out.append(AttributeValue(name=text(name)[:200], value=format_value(item), group=text(group)[:200]))
        return out


def compound_degrees(value: Any) -> Decimal | None:
    """An IfcCompoundPlaneAngleMeasure (degrees, minutes, seconds, millionths of a second; all of one
    sign) in decimal degrees, or None."""
    if not value:
        return None
    parts = [int(part) for part in value] + [0, 0, 0]
    degrees, minutes, seconds, millionths = parts[:4]
    total = (
        Decimal(abs(degrees))
        + Decimal(abs(minutes)) / 60
        + Decimal(abs(seconds)) / 3600
        + Decimal(abs(millionths)) / 3_600_000_000
    )
    negative = any(part < 0 for part in parts[:4])
    return (-total if negative else total).quantize(_SIX_PLACES, rounding=ROUND_HALF_UP)


def postal_address(address: Any) -> str:
    if address is None or not address.is_a("IfcPostalAddress"):
        return ""
    lines = [text(line) for line in address.AddressLines or ()]
    town = " ".join(part for part in (text(address.PostalCode), text(address.Town)) if part)
    lines += [text(address.PostalBox), town, text(address.Region), text(address.Country)]
    return "\n".join(line for line in lines if line)


def by_type(model: Any, ifc_class: str) -> list[Any]:
    """Instances of ``ifc_class`` and its subtypes; none when the schema has no such class."""
    try:
        return list(model.by_type(ifc_class))
    except RuntimeError:
        return []


def spatial_kind(entity: Any) -> str:
    if entity.is_a("IfcSite"):
        return AreaKind.SITE
    if entity.is_a("IfcBuilding") or entity.is_a("IfcFacility"):
        return AreaKind.BUILDING
    if entity.is_a("IfcBuildingStorey") or entity.is_a("IfcFacilityPart"):
        return AreaKind.FLOOR
    if entity.is_a("IfcSpace"):
        return AreaKind.SPACE
    return ""


def is_spatial(entity: Any) -> bool:
    return bool(entity.is_a("IfcSpatialElement") or entity.is_a("IfcSpatialStructureElement"))


def is_equipment(entity: Any) -> bool:
    return any(entity.is_a(name) for name in EQUIPMENT_CLASSES) and not any(
        entity.is_a(name) for name in NOT_EQUIPMENT_CLASSES
    )


class Reader:
    """Reads one model into rows, reporting the problems of the file's own content."""

    def __init__(self, model: Any, report: ImportReport) -> None:
        self.model = model
        self.report = report
        self.properties = Properties(model)
        self._guids: dict[str, tuple[int, str]] = {}

    # --- shared ---------------------------------------------------------------------------------
    def _row_start(self, entity: Any) -> tuple[int, str, str]:
        """(step id, class, GlobalId) of an entity, reporting a bad or repeated GlobalId."""
        step_id, ifc_class = entity.id(), entity.is_a()
        global_id = text(getattr(entity, "GlobalId", None))
        if not _GLOBAL_ID.match(global_id):
            self.report.problem(
                ifc_class,
                step_id,
                "GlobalId",
                _("%(value)r is not an IFC GlobalId (22 characters of 0-9, A-Z, a-z, _ and $).") % {"value": global_id},
            )
        elif global_id in self._guids:
            other_id, other_class = self._guids[global_id]
            self.report.problem(
                ifc_class,
                step_id,
                "GlobalId",
                _("The GlobalId %(guid)s is also the GlobalId of #%(other)s (%(class)s); each entity needs its own.")
                % {"guid": global_id, "other": other_id, "class": other_class},
            )
        else:
            self._guids[global_id] = (step_id, ifc_class)
        return step_id, ifc_class, global_id

    def _own_attributes(self, entity: Any, names: Iterable[str]) -> list[AttributeValue]:
        values = [
            AttributeValue(name="Class", value=entity.is_a(), group=IFC_GROUP),
            AttributeValue(name="GlobalId", value=text(getattr(entity, "GlobalId", None)), group=IFC_GROUP),
        ]
        predefined = text(getattr(entity, "PredefinedType", None))
        if predefined and predefined not in ("NOTDEFINED", "USERDEFINED"):
            values.append(AttributeValue(name="PredefinedType", value=predefined, group=IFC_GROUP))
        for name in ("ObjectType", "ElementType", "LongName", *names):
            value = getattr(entity, name, None)
            if value is not None and (shown := format_value(value)):
                unit = self._length_unit if name.startswith(("Elevation", "RefElevation")) else ""
                values.append(AttributeValue(name=name, value=shown, group=IFC_GROUP, unit=unit))
        return values

    @property
    def _length_unit(self) -> str:
        if not hasattr(self, "_length_symbol"):
            unit = ifc_unit.get_project_unit(self.model, "LENGTHUNIT", use_cache=True)
            self._length_symbol = unit_symbol(unit)
        return self._length_symbol

    def _date(self, row: Row, group: str, name: str) -> datetime.date | None:
        raw = row.value(group, name)
        if not raw:
            return None
        try:
            return datetime.date.fromisoformat(raw[:10])
        except ValueError:
            self.report.problem(
                row.ifc_class,
                row.step_id,
                f"{group}.{name}",
                _("%(value)r is not a date (write it as YYYY-MM-DD).") % {"value": raw},
            )
            return None

    # --- the spatial tree -----------------------------------------------------------------------
    def _spatial(self, entity: Any, parent: int | None) -> SpatialRow:
        step_id, ifc_class, global_id = self._row_start(entity)
        name, long_name = text(entity.Name), text(getattr(entity, "LongName", None))
        if name and long_name and long_name.lower() not in name.lower():
            display = f"{name} {long_name}"
        else:
            display = name or long_name or f"{ifc_class} #{step_id}"
        row = SpatialRow(
            step_id=step_id,
            ifc_class=ifc_class,
            global_id=global_id,
            name=display[:200],
            description=text(entity.Description),
            kind=spatial_kind(entity),
            short_name=name or long_name,
            parent=parent,
        )
        extra = ("Elevation", "ElevationWithFlooring", "RefElevation", "ElevationOfRefHeight", "ElevationOfTerrain")
        row.attributes = self._own_attributes(entity, extra) + self.properties.of(entity)
        if row.description:
            row.attributes.append(AttributeValue(name="Description", value=row.description, group=IFC_GROUP))
        address = getattr(entity, "SiteAddress", None) or getattr(entity, "BuildingAddress", None)
        row.address = postal_address(address)
        if entity.is_a("IfcSite"):
            self._coordinates(entity, row)
        return row

    def _coordinates(self, site: Any, row: SpatialRow) -> None:
        try:
            latitude, longitude = compound_degrees(site.RefLatitude), compound_degrees(site.RefLongitude)
        except (TypeError, ValueError):
            self.report.problem(row.ifc_class, row.step_id, "RefLatitude", _("The site's position cannot be read."))
            return
        if latitude == 0 and longitude == 0:
            return  # what writers put when nobody set the site's position
        if (latitude is None) != (longitude is None):
            column = "RefLongitude" if longitude is None else "RefLatitude"
            self.report.problem(
                row.ifc_class, row.step_id, column, _("The site has one of latitude and longitude; give both.")
            )
        elif latitude is not None and longitude is not None:
            if not -90 <= latitude <= 90:
                self.report.problem(
                    row.ifc_class, row.step_id, "RefLatitude", _("A latitude is between -90 and 90 degrees.")
                )
            elif not -180 <= longitude <= 180:
                self.report.problem(
                    row.ifc_class, row.step_id, "RefLongitude", _("A longitude is between -180 and 180 degrees.")
                )
            else:
                row.latitude, row.longitude = latitude, longitude

    def spatial_tree(self, project: Any) -> list[SpatialRow]:
        """The spatial elements under the project, parents first. Some writers contain a space in its
        storey (IfcRelContainedInSpatialStructure) instead of aggregating it: it is read as a part too."""
        rows: list[SpatialRow] = []
        seen: set[int] = {project.id()}
        queue: deque[Any] = deque([project])
        contained = 0
        while queue:
            node = queue.popleft()
            parts = [
                (part, False)
                for rel in getattr(node, "IsDecomposedBy", None) or ()
                if rel.is_a("IfcRelAggregates")
                for part in rel.RelatedObjects or ()
            ]
            parts += [
                (part, True)
                for rel in getattr(node, "ContainsElements", None) or ()
                for part in rel.RelatedElements or ()
            ]
            for part, by_containment in parts:
                if part.id() in seen or not is_spatial(part):
                    continue
                seen.add(part.id())
                contained += by_containment
                rows.append(self._spatial(part, None if node is project else node.id()))
                queue.append(part)
        if contained:
            self.report.notes.append(
                _(
                    "%(count)s spatial element(s) are contained in their storey or building rather than aggregated "
                    "into it (IfcRelContainedInSpatialStructure instead of IfcRelAggregates); they were read as "
                    "its parts."
                )
                % {"count": contained}
            )
        for entity in by_type(self.model, "IfcSpatialStructureElement") + by_type(self.model, "IfcSpatialElement"):
            if entity.id() in seen or not spatial_kind(entity):
                continue
            seen.add(entity.id())
            self.report.problem(
                entity.is_a(),
                entity.id(),
                "Decomposes",
                _(
                    "%(name)s is not part of the project's spatial structure (no IfcRelAggregates links it to a "
                    "storey, building or site), so MMS cannot tell where it is."
                )
                % {"name": text(entity.Name) or entity.is_a()},
            )
        return rows

    # --- equipment and its types ----------------------------------------------------------------
    def _type(self, entity: Any) -> TypeRow:
        step_id, ifc_class, global_id = self._row_start(entity)
        row = TypeRow(
            step_id=step_id,
            ifc_class=ifc_class,
            global_id=global_id,
            name=(text(entity.Name) or f"{ifc_class} #{step_id}")[:200],
            description=text(entity.Description),
        )
        row.attributes = self._own_attributes(entity, ("Tag",)) + self.properties.of(entity, own_only=False)
        row.manufacturer = row.value(MANUFACTURER_TYPE, "Manufacturer")[:200]
        row.model_number = (
            row.value(MANUFACTURER_TYPE, "ModelReference") or row.value(MANUFACTURER_TYPE, "ModelLabel")
        )[:100]
        return row

    def _element(self, entity: Any, equipment_ids: set[int], types: dict[int, TypeRow]) -> ElementRow:
        step_id, ifc_class, global_id = self._row_start(entity)
        row = ElementRow(step_id=step_id, ifc_class=ifc_class, global_id=global_id, name="")
        row.tag = text(getattr(entity, "Tag", None))
        row.description = text(entity.Description)
        type_entity = ifc_element.get_type(entity)
        type_row = None
        if type_entity is not None:
            type_row = types.get(type_entity.id())
            if type_row is None:
                type_row = types[type_entity.id()] = self._type(type_entity)
            row.type_id = type_row.step_id
        row.name = (
            text(entity.Name)
            or text(entity.ObjectType)
            or (type_row.name if type_row else "")
            or f"{ifc_class} {step_id}"
        )[:200]
        row.attributes = self._own_attributes(entity, ("Tag",)) + self.properties.of(entity)
        row.container = self._container(entity)
        row.spaces = [
            rel.RelatingStructure.id()
            for rel in getattr(entity, "ReferencedInStructures", None) or ()
            if rel.RelatingStructure is not None and rel.RelatingStructure.is_a("IfcSpace")
        ]
        whole = ifc_element.get_aggregate(entity) or ifc_element.get_nest(entity)
        if whole is not None and whole.id() in equipment_ids:
            row.whole = whole.id()
        own_manufacturer = row.value(MANUFACTURER_TYPE, "Manufacturer")
        own_model = row.value(MANUFACTURER_TYPE, "ModelReference") or row.value(MANUFACTURER_TYPE, "ModelLabel")
        row.manufacturer = (own_manufacturer or (type_row.manufacturer if type_row else ""))[:200]
        row.model_number = (own_model or (type_row.model_number if type_row else ""))[:100]
        row.serial_number = (
            row.value(MANUFACTURER_OCCURRENCE, "SerialNumber") or row.value(COBIE_COMPONENT, "SerialNumber")
        )[:100]
        row.purchase_date = self._date(row, MANUFACTURER_OCCURRENCE, "AcquisitionDate")
        row.installation_date = self._date(row, COBIE_COMPONENT, "InstallationDate")
        row.warranty_end = self._date(row, WARRANTY, "WarrantyEndDate")
        if row.warranty_end is None and type_row is not None and type_row.value(WARRANTY, "WarrantyEndDate"):
            row.warranty_end = self._date(type_row, WARRANTY, "WarrantyEndDate")
        return row

    @staticmethod
    def _container(entity: Any) -> int | None:
        node, seen = entity, set()
        while node is not None and node.id() not in seen:
            seen.add(node.id())
            rels = getattr(node, "ContainedInStructure", None)
            if rels and rels[0].RelatingStructure is not None:
                return int(rels[0].RelatingStructure.id())
            node = ifc_element.get_aggregate(node) or ifc_element.get_nest(node)
        return None

    def equipment(self) -> tuple[list[ElementRow], dict[int, TypeRow]]:
        entities: dict[int, Any] = {}
        for ifc_class in EQUIPMENT_CLASSES:
            for entity in by_type(self.model, ifc_class):
                if is_equipment(entity):
                    entities[entity.id()] = entity
        types: dict[int, TypeRow] = {}
        ids = set(entities)
        rows = [self._element(entities[step_id], ids, types) for step_id in sorted(entities)]
        return rows, types

    # --- systems and zones ----------------------------------------------------------------------
    def _group(self, entity: Any, members: list[int]) -> GroupRow:
        step_id, ifc_class, global_id = self._row_start(entity)
        predefined = text(getattr(entity, "PredefinedType", None))
        category = predefined if predefined not in ("", "NOTDEFINED", "USERDEFINED") else text(entity.ObjectType)
        row = GroupRow(
            step_id=step_id,
            ifc_class=ifc_class,
            global_id=global_id,
            name=(text(entity.Name) or text(getattr(entity, "LongName", None)) or f"{ifc_class} #{step_id}")[:200],
            description=text(entity.Description),
            category=category[:200],
            members=members,
        )
        row.attributes = self._own_attributes(entity, ()) + self.properties.of(entity)
        return row

    def systems(self) -> list[GroupRow]:
        rows = []
        for entity in by_type(self.model, "IfcSystem"):
            if any(entity.is_a(name) for name in NOT_SYSTEM_CLASSES):
                continue
            members = [m.id() for m in ifc_element.get_grouped_by(entity, is_recursive=False)]
            rows.append(self._group(entity, members))
        return rows

    def zones(self) -> list[GroupRow]:
        rows = []
        for entity in by_type(self.model, "IfcZone"):
            members = [m.id() for m in ifc_element.get_grouped_by(entity) if m.is_a("IfcSpace")]
            rows.append(self._group(entity, sorted(set(members))))
        return rows


def read_model(model: Any, report: ImportReport) -> Model:
    """Every row MMS imports from ``model``, with the rows read counted per entity class."""
    reader = Reader(model, report)
    project = model.by_type("IfcProject")[0]
    project_guid = text(project.GlobalId)
    if not _GLOBAL_ID.match(project_guid):
        raise FileRefused(
            _("The IfcProject (#%(id)s) has no valid GlobalId, which MMS needs to recognise the model again.")
            % {"id": project.id()}
        )
    reader._guids[project_guid] = (project.id(), project.is_a())
    spatial = reader.spatial_tree(project)
    elements, types = reader.equipment()
    result = Model(
        schema=str(model.schema),
        project_id=project.id(),
        project_guid=project_guid,
        project_name=text(project.Name) or text(getattr(project, "LongName", None)),
        spatial=spatial,
        elements=elements,
        types=types,
        systems=reader.systems(),
        zones=reader.zones(),
    )
    counts: dict[str, int] = {}
    for rows in (result.spatial, result.elements, list(result.types.values()), result.systems, result.zones):
        for row in rows:
            counts[row.ifc_class] = counts.get(row.ifc_class, 0) + 1
    for ifc_class, count in sorted(counts.items()):
        report.read(ifc_class, count)
    return result
