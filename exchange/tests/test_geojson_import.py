"""The ``geojson`` importer: points and outlines onto existing areas and equipment, every problem with its
feature and path, nothing written on a problem (unless the valid rows are asked for), idempotent, and an
export read back in changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group

from assets.models import Area, Resource
from core.errors import ActionForbidden
from exchange import registry
from exchange.models import ImportMode
from exchange.report import ImportReport
from exchange.services import export_file, import_file
from exchange.tests.geo_setup import GeoSite, by_key
from people.factories import make_role_user

pytestmark = pytest.mark.django_db

OUTLINE_CW = [[36.9, -1.3], [36.91, -1.3], [36.91, -1.31], [36.9, -1.31], [36.9, -1.3]]  # clockwise


@pytest.fixture
def world() -> GeoSite:
    return GeoSite()


@pytest.fixture
def administrator() -> Any:
    return make_role_user("Administrator", username="geo-admin")


def point(tag: str, lon: Any, lat: Any, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"tag": tag, **properties},
    }


def polygon(code: str, rings: list[Any], **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": rings},
        "properties": {"code": code, **properties},
    }


def collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def run(
    tmp_path: Path,
    content: Any,
    user: Any,
    site: Area,
    mode: str = ImportMode.ALL_OR_NOTHING,
    name: str = "positions.geojson",
) -> ImportReport:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    return import_file(format="geojson", path=path, original_name=name, user=user, options={"site": site.pk}, mode=mode)


def problems(report: ImportReport) -> dict[int | None, tuple[str, str]]:
    return {p.row: (p.column, p.message) for p in report.problems}


def test_points_and_outlines_land_on_the_records_they_name(tmp_path: Path, world: GeoSite, administrator: Any) -> None:
    report = run(
        tmp_path,
        collection(
            point("P-101", 36.82190049, -1.29215),
            point("V-7", 36.8231, -1.2931, name="Inlet valve (renamed in the GIS: ignored)"),
            polygon("NW-STORE", [OUTLINE_CW]),
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [36.83, -1.28, 1650.5]},
                "properties": {"code": "NW-R1"},
            },
        ),
        administrator,
        world.site,
    )
    assert report.problems == []
    assert report.written
    assert report.rows == {"features": 4}
    assert report.outcome["features"] == {
        "resource": {"created": 0, "updated": 2, "unchanged": 0},
        "area": {"created": 0, "updated": 2, "unchanged": 0},
    }
    world.pump.refresh_from_db()
    assert (world.pump.longitude, world.pump.latitude) == (Decimal("36.821900"), Decimal("-1.292150"))
    world.valve.refresh_from_db()
    assert (world.valve.longitude, world.valve.latitude, world.valve.name) == (
        Decimal("36.8231"),
        Decimal("-1.2931"),
        "Inlet valve",
    )
    world.store.refresh_from_db()
    assert world.store.outline == {"type": "Polygon", "coordinates": [list(reversed(OUTLINE_CW))]}, "right-hand rule"
    world.room.refresh_from_db()
    assert (world.room.longitude, world.room.latitude) == (Decimal("36.83"), Decimal("-1.28"))


def test_importing_the_same_file_again_changes_nothing(tmp_path: Path, world: GeoSite, administrator: Any) -> None:
    content = collection(point("P-101", 36.8, -1.3), polygon("NW-STORE", [OUTLINE_CW]))
    assert run(tmp_path, content, administrator, world.site).total("updated") == 2
    history = (Resource.history.count(), Area.history.count())
    again = run(tmp_path, content, administrator, world.site)
    assert again.written
    assert again.problems == []
    assert (again.total("updated"), again.total("unchanged")) == (0, 2)
    assert (Resource.history.count(), Area.history.count()) == history


def test_every_problem_names_its_feature_and_path_and_nothing_is_written(
    tmp_path: Path, world: GeoSite, administrator: Any
) -> None:
    ring = [[36.9, -1.3], [36.91, -1.3], [36.91, -1.31], [36.9, -1.31]]
    bad_multi = {
        "type": "Feature",
        "geometry": {
            "type": "MultiPolygon",
            "coordinates": [[[[36.9, -1.3], [36.91, -1.3], [36.91, "x"], [36.9, -1.3]]]],
        },
        "properties": {"code": "NW-R1"},
    }
    content = collection(
        point("P-101", 36.8, -1.3),  # 1: fine
        point("NOPE", 36.8, -1.3),  # 2
        point("V-7", 200, -1.3),  # 3
        point("M-3", 10, 95),  # 4
        point("C-1", "36.8", -1.3),  # 5
        polygon("NW-STORE", [ring]),  # 6: not closed
        polygon("NW-PLANT", [[[36.9, -1.3], [36.91, -1.3], [36.9, -1.3]]]),  # 7: three positions
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [OUTLINE_CW]},
            "properties": {"tag": "V-7"},
        },  # 8
        point("S-1", 39.6, -4.0),  # 9: South yard's pump
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [36.8, -1.3]},
            "properties": {"code": "NW-STORE", "site": "SY"},
        },  # 10
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[36.8, -1.3], [36.9, -1.3]]},
            "properties": {"tag": "M-3"},
        },  # 11
        {"type": "Feature", "geometry": None, "properties": {"tag": "C-1"}},  # 12
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [36.8, -1.3]},
            "properties": {"colour": "red"},
        },  # 13
        point("P-101", 36.7, -1.2),  # 14: again
        point("C-1", 36.8, "NaN"),  # 15 (written as NaN below: not JSON, but files have it)
        {"type": "Point", "coordinates": [36.8, -1.3]},  # 16
        point("C-1", 36.8, -1.3, kind="pump"),  # 17
        bad_multi,  # 18
    )
    text = json.dumps(content).replace('"NaN"', "NaN")
    report = run(tmp_path, text.encode(), administrator, world.site)
    found = problems(report)
    assert {row: column for row, (column, _message) in found.items()} == {
        2: "properties.tag",
        3: "geometry.coordinates[0]",
        4: "geometry.coordinates[1]",
        5: "geometry.coordinates[0]",
        6: "geometry.coordinates[0]",
        7: "geometry.coordinates[0]",
        8: "geometry.type",
        9: "properties.tag",
        10: "properties.site",
        11: "geometry.type",
        12: "geometry",
        13: "properties",
        14: "properties.tag",
        15: "geometry.coordinates[1]",
        16: "type",
        17: "properties.kind",
        18: "geometry.coordinates[0][0][2][1]",
    }
    assert "No equipment has the tag NOPE" in found[2][1]
    assert "-180 to 180" in found[3][1]
    assert "swapped" in found[4][1]
    assert "must be a number, not '36.8'" in found[5][1]
    assert "not closed" in found[6][1]
    assert "at least 4 positions" in found[7][1]
    assert "Equipment takes a Point" in found[8][1]
    assert "another site" in found[9][1]
    assert "SY" in found[10][1]
    assert "LineString geometries are not imported" in found[11][1]
    assert "Feature 1 already places" in found[14][1]
    assert "not 'NaN'" in found[15][1]
    assert not report.written
    world.pump.refresh_from_db()
    assert world.pump.longitude == Decimal("36.8219"), "all or nothing: the good feature was not written either"

    valid = run(tmp_path, text.encode(), administrator, world.site, mode=ImportMode.VALID_ROWS)
    assert valid.written
    assert valid.total("updated") == 1
    assert sorted(row for _sheet, row in valid.skipped_rows()) == sorted(found)
    world.pump.refresh_from_db()
    assert (world.pump.longitude, world.pump.latitude) == (Decimal("36.8"), Decimal("-1.3"))


def test_a_dry_run_counts_and_writes_nothing(tmp_path: Path, world: GeoSite, administrator: Any) -> None:
    report = run(tmp_path, collection(point("P-101", 36.8, -1.3)), administrator, world.site, mode=ImportMode.DRY_RUN)
    assert report.total("updated") == 1
    assert not report.written
    world.pump.refresh_from_db()
    assert world.pump.longitude == Decimal("36.8219")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"type": "FeatureCollection", "features": [', "not valid JSON: Expecting value at line 1, column 44"),
        ('{"type": "FeatureCollection", "features": [], "name": "Stra\u00dfe"}'.encode("latin-1"), "not UTF-8"),
        (b"[1, 2]", "not GeoJSON"),
        (b'{"type": "Polygon", "coordinates": []}', "a GeoJSON Polygon, not a FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": {}}', "no list of features"),
        (
            b'{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},'
            b' "features": []}',
            "EPSG::3857",
        ),
        (b"PK\x03\x04 a workbook renamed", "spreadsheet or an archive"),
        (b"", "empty"),
    ],
)
def test_files_that_are_not_geojson_are_refused_whole(
    tmp_path: Path, world: GeoSite, administrator: Any, content: bytes, message: str
) -> None:
    report = run(tmp_path, content, administrator, world.site)
    assert report.refused
    assert not report.written
    assert message in report.problems[0].message


def test_wgs84_crs_members_bom_and_a_single_feature_are_read(
    tmp_path: Path, world: GeoSite, administrator: Any
) -> None:
    legacy = collection(point("P-101", 36.8, -1.3))
    legacy["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    report = run(tmp_path, b"\xef\xbb\xbf" + json.dumps(legacy).encode(), administrator, world.site, name="qgis.json")
    assert report.written
    assert report.total("updated") == 1
    single = run(tmp_path, point("V-7", 36.7, -1.2), administrator, world.site)
    assert single.written
    assert single.total("updated") == 1
    wrong_extension = run(tmp_path, legacy, administrator, world.site, name="positions.txt")
    assert wrong_extension.refused
    assert ".geojson" in wrong_extension.problems[0].message


def test_features_may_name_their_record_by_id_or_name(tmp_path: Path, world: GeoSite, administrator: Any) -> None:
    Resource.objects.filter(pk=world.crate.pk).update(name="Inlet valve")  # two things named "Inlet valve" now
    report = run(
        tmp_path,
        collection(
            {
                "type": "Feature",
                "id": "resource:V-7",
                "geometry": {"type": "Point", "coordinates": [36.1, -1.1]},
                "properties": None,
            },
            {
                "type": "Feature",
                "id": "NW-STORE",
                "geometry": {"type": "Point", "coordinates": [36.2, -1.2]},
                "properties": {},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [36.3, -1.3]},
                "properties": {"name": "Flow meter"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [36.4, -1.4]},
                "properties": {"name": "Inlet valve"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [36.5, -1.5]},
                "properties": {"kind": "area", "tag": "P-101", "code": "NW-R1"},
            },
            {
                "type": "Feature",
                "id": "area:NW-PLANT:point",
                "geometry": {"type": "Point", "coordinates": [36.6, -1.6]},
            },
        ),
        administrator,
        world.site,
        mode=ImportMode.VALID_ROWS,
    )
    assert problems(report) == {
        4: ("properties.name", "2 records at this site are named Inlet valve: give the tag or code instead.")
    }
    for record, lon in (
        (world.valve, "36.1"),
        (world.store, "36.2"),
        (world.meter, "36.3"),
        (world.room, "36.5"),
        (world.plant, "36.6"),
    ):
        record.refresh_from_db()
        assert record.longitude == Decimal(lon), record
    world.pump.refresh_from_db()
    assert world.pump.longitude == Decimal("36.8219"), "kind area: the code, not the tag"


def test_who_may_import_and_what(tmp_path: Path, world: GeoSite) -> None:
    content = collection(point("P-101", 36.8, -1.3), polygon("NW-STORE", [OUTLINE_CW]), point("S-1", 39.6, -4.0))
    planner = make_role_user("Planner", site=world.site)
    with pytest.raises(ActionForbidden):
        run(tmp_path, content, planner, world.site)  # imports, but may not change equipment
    with pytest.raises(ActionForbidden):
        run(tmp_path, content, world.supervisor, world.site)  # changes equipment, but may not import
    both = make_role_user("Planner", site=world.site)
    both.groups.add(Group.objects.get(name="Supervisor"))
    report = run(tmp_path, content, both, world.site, mode=ImportMode.VALID_ROWS)
    assert problems(report) == {
        2: ("properties.code", "You may not change areas."),
        3: ("properties.tag", "No equipment has the tag S-1 in your sites."),  # South yard is not one of theirs
    }
    assert report.written
    assert report.total("updated") == 1
    other = run(tmp_path, content, both, world.other_site)
    assert other.refused
    assert "among your sites" in other.problems[0].message


def test_the_site_option_is_required_and_must_be_the_users(world: GeoSite, administrator: Any) -> None:
    importer = registry.importer("geojson")
    assert importer.options == ("site",)
    assert importer.extensions == ("geojson", "json")
    with pytest.raises(ValueError, match="Choose the site"):
        importer.clean_options({}, administrator)
    with pytest.raises(ValueError, match="among your sites"):
        importer.clean_options({"site": world.plant.pk}, administrator)  # an area, not a site
    with pytest.raises(ValueError, match="among your sites"):
        importer.clean_options({"site": 2**70}, administrator)
    assert importer.clean_options({"site": str(world.site.pk)}, administrator) == {"site": world.site.pk}


def test_an_export_read_back_changes_nothing_and_restores_what_was_lost(
    tmp_path: Path, world: GeoSite, administrator: Any
) -> None:
    world.add_orders()
    exported, _name, _type = export_file(format="geojson", user=administrator, options={"site": world.site.pk})
    first = run(tmp_path, exported, administrator, world.site)
    assert first.problems == []
    assert first.written
    assert (first.total("created"), first.total("updated")) == (0, 0)
    assert first.total("unchanged") == 6, "the site, the plant, the pump and the three placed at their areas"
    assert any('position_source "area"' in note for note in first.notes)
    world.valve.refresh_from_db()
    assert world.valve.latitude is None, "the valve took no position from its area's"

    # Lose the pump's position and the plant's outline, then read the export back in.
    Resource.objects.filter(pk=world.pump.pk).update(latitude=None, longitude=None)
    Area.objects.filter(pk=world.plant.pk).update(outline=None)
    restored = run(tmp_path, exported, administrator, world.site)
    assert restored.written
    assert restored.total("updated") == 2
    again, _name, _type = export_file(format="geojson", user=administrator, options={"site": world.site.pk})
    assert by_key(json.loads(again)) == by_key(json.loads(exported))
