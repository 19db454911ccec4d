"""Small IFC models for the IFC import tests, built with ifcopenshell's own API (the way an authoring
tool writes them) and written to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ifcopenshell.api as api

# The same kinds of equipment in each schema (IFC2X3 has no IfcPump: a pump is a flow moving device).
PUMP = {"IFC2X3": "IfcFlowMovingDevice", "IFC4": "IfcPump", "IFC4X3": "IfcPump"}
AIR_TERMINAL = {"IFC2X3": "IfcFlowTerminal", "IFC4": "IfcAirTerminal", "IFC4X3": "IfcAirTerminal"}
PIPE = {"IFC2X3": "IfcFlowSegment", "IFC4": "IfcPipeSegment", "IFC4X3": "IfcPipeSegment"}
FURNITURE = {"IFC2X3": "IfcFurnishingElement", "IFC4": "IfcFurniture", "IFC4X3": "IfcFurniture"}
SENSOR = {"IFC2X3": "IfcDistributionControlElement", "IFC4": "IfcSensor", "IFC4X3": "IfcSensor"}


class Builder:
    """``Builder("IFC4")``, then ``site()``, ``building()``, ``storey()``, ``space()``, ``element()``...
    and ``write(path)``."""

    def __init__(self, schema: str = "IFC4", project: str = "Clinic") -> None:
        self.schema = schema
        self.file = api.run("project.create_file", version=schema)
        if schema == "IFC2X3":  # IFC2X3 requires an owner history on every rooted entity
            person = api.run("owner.add_person", self.file)
            organisation = api.run("owner.add_organisation", self.file)
            api.run("owner.add_person_and_organisation", self.file, person=person, organisation=organisation)
            api.run("owner.add_application", self.file)
        self.project = api.run("root.create_entity", self.file, ifc_class="IfcProject", name=project)
        api.run("unit.assign_unit", self.file)  # millimetres, square and cubic metres
        api.run("context.add_context", self.file, context_type="Model")

    def _rooted(self, ifc_class: str, name: str, **attributes: Any) -> Any:
        entity = api.run("root.create_entity", self.file, ifc_class=ifc_class, name=name)
        if attributes:
            api.run("attribute.edit_attributes", self.file, product=entity, attributes=attributes)
        return entity

    def site(
        self, name: str = "Campus", latitude: tuple[int, ...] | None = None, longitude: tuple[int, ...] | None = None
    ) -> Any:
        site = self._rooted("IfcSite", name)
        if latitude is not None:
            site.RefLatitude = latitude
        if longitude is not None:
            site.RefLongitude = longitude
        api.run("aggregate.assign_object", self.file, relating_object=self.project, products=[site])
        return site

    def part(self, whole: Any, ifc_class: str, name: str, **attributes: Any) -> Any:
        entity = self._rooted(ifc_class, name, **attributes)
        api.run("aggregate.assign_object", self.file, relating_object=whole, products=[entity])
        return entity

    def building(self, site: Any, name: str = "Main block", **attributes: Any) -> Any:
        return self.part(site, "IfcBuilding", name, **attributes)

    def storey(self, building: Any, name: str = "Level 1", **attributes: Any) -> Any:
        return self.part(building, "IfcBuildingStorey", name, **attributes)

    def space(self, storey: Any, name: str = "101", long_name: str | None = None) -> Any:
        return self.part(storey, "IfcSpace", name, **({"LongName": long_name} if long_name else {}))

    def type(self, ifc_class: str, name: str, manufacturer: str | None = None, model: str | None = None) -> Any:
        element_type = self._rooted(ifc_class, name)
        properties = {key: value for key, value in (("Manufacturer", manufacturer), ("ModelReference", model)) if value}
        if properties:
            self.pset(element_type, "Pset_ManufacturerTypeInformation", properties)
        return element_type

    def element(
        self,
        kind: dict[str, str] | str,
        name: str,
        container: Any | None,
        *,
        tag: str | None = None,
        element_type: Any | None = None,
        **attributes: Any,
    ) -> Any:
        ifc_class = kind[self.schema] if isinstance(kind, dict) else kind
        element = self._rooted(ifc_class, name, **attributes)
        if tag is not None:
            element.Tag = tag
        if container is not None:
            api.run("spatial.assign_container", self.file, relating_structure=container, products=[element])
        if element_type is not None:
            api.run("type.assign_type", self.file, related_objects=[element], relating_type=element_type)
        return element

    def pset(self, product: Any, name: str, properties: dict[str, Any]) -> Any:
        pset = api.run("pset.add_pset", self.file, product=product, name=name)
        api.run("pset.edit_pset", self.file, pset=pset, properties=properties)
        return pset

    def quantities(self, product: Any, name: str, quantities: dict[str, float]) -> Any:
        qto = api.run("pset.add_qto", self.file, product=product, name=name)
        api.run("pset.edit_qto", self.file, qto=qto, properties=quantities)
        return qto

    def system(self, name: str, members: list[Any]) -> Any:
        ifc_class = "IfcSystem" if self.schema == "IFC2X3" else "IfcDistributionSystem"
        system = api.run("system.add_system", self.file, ifc_class=ifc_class)
        system.Name = name
        api.run("system.assign_system", self.file, products=members, system=system)
        return system

    def zone(self, name: str, spaces: list[Any]) -> Any:
        zone = api.run("root.create_entity", self.file, ifc_class="IfcZone", name=name)
        api.run("group.assign_group", self.file, products=spaces, group=zone)
        return zone

    def reference(self, element: Any, space: Any) -> None:
        api.run("spatial.reference_structure", self.file, products=[element], relating_structure=space)

    def write(self, path: Path) -> Path:
        self.file.write(str(path))
        return path


def clinic(schema: str = "IFC4", pumps: int = 2) -> tuple[Builder, dict[str, Any]]:
    """A clinic: one site (with its position) and building, two storeys with spaces, pumps of one type
    in the plant room with their property sets and quantities, an air terminal, a sensor, a bed, a pipe
    (not equipment), a heating system and a zone."""
    b = Builder(schema)
    site = b.site("Campus", latitude=(52, 30, 15, 500000), longitude=(-1, -15, -30, 0))
    building = b.building(site, "Main block")
    ground = b.storey(building, "Ground floor", Elevation=0.0)
    first = b.storey(building, "First floor", Elevation=3500.0)
    plant = b.space(ground, "G01", "Plant room")
    ward = b.space(first, "101", "Ward")
    pump_type = b.type("IfcPumpType", "CR 10 pump", manufacturer="Grundfos", model="CR10-3")
    items: dict[str, Any] = {
        "site": site,
        "building": building,
        "ground": ground,
        "first": first,
        "plant": plant,
        "ward": ward,
        "pump_type": pump_type,
        "pumps": [],
    }
    for number in range(1, pumps + 1):
        pump = b.element(PUMP, f"Pump {number}", plant, tag=f"P-{number:03d}", element_type=pump_type)
        b.pset(pump, "Pset_PumpOccurrence", {"ImpellerDiameter": 200.0})
        b.pset(pump, "Pset_ManufacturerOccurrence", {"SerialNumber": f"SN-{number}"})
        b.quantities(pump, "Qto_PumpBaseQuantities", {"GrossWeight": 42.5})
        items["pumps"].append(pump)
    items["terminal"] = b.element(AIR_TERMINAL, "Supply grille", first, tag="AT-1")
    b.reference(items["terminal"], ward)
    items["sensor"] = b.element(SENSOR, "Room thermostat", ward, tag="TS-1")
    items["bed"] = b.element(FURNITURE, "Hospital bed", ward, tag="BED-1")
    items["pipe"] = b.element(PIPE, "Supply pipe", plant, tag="PIPE-1")
    items["wall"] = b.element("IfcWall", "Wall", ground)
    items["system"] = b.system("Heating circuit 1", [*items["pumps"], items["pipe"]])
    items["zone"] = b.zone("Clinical zone", [ward])
    return b, items
