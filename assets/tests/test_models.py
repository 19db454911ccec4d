"""Single-row rules of the assets models: each refused by ``full_clean()`` and, where it has one, by the database."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from assets.factories import (
    AreaFactory,
    ContainerFactory,
    CounterFactory,
    MaterialFactory,
    ReadingFactory,
    ResourceFactory,
    SiteFactory,
)
from assets.models import Area, AreaKind, Attachment, Counter, CounterKind, Reading, Resource
from core.testing import assert_clean_refuses, assert_database_refuses

pytestmark = pytest.mark.django_db


def area_of_kind(kind: str, parent: Area | None) -> Area:
    if kind == AreaKind.SITE:
        return SiteFactory()
    return AreaFactory(kind=kind, parent=parent)


@pytest.fixture
def tree() -> dict[str, Area]:
    """site > building > floor > zone > space."""
    site = SiteFactory()
    building = AreaFactory(kind=AreaKind.BUILDING, parent=site)
    floor = AreaFactory(kind=AreaKind.FLOOR, parent=building)
    zone = AreaFactory(kind=AreaKind.ZONE, parent=floor)
    space = AreaFactory(kind=AreaKind.SPACE, parent=zone)
    return {"site": site, "building": building, "floor": floor, "zone": zone, "space": space}


# --- Areas -------------------------------------------------------------------------------------
class TestAreaTree:
    def test_a_site_with_a_time_zone_and_no_parent_is_accepted(self) -> None:
        SiteFactory.build(time_zone="America/Lima").full_clean()

    def test_a_site_cannot_have_a_parent(self) -> None:
        other = SiteFactory()
        site = SiteFactory.build(parent=other)
        assert_clean_refuses(site, "parent")
        assert_database_refuses(site)

    def test_a_building_needs_a_parent(self) -> None:
        building = AreaFactory.build(parent=None)
        assert_clean_refuses(building, "parent")
        assert_database_refuses(building)

    def test_a_site_needs_a_time_zone(self) -> None:
        site = SiteFactory.build(time_zone="")
        assert_clean_refuses(site, "time_zone")
        assert_database_refuses(site)

    def test_an_unknown_time_zone_is_refused(self) -> None:
        assert_clean_refuses(SiteFactory.build(time_zone="Mars/Olympus_Mons"), "time_zone")

    def test_an_unknown_kind_is_refused(self) -> None:
        site = SiteFactory()
        area = AreaFactory.build(kind="castle", parent=site)
        assert_clean_refuses(area, "kind")
        assert_database_refuses(area)

    def test_an_area_cannot_be_its_own_parent(self) -> None:
        zone = AreaFactory(kind=AreaKind.ZONE, parent=SiteFactory())
        zone.parent = zone
        assert_clean_refuses(zone, "parent")
        zone.parent_id = zone.pk
        assert_database_refuses(zone)

    @pytest.mark.parametrize(
        ("kind", "parent_kind", "allowed"),
        [
            (AreaKind.BUILDING, AreaKind.SITE, True),
            (AreaKind.BUILDING, AreaKind.BUILDING, False),
            (AreaKind.BUILDING, AreaKind.FLOOR, False),
            (AreaKind.FLOOR, AreaKind.BUILDING, True),
            (AreaKind.FLOOR, AreaKind.SITE, False),
            (AreaKind.FLOOR, AreaKind.FLOOR, False),
            (AreaKind.ZONE, AreaKind.SITE, True),
            (AreaKind.ZONE, AreaKind.BUILDING, True),
            (AreaKind.ZONE, AreaKind.FLOOR, True),
            (AreaKind.ZONE, AreaKind.ZONE, False),
            (AreaKind.SPACE, AreaKind.SITE, True),
            (AreaKind.SPACE, AreaKind.FLOOR, True),
            (AreaKind.SPACE, AreaKind.ZONE, True),
            (AreaKind.SPACE, AreaKind.SPACE, False),
        ],
    )
    def test_allowed_parent_kinds(self, tree: dict[str, Area], kind: str, parent_kind: str, allowed: bool) -> None:
        area = AreaFactory.build(kind=kind, parent=tree[parent_kind])
        if allowed:
            area.full_clean()
        else:
            assert_clean_refuses(area, "parent")

    def test_an_area_cannot_move_below_its_own_descendant(self, tree: dict[str, Area]) -> None:
        # As a zone the building could sit on a floor, but not on its own floor.
        building = Area.objects.get(pk=tree["building"].pk)
        building.kind = AreaKind.ZONE
        building.parent = tree["floor"]
        with pytest.raises(ValidationError) as excinfo:
            building.full_clean()
        assert "inside itself" in str(excinfo.value.message_dict["parent"])

    def test_an_area_may_move_below_another_branch(self, tree: dict[str, Area]) -> None:
        zone = Area.objects.get(pk=tree["zone"].pk)
        zone.parent = tree["building"]
        zone.full_clean()

    def test_path_and_site_are_kept_on_save(self, tree: dict[str, Area]) -> None:
        site, building, floor = tree["site"], tree["building"], tree["floor"]
        assert site.path == f"/{site.pk}/"
        assert site.site_id == site.pk
        assert floor.path == f"/{site.pk}/{building.pk}/{floor.pk}/"
        for area in Area.objects.filter(pk__in=[area.pk for area in tree.values()]):
            assert area.site_id == site.pk
        assert list(Area.objects.within(building)) == [building, floor, tree["zone"], tree["space"]]
        assert list(floor.ancestors()) == [site, building]

    def test_a_subtree_follows_when_it_moves_to_another_site(self, tree: dict[str, Area]) -> None:
        other_site = SiteFactory(time_zone="Asia/Kolkata")
        untouched = AreaFactory(parent=tree["site"])
        building = Area.objects.get(pk=tree["building"].pk)
        building.parent = other_site
        building.full_clean()
        building.save()

        assert building.path == f"/{other_site.pk}/{building.pk}/"
        assert building.site_id == other_site.pk
        for name in ("floor", "zone", "space"):
            moved = Area.objects.get(pk=tree[name].pk)
            assert moved.path.startswith(building.path)
            assert moved.site_id == other_site.pk
            assert str(moved.local_time_zone) == "Asia/Kolkata"
        untouched.refresh_from_db()
        assert untouched.path == f"/{tree['site'].pk}/{untouched.pk}/"
        assert untouched.site_id == tree["site"].pk


RING = [[36.80, -1.30], [36.90, -1.30], [36.90, -1.20], [36.80, -1.30]]
HOLE = [[36.85, -1.28], [36.86, -1.28], [36.86, -1.27], [36.85, -1.28]]


class TestAreaOutline:
    @pytest.mark.parametrize(
        "outline",
        [
            None,
            {"type": "Polygon", "coordinates": [RING]},
            {"type": "Polygon", "coordinates": [RING, HOLE]},
            {"type": "MultiPolygon", "coordinates": [[RING], [HOLE]]},
        ],
    )
    def test_good_outlines_are_accepted(self, outline: Any) -> None:
        AreaFactory.build(parent=SiteFactory(), outline=outline).full_clean()

    @pytest.mark.parametrize(
        "outline",
        [
            pytest.param({"type": "Point", "coordinates": [36.8, -1.3]}, id="point"),
            pytest.param([RING], id="not-a-geometry"),
            pytest.param({"type": "Polygon"}, id="no-coordinates"),
            pytest.param({"type": "Polygon", "coordinates": []}, id="empty"),
            pytest.param({"type": "Polygon", "coordinates": "36.8,-1.3"}, id="string"),
            pytest.param({"type": "MultiPolygon", "coordinates": [[]]}, id="polygon-without-ring"),
            pytest.param({"type": "Polygon", "coordinates": [RING[:3]]}, id="three-positions"),
            pytest.param({"type": "Polygon", "coordinates": [[*RING[:3], [36.7, -1.3]]]}, id="open-ring"),
            pytest.param({"type": "Polygon", "coordinates": [[[200, 0], [1, 0], [1, 1], [200, 0]]]}, id="lon-range"),
            pytest.param({"type": "Polygon", "coordinates": [[[0, 95], [1, 0], [1, 1], [0, 95]]]}, id="lat-range"),
            pytest.param({"type": "Polygon", "coordinates": [[["a", 0], [1, 0], [1, 1], ["a", 0]]]}, id="text"),
            pytest.param({"type": "Polygon", "coordinates": [[[True, 0], [1, 0], [1, 1], [True, 0]]]}, id="bool"),
            pytest.param({"type": "Polygon", "coordinates": [[[0], [1, 0], [1, 1], [0]]]}, id="one-number"),
        ],
    )
    def test_bad_outlines_are_refused(self, outline: Any) -> None:
        assert_clean_refuses(AreaFactory.build(parent=SiteFactory(), outline=outline), "outline")


# --- Coordinates (areas and resources share the rules) -----------------------------------------
def located_area(**coordinates: Any) -> Area:
    return AreaFactory.build(parent=SiteFactory(), **coordinates)


def located_resource(**coordinates: Any) -> Resource:
    return ResourceFactory.build(area=AreaFactory(), **coordinates)


@pytest.mark.parametrize("build", [located_area, located_resource], ids=["area", "resource"])
class TestCoordinates:
    def test_a_pair_in_range_is_accepted(self, build: Any) -> None:
        build(latitude=Decimal("-1.292066"), longitude=Decimal("36.821945")).full_clean()
        build(latitude=Decimal(90), longitude=Decimal(-180)).full_clean()
        build().full_clean()

    @pytest.mark.parametrize("given", [{"latitude": Decimal(1)}, {"longitude": Decimal(1)}])
    def test_half_a_pair_is_refused(self, build: Any, given: dict[str, Decimal]) -> None:
        instance = build(**given)
        assert_clean_refuses(instance, "longitude")
        assert_database_refuses(instance)

    @pytest.mark.parametrize(
        ("latitude", "longitude", "field"),
        [
            (Decimal("90.5"), Decimal(0), "latitude"),
            (Decimal(-91), Decimal(0), "latitude"),
            (Decimal(0), Decimal("180.1"), "longitude"),
            (Decimal(0), Decimal(-181), "longitude"),
        ],
    )
    def test_out_of_range_is_refused(self, build: Any, latitude: Decimal, longitude: Decimal, field: str) -> None:
        instance = build(latitude=latitude, longitude=longitude)
        assert_clean_refuses(instance, field)
        assert_database_refuses(instance)


# --- Resources, containers, materials ----------------------------------------------------------
class TestResource:
    def test_a_resource_cannot_be_part_of_itself(self) -> None:
        resource = ResourceFactory()
        resource.parent = resource
        assert_clean_refuses(resource, "parent")
        assert_database_refuses(resource)

    def test_a_resource_cannot_be_part_of_its_own_component(self) -> None:
        pump = ResourceFactory()
        motor = ResourceFactory(parent=pump)
        bearing = ResourceFactory(parent=motor)
        pump.parent = bearing
        assert_clean_refuses(pump, "parent")

    def test_a_resource_may_be_part_of_another(self) -> None:
        pump = ResourceFactory()
        motor = ResourceFactory.build(area=pump.area, parent=pump)
        motor.full_clean()

    def test_installation_before_purchase_is_refused(self) -> None:
        resource = ResourceFactory.build(
            area=AreaFactory(), purchase_date=datetime.date(2024, 5, 2), installation_date=datetime.date(2024, 5, 1)
        )
        assert_clean_refuses(resource, "installation_date")
        assert_database_refuses(resource)

    @pytest.mark.parametrize(
        ("purchased", "installed"),
        [(datetime.date(2024, 5, 1), datetime.date(2024, 5, 1)), (None, datetime.date(2024, 5, 1))],
    )
    def test_installation_on_or_after_purchase_is_accepted(
        self, purchased: datetime.date | None, installed: datetime.date
    ) -> None:
        resource = ResourceFactory.build(area=AreaFactory(), purchase_date=purchased, installation_date=installed)
        resource.full_clean()
        resource.save()

    @pytest.mark.parametrize(("field", "value"), [("status", "broken"), ("criticality", 9)])
    def test_unknown_choices_are_refused(self, field: str, value: Any) -> None:
        resource = ResourceFactory.build(area=AreaFactory(), **{field: value})
        assert_clean_refuses(resource, field)
        assert_database_refuses(resource)

    def test_in_sites_scopes_by_the_site_of_the_area(self, tree: dict[str, Area]) -> None:
        here = ResourceFactory(area=tree["space"])
        also_here = ResourceFactory(area=tree["site"])
        elsewhere = ResourceFactory()
        assert set(Resource.objects.in_sites([tree["site"].pk])) == {here, also_here}
        assert set(Resource.objects.in_sites([])) == set()
        assert set(Resource.objects.in_sites(None)) == {here, also_here, elsewhere}
        assert set(Resource.objects.in_site(elsewhere.area.site)) == {elsewhere}
        assert set(Area.objects.in_sites([tree["site"].pk])) == {*tree.values()}


class TestContainer:
    def test_a_capacity_needs_a_unit(self) -> None:
        container = ContainerFactory.build(area=AreaFactory(), capacity=Decimal(10), capacity_unit="")
        assert_clean_refuses(container, "capacity_unit")
        assert_database_refuses(container)

    @pytest.mark.parametrize("capacity", [Decimal(0), Decimal(-5)])
    def test_a_capacity_must_be_positive(self, capacity: Decimal) -> None:
        container = ContainerFactory.build(area=AreaFactory(), capacity=capacity)
        assert_clean_refuses(container, "capacity")
        assert_database_refuses(container)

    @pytest.mark.parametrize(("capacity", "unit"), [(Decimal("0.5"), "m³"), (None, "")])
    def test_a_positive_capacity_with_unit_or_none_is_accepted(self, capacity: Decimal | None, unit: str) -> None:
        container = ContainerFactory.build(area=AreaFactory(), capacity=capacity, capacity_unit=unit)
        container.full_clean()
        container.save()

    def test_an_unknown_status_is_refused(self) -> None:
        container = ContainerFactory.build(area=AreaFactory(), status="leaking")
        assert_clean_refuses(container, "status")
        assert_database_refuses(container)


class TestMaterial:
    def test_code_and_lot_are_unique_together(self) -> None:
        first = MaterialFactory(code="NAOCL", lot_number="L1")
        duplicate = MaterialFactory.build(area=first.area, code="NAOCL", lot_number="L1")
        assert_clean_refuses(duplicate, NON_FIELD_ERRORS)
        assert_database_refuses(duplicate)

    def test_another_lot_of_the_same_code_is_accepted(self) -> None:
        first = MaterialFactory(code="NAOCL", lot_number="L1")
        other_lot = MaterialFactory.build(area=first.area, code="NAOCL", lot_number="L2")
        other_lot.full_clean()
        other_lot.save()

    def test_a_negative_quantity_is_refused(self) -> None:
        material = MaterialFactory.build(area=AreaFactory(), quantity=Decimal(-1))
        assert_clean_refuses(material, "quantity")
        assert_database_refuses(material)

    def test_a_unit_is_required(self) -> None:
        material = MaterialFactory.build(area=AreaFactory(), unit="")
        assert_clean_refuses(material, "unit")
        assert_database_refuses(material)


# --- Counters and readings ---------------------------------------------------------------------
ENTITY_FACTORIES = {
    "area": AreaFactory,
    "resource": ResourceFactory,
    "container": ContainerFactory,
    "material": MaterialFactory,
}


class TestCounter:
    def test_a_counter_needs_an_entity(self) -> None:
        counter = Counter(name="Hours", unit="h")
        assert_clean_refuses(counter, NON_FIELD_ERRORS)
        assert_database_refuses(counter)

    def test_a_counter_has_only_one_entity(self) -> None:
        counter = Counter(name="Hours", unit="h", resource=ResourceFactory(), container=ContainerFactory())
        assert_clean_refuses(counter, NON_FIELD_ERRORS)
        assert_database_refuses(counter)

    @pytest.mark.parametrize("field", list(ENTITY_FACTORIES))
    def test_one_entity_of_any_kind_is_accepted(self, field: str) -> None:
        entity = ENTITY_FACTORIES[field]()
        counter = Counter(name="Hours", unit="h", **{field: entity})
        counter.full_clean()
        counter.save()
        assert counter.entity == entity

    @pytest.mark.parametrize("field", list(ENTITY_FACTORIES))
    def test_a_name_is_unique_per_entity(self, field: str) -> None:
        entity = ENTITY_FACTORIES[field]()
        Counter.objects.create(name="Hours", unit="h", **{field: entity})
        duplicate = Counter(name="Hours", unit="h", **{field: entity})
        with pytest.raises(ValidationError) as excinfo:
            duplicate.full_clean()
        assert excinfo.value.message_dict[NON_FIELD_ERRORS] == ["This entity already has a counter of this name."]
        assert_database_refuses(duplicate)
        elsewhere = Counter(name="Hours", unit="h", **{field: ENTITY_FACTORIES[field]()})
        elsewhere.full_clean()
        elsewhere.save()

    def test_a_unit_is_required(self) -> None:
        counter = CounterFactory.build(resource=ResourceFactory(), unit="")
        assert_clean_refuses(counter, "unit")
        assert_database_refuses(counter)

    def test_an_unknown_kind_is_refused(self) -> None:
        counter = CounterFactory.build(resource=ResourceFactory(), kind="odometer")
        assert_clean_refuses(counter, "kind")
        assert_database_refuses(counter)


def at(day: int, hour: int = 8) -> datetime.datetime:
    return datetime.datetime(2025, 3, day, hour, tzinfo=datetime.UTC)


@pytest.fixture
def hours() -> Counter:
    """A cumulative counter read 100 on the 1st and 200 on the 10th."""
    counter = CounterFactory(kind=CounterKind.CUMULATIVE)
    ReadingFactory(counter=counter, taken_at=at(1), value=Decimal(100))
    ReadingFactory(counter=counter, taken_at=at(10), value=Decimal(200))
    return counter


class TestReading:
    def test_a_cumulative_counter_may_go_up_or_stay(self, hours: Counter) -> None:
        Reading(counter=hours, taken_at=at(11), value=Decimal(200)).full_clean()
        Reading(counter=hours, taken_at=at(12), value=Decimal("200.5")).full_clean()

    def test_a_cumulative_counter_never_goes_backwards(self, hours: Counter) -> None:
        assert_clean_refuses(Reading(counter=hours, taken_at=at(11), value=Decimal(150)), "value")

    def test_a_reset_may_go_backwards(self, hours: Counter) -> None:
        Reading(counter=hours, taken_at=at(11), value=Decimal(3), is_reset=True).full_clean()

    def test_an_inserted_reading_must_fit_between_its_neighbours(self, hours: Counter) -> None:
        Reading(counter=hours, taken_at=at(5), value=Decimal(150)).full_clean()
        assert_clean_refuses(Reading(counter=hours, taken_at=at(5), value=Decimal(250)), "value")
        assert_clean_refuses(Reading(counter=hours, taken_at=at(5), value=Decimal(50)), "value")

    def test_an_inserted_reading_may_exceed_a_later_reset(self, hours: Counter) -> None:
        ReadingFactory(counter=hours, taken_at=at(20), value=Decimal(4), is_reset=True)
        Reading(counter=hours, taken_at=at(15), value=Decimal(260)).full_clean()

    def test_editing_a_reading_checks_against_the_others(self, hours: Counter) -> None:
        first = hours.readings.get(taken_at=at(1))
        first.value = Decimal(199)
        first.full_clean()
        first.value = Decimal(201)
        assert_clean_refuses(first, "value")

    def test_a_cumulative_counter_cannot_be_negative(self) -> None:
        counter = CounterFactory(kind=CounterKind.CUMULATIVE)
        assert_clean_refuses(Reading(counter=counter, taken_at=at(1), value=Decimal(-1)), "value")

    def test_a_gauge_may_go_down_and_below_zero(self) -> None:
        gauge = CounterFactory(kind=CounterKind.GAUGE, unit="°C")
        ReadingFactory(counter=gauge, taken_at=at(1), value=Decimal(20))
        Reading(counter=gauge, taken_at=at(2), value=Decimal(-4)).full_clean()

    def test_a_gauge_is_never_reset(self) -> None:
        gauge = CounterFactory(kind=CounterKind.GAUGE, unit="°C")
        assert_clean_refuses(Reading(counter=gauge, taken_at=at(1), value=Decimal(1), is_reset=True), "is_reset")

    def test_one_reading_per_counter_and_time(self, hours: Counter) -> None:
        duplicate = Reading(counter=hours, taken_at=at(10), value=Decimal(200))
        assert_clean_refuses(duplicate, NON_FIELD_ERRORS)
        assert_database_refuses(duplicate)

    def test_an_unknown_source_is_refused(self, hours: Counter) -> None:
        reading = Reading(counter=hours, taken_at=at(11), value=Decimal(300), source="pigeon")
        assert_clean_refuses(reading, "source")
        assert_database_refuses(reading)

    def test_latest_reading(self, hours: Counter) -> None:
        assert hours.latest_reading().value == Decimal(200)


# --- Attachments -------------------------------------------------------------------------------
def attachment(name: str, content: bytes, content_type: str = "application/pdf") -> Attachment:
    resource = ResourceFactory()
    return Attachment(
        content_type=ContentType.objects.get_for_model(Resource),
        object_id=resource.pk,
        file=SimpleUploadedFile(name, content, content_type=content_type),
    )


class TestAttachment:
    def test_a_file_is_saved_with_its_name_size_and_type(self) -> None:
        manual = attachment("Pump manual.pdf", b"%PDF-1.4 manual")
        manual.full_clean()
        manual.save()
        assert (manual.original_name, manual.size, manual.mime_type) == ("Pump manual.pdf", 15, "application/pdf")
        assert str(manual) == "Pump manual.pdf"
        assert isinstance(manual.record, Resource)

    @override_settings(ATTACHMENT_MAX_BYTES=10)
    def test_the_size_limit_is_inclusive(self) -> None:
        attachment("ten.txt", b"x" * 10, "text/plain").full_clean()
        assert_clean_refuses(attachment("eleven.txt", b"x" * 11, "text/plain"), "file")

    @pytest.mark.parametrize("name", ["setup.exe", "README", "photo.jpg.sh"])
    def test_other_types_are_refused(self, name: str) -> None:
        assert_clean_refuses(attachment(name, b"data", "application/octet-stream"), "file")

    def test_the_extension_is_matched_in_any_case(self) -> None:
        attachment("SCAN.PDF", b"%PDF").full_clean()

    def test_an_empty_file_is_refused(self) -> None:
        empty = attachment("empty.pdf", b"")
        assert_clean_refuses(empty, "file")
        assert_database_refuses(empty)

    def test_a_replaced_file_refreshes_name_size_and_type(self) -> None:
        drawing = attachment("drawing.pdf", b"%PDF-1.4 first")
        drawing.save()
        drawing.file = SimpleUploadedFile("photo.png", b"\x89PNG replaced", content_type="image/png")
        drawing.full_clean()
        drawing.save()
        drawing.refresh_from_db()
        assert (drawing.original_name, drawing.size, drawing.mime_type) == ("photo.png", 13, "image/png")
