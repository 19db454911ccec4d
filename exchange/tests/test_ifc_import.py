"""The IFC importer on models built with ifcopenshell: the area tree, equipment, types, attributes,
systems and zones; external keys; dry run; idempotent re-import; a changed file; the chosen site."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import ifcopenshell.api as api
import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from assets.factories import ResourceTypeFactory
from assets.models import Area, AreaKind, Resource, ResourceType
from core.errors import ActionForbidden
from core.roles import ADMINISTRATOR, PLANNER
from exchange.models import Attribute, ExternalRef, ImportMode, Scheme, System
from exchange.services import import_file
from exchange.tests.ifc_builder import PUMP, Builder, clinic
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


def run(path: Path, user: Any, mode: str = ImportMode.ALL_OR_NOTHING, **options: Any) -> Any:
    return import_file(format="ifc", path=path, original_name=path.name, user=user, options=options, mode=mode)


@pytest.fixture
def admin() -> Any:
    return make_role_user(ADMINISTRATOR)


def history_counts() -> dict[str, int]:
    return {
        model.__name__: model.history.count()  # type: ignore[attr-defined]
        for model in (Area, Resource, ResourceType, Attribute, System)
    }


def attributes_of(obj: Any) -> dict[tuple[str, str], tuple[str, str]]:
    content_type = ContentType.objects.get_for_model(obj)
    return {
        (a.group, a.name): (a.value, a.unit)
        for a in Attribute.objects.filter(content_type=content_type, object_id=obj.pk)
    }


@pytest.mark.parametrize("schema", ["IFC2X3", "IFC4", "IFC4X3"])
def test_a_model_becomes_areas_equipment_types_attributes_and_systems(tmp_path: Path, admin: Any, schema: str) -> None:
    builder, items = clinic(schema)
    report = run(builder.write(tmp_path / "clinic.ifc"), admin, time_zone="Europe/London")

    assert report.written, report.problems
    assert not report.problems
    site = Area.objects.get(kind=AreaKind.SITE)
    assert (site.name, site.time_zone) == ("Campus", "Europe/London")
    assert (site.latitude, site.longitude) == (Decimal("52.504306"), Decimal("-1.258333"))
    building = Area.objects.get(kind=AreaKind.BUILDING)
    assert building.parent == site
    floors = {area.name: area for area in Area.objects.filter(kind=AreaKind.FLOOR)}
    assert set(floors) == {"Ground floor", "First floor"}
    assert all(floor.parent == building for floor in floors.values())
    plant = Area.objects.get(kind=AreaKind.SPACE, name="G01 Plant room")
    ward = Area.objects.get(kind=AreaKind.SPACE, name="101 Ward")
    assert (plant.parent, ward.parent) == (floors["Ground floor"], floors["First floor"])
    assert (building.code, plant.code, floors["First floor"].code) == (
        "MAIN-BLOCK",
        "MAIN-BLOCK-G01",
        "MAIN-BLOCK-FIRST-FLOOR",
    )
    assert plant.site == site

    # Equipment: pumps, the air terminal (referenced in the ward, contained in the storey), the sensor and
    # the bed; not the pipe, nor the wall.
    resources = {resource.tag: resource for resource in Resource.objects.all()}
    assert set(resources) == {"P-001", "P-002", "AT-1", "TS-1", "BED-1"}
    pump = resources["P-001"]
    assert (pump.name, pump.area, pump.serial_number) == ("Pump 1", plant, "SN-1")
    assert (pump.manufacturer, pump.model_number) == ("Grundfos", "CR10-3")
    assert resources["AT-1"].area == ward
    assert resources["BED-1"].area == ward
    pump_type = ResourceType.objects.get()
    assert (pump_type.name, pump_type.manufacturer, pump_type.model_number) == ("CR 10 pump", "Grundfos", "CR10-3")
    assert set(Resource.objects.filter(resource_type=pump_type).values_list("tag", flat=True)) == {"P-001", "P-002"}

    # Property sets and quantities are attributes (with units where the file says them).
    attributes = attributes_of(pump)
    assert attributes[("IFC", "Class")] == (PUMP[schema], "")
    assert attributes[("IFC", "GlobalId")] == (items["pumps"][0].GlobalId, "")
    assert attributes[("Pset_ManufacturerOccurrence", "SerialNumber")] == ("SN-1", "")
    assert attributes[("Qto_PumpBaseQuantities", "GrossWeight")] == ("42.5", "")
    assert attributes[("Pset_PumpOccurrence", "ImpellerDiameter")][0] == "200"
    assert attributes_of(pump_type)[("Pset_ManufacturerTypeInformation", "Manufacturer")] == ("Grundfos", "")
    assert attributes_of(floors["First floor"])[("IFC", "Elevation")] == ("3500", "mm")
    assert attributes_of(plant)[("IFC", "LongName")] == ("Plant room", "")

    # The system holds its equipment (the pipe is not equipment); the zone groups the ward.
    system = System.objects.get()
    assert (system.name, system.site) == ("Heating circuit 1", site)
    assert set(system.resources.values_list("tag", flat=True)) == {"P-001", "P-002"}
    zone = Area.objects.get(kind=AreaKind.ZONE)
    assert (zone.name, zone.parent) == ("Clinical zone", floors["First floor"])
    assert attributes_of(zone)[("IFC", "Spaces")] == (ward.code, "")

    # Every record is keyed by its GlobalId within the project.
    project = items["site"].file.by_type("IfcProject")[0].GlobalId
    refs = ExternalRef.objects.filter(scheme=Scheme.IFC, scope=project)
    assert (
        refs.count() == 1 + 1 + 2 + 2 + 1 + 5 + 1 + 1
    )  # site, building, storeys, spaces, zone, equipment, type, system
    pump_ref = refs.get(key=items["pumps"][0].GlobalId)
    assert (pump_ref.kind, pump_ref.record) == (PUMP[schema], pump)

    assert report.rows[PUMP[schema]] == 2
    assert report.outcome[PUMP[schema]]["resource"]["created"] == 2
    assert report.outcome["IfcBuildingStorey"]["area"]["created"] == 2


def test_a_dry_run_writes_nothing(tmp_path: Path, admin: Any) -> None:
    builder, _items = clinic()
    report = run(builder.write(tmp_path / "clinic.ifc"), admin, mode=ImportMode.DRY_RUN)

    assert not report.written
    assert not report.problems
    assert report.outcome["IfcPump"]["resource"]["created"] == 2
    assert report.outcome["IfcSpace"]["area"]["created"] == 2
    assert not Area.objects.exists()
    assert not Resource.objects.exists()
    assert not ResourceType.objects.exists()
    assert not ExternalRef.objects.exists()
    assert not Attribute.objects.exists()
    assert not System.objects.exists()
    assert set(history_counts().values()) == {0}


def test_importing_the_same_file_again_changes_nothing(tmp_path: Path, admin: Any) -> None:
    builder, _items = clinic()
    path = builder.write(tmp_path / "clinic.ifc")
    run(path, admin)
    before = history_counts()
    stamps = sorted(Resource.objects.values_list("updated_at", flat=True))
    refs = ExternalRef.objects.count()

    again = run(path, admin)

    assert again.written
    assert not again.problems
    assert again.total("created") == again.total("updated") == 0
    assert again.total("unchanged") > 0
    assert history_counts() == before
    assert sorted(Resource.objects.values_list("updated_at", flat=True)) == stamps
    assert ExternalRef.objects.count() == refs


def test_a_changed_file_updates_the_same_records_in_place(tmp_path: Path, admin: Any) -> None:
    builder, items = clinic()
    run(builder.write(tmp_path / "v1.ifc"), admin)
    pump = Resource.objects.get(tag="P-001")
    ward = Area.objects.get(name="101 Ward")
    before = history_counts()
    areas, resources = Area.objects.count(), Resource.objects.count()

    # The designer renames a pump, moves it to the ward, changes a property, drops another, retags the
    # sensor and adds a fan; the building is renamed.
    first = items["pumps"][0]
    first.Name = "Pump 1 (duty)"
    api.run("spatial.assign_container", builder.file, relating_structure=items["ward"], products=[first])
    occurrence = next(
        rel.RelatingPropertyDefinition
        for rel in first.IsDefinedBy
        if rel.RelatingPropertyDefinition.Name == "Pset_PumpOccurrence"
    )
    api.run("pset.edit_pset", builder.file, pset=occurrence, properties={"ImpellerDiameter": 180.0})
    manufacturer = next(
        rel.RelatingPropertyDefinition
        for rel in first.IsDefinedBy
        if rel.RelatingPropertyDefinition.Name == "Pset_ManufacturerOccurrence"
    )
    api.run("pset.remove_pset", builder.file, product=first, pset=manufacturer)
    items["sensor"].Tag = "TS-100"
    items["building"].Name = "Main block (east)"
    builder.element("IfcFan", "Extract fan", items["ward"], tag="F-1")

    report = run(builder.write(tmp_path / "v2.ifc"), admin)

    assert report.written, report.problems
    assert not report.problems
    pump.refresh_from_db()
    assert (pump.name, pump.area) == ("Pump 1 (duty)", ward)
    assert pump.serial_number == "SN-1"  # a file that no longer says it does not blank what it said
    attributes = attributes_of(pump)
    assert attributes[("Pset_PumpOccurrence", "ImpellerDiameter")][0] == "180"
    assert ("Pset_ManufacturerOccurrence", "SerialNumber") not in attributes
    assert Resource.objects.filter(tag="TS-100", name="Room thermostat").exists()
    assert Resource.objects.filter(tag="F-1", area=ward).exists()
    building = Area.objects.get(kind=AreaKind.BUILDING)
    assert (building.name, building.code) == ("Main block (east)", "MAIN-BLOCK")  # a code stays
    assert (Area.objects.count(), Resource.objects.count()) == (areas, resources + 1)
    after = history_counts()
    assert after["Area"] == before["Area"] + 1
    assert after["Resource"] == before["Resource"] + 3  # the pump and the sensor changed, the fan is new
    assert after["ResourceType"] == before["ResourceType"]
    change = Resource.history.filter(tag="P-001").latest("history_id")  # type: ignore[attr-defined]
    assert (change.history_type, change.history_user, change.name) == ("~", admin, "Pump 1 (duty)")
    removed = Attribute.history.get(history_type="-")  # type: ignore[attr-defined]
    assert (removed.object_id, removed.name, removed.history_user) == (pump.pk, "SerialNumber", admin)
    assert report.outcome["IfcPump"]["resource"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert report.outcome["IfcFan"]["resource"]["created"] == 1


def test_the_option_site_puts_the_buildings_under_an_existing_site(tmp_path: Path, admin: Any) -> None:
    site = Area.objects.create(kind=AreaKind.SITE, code="NBI", name="Nairobi hospital", time_zone="Africa/Nairobi")
    builder, _items = clinic()
    path = builder.write(tmp_path / "clinic.ifc")

    report = run(path, admin, site=site.pk)

    assert report.written
    assert not report.problems
    assert Area.objects.filter(kind=AreaKind.SITE).count() == 1
    building = Area.objects.get(kind=AreaKind.BUILDING)
    assert building.parent == site
    site.refresh_from_db()
    assert (site.name, site.latitude) == ("Nairobi hospital", None)  # the chosen site is left as it is
    assert set(Resource.objects.values_list("area__site", flat=True)) == {site.pk}
    assert System.objects.get().site == site
    assert any("chosen site" in note for note in report.notes)


def test_a_user_of_some_sites_imports_into_one_of_them_only(tmp_path: Path) -> None:
    mine = Area.objects.create(kind=AreaKind.SITE, code="MINE", name="Mine", time_zone="UTC")
    other = Area.objects.create(kind=AreaKind.SITE, code="OTHER", name="Other", time_zone="UTC")
    builder, _items = clinic()
    path = builder.write(tmp_path / "clinic.ifc")
    planner = make_role_user(PLANNER, site=mine)
    with pytest.raises(ActionForbidden):
        run(path, planner, site=mine.pk)  # making areas needs assets.add_area
    planner.user_permissions.add(Permission.objects.get(codename="add_area"))
    planner = type(planner).objects.get(pk=planner.pk)  # permissions are cached on the user

    without_site = run(path, planner)
    other_site = run(path, planner, site=other.pk)
    own_site = run(path, planner, site=mine.pk)

    assert without_site.refused
    assert "Choose one of your sites" in without_site.problems[0].message
    assert other_site.refused
    assert "no site" in other_site.problems[0].message
    assert own_site.written, own_site.problems
    assert Area.objects.get(kind=AreaKind.BUILDING).parent == mine


def test_parts_of_an_assembly_are_components_of_its_resource(tmp_path: Path, admin: Any) -> None:
    b = Builder("IFC4")
    plant = b.space(b.storey(b.building(b.site())), "B01", "Plant room")
    unit = b.element("IfcUnitaryEquipment", "Air handling unit", plant, tag="AHU-1")
    fan = b.part(unit, "IfcFan", "Supply fan", Tag="AHU-1-F1")
    coil = b.part(unit, "IfcCoil", "Heating coil", Tag="AHU-1-C1")

    report = run(b.write(tmp_path / "ahu.ifc"), admin)

    assert report.written, report.problems
    ahu = Resource.objects.get(tag="AHU-1")
    assert set(ahu.components.values_list("tag", flat=True)) == {fan.Tag, coil.Tag}
    assert set(Resource.objects.values_list("area__name", flat=True)) == {"B01 Plant room"}

    # The coil is taken out of the unit: it is no longer one of its components.
    api.run("aggregate.unassign_object", b.file, products=[coil])
    api.run("spatial.assign_container", b.file, relating_structure=plant, products=[coil])
    assert run(b.write(tmp_path / "ahu-2.ifc"), admin).written
    assert set(ahu.components.values_list("tag", flat=True)) == {fan.Tag}
    assert Resource.objects.get(tag=coil.Tag).parent is None


def test_types_of_one_name_share_a_resource_type_and_different_ones_do_not(tmp_path: Path, admin: Any) -> None:
    existing = ResourceTypeFactory(name="CR 10 pump", manufacturer="", model_number="")
    b = Builder("IFC4")
    storey = b.storey(b.building(b.site()))
    cr10 = b.type("IfcPumpType", "CR 10 pump", manufacturer="Grundfos", model="CR10-3")
    same_name = b.type("IfcFanType", "CR 10 pump")
    b.element(PUMP, "Pump", storey, tag="P-1", element_type=cr10)
    b.element("IfcFan", "Fan", storey, tag="F-1", element_type=same_name)

    report = run(b.write(tmp_path / "types.ifc"), admin)

    assert report.written, report.problems
    existing.refresh_from_db()
    assert (existing.manufacturer, existing.model_number) == ("Grundfos", "CR10-3")
    assert Resource.objects.get(tag="P-1").resource_type == existing
    assert Resource.objects.get(tag="F-1").resource_type.name == "CR 10 pump (IfcFanType)"
    assert report.outcome["IfcPumpType"]["resource type"]["updated"] == 1


def test_a_model_without_a_site_is_imported_into_a_chosen_site(tmp_path: Path, admin: Any) -> None:
    site = Area.objects.create(kind=AreaKind.SITE, code="NBI", name="Nairobi", time_zone="Africa/Nairobi")
    b = Builder("IFC4")
    building = b.part(b.project, "IfcBuilding", "Annex")
    b.element(PUMP, "Pump", b.storey(building), tag="P-1")
    path = b.write(tmp_path / "annex.ifc")

    without = run(path, admin, mode=ImportMode.VALID_ROWS)
    assert [(p.sheet, p.column) for p in without.problems][:1] == [("IfcBuilding", "Decomposes")]
    assert "option" in without.problems[0].message
    assert not Area.objects.filter(kind=AreaKind.BUILDING).exists()

    report = run(path, admin, site=site.pk)
    assert report.written, report.problems
    assert Area.objects.get(kind=AreaKind.BUILDING).parent == site
    assert Resource.objects.get(tag="P-1").area.parent.parent == site
