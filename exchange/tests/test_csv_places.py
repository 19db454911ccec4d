"""The resource and area registers in CSV: import, idempotent re-import, export -> import unchanged,
extra columns kept as attributes, and bad files and rows (encoding, delimiter, header, dates, missing
columns, unknown keys, sites the user may not write to) with nothing written unless asked."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from assets.models import Area, AreaKind, EntityStatus, Resource, ResourceType
from exchange.models import Attribute
from exchange.tests.csv_support import DRY, VALID, counts, export, problems, rows_of, run_import, user_with

pytestmark = pytest.mark.django_db

RESOURCES = (
    "Tag;Name;Area;Installation date;Criticality;Type;Colour;Supplier\r\n"
    "P-1;Raw water pump;B1;2020-03-01;high;Grundfos CR 10;blue;Acme\r\n"
    "P-2;Booster pump;B1;15/04/2019;;;;\r\n"
    "M-1;Motor of P-1;B1;2020-03-01;;Grundfos CR 10;;Acme\r\n"
)


def test_resources_import_with_attributes_then_reimport_changes_nothing(tmp_path, csv_admin, csv_building) -> None:
    report = run_import(tmp_path, csv_admin, RESOURCES, "resources")
    assert report.written
    assert not report.problems
    assert counts(report, "resources", "resource") == {"created": 3, "updated": 0, "unchanged": 0}
    assert counts(report, "resources", "resource type") == {"created": 1, "updated": 0, "unchanged": 0}
    pump = Resource.objects.get(tag="P-1")
    assert pump.area == csv_building
    assert pump.installation_date == datetime.date(2020, 3, 1)
    assert pump.criticality == 3
    assert pump.resource_type == ResourceType.objects.get(name="Grundfos CR 10")
    assert Resource.objects.get(tag="P-2").installation_date == datetime.date(2019, 4, 15)  # day first
    # The columns of no field are kept on the record, not dropped; empty cells make none.
    assert dict(Attribute.objects.filter(object_id=pump.pk).values_list("name", "value")) == {
        "Colour": "blue",
        "Supplier": "Acme",
    }
    assert not Attribute.objects.filter(object_id=Resource.objects.get(tag="P-2").pk).exists()
    history = pump.history.count()

    again = run_import(tmp_path, csv_admin, RESOURCES, "resources")
    assert counts(again, "resources", "resource") == {"created": 0, "updated": 0, "unchanged": 3}
    assert pump.history.count() == history  # nothing saved again


def test_a_changed_file_updates_in_place(tmp_path, csv_admin, csv_building) -> None:
    run_import(tmp_path, csv_admin, RESOURCES, "resources")
    changed = RESOURCES.replace("Raw water pump;", "Raw water pump 1;").replace(";blue;", ";green;")
    report = run_import(tmp_path, csv_admin, changed, "resources")
    assert counts(report, "resources", "resource")["updated"] == 1
    pump = Resource.objects.get(tag="P-1")
    assert pump.name == "Raw water pump 1"
    assert pump.history.first().history_change_reason == "CSV import of register.csv"
    assert Attribute.objects.get(object_id=pump.pk, name="Colour").value == "green"
    # Only what the file says changes: a file without the Colour column removes that attribute.
    report = run_import(tmp_path, csv_admin, "Tag,Name,Area\nP-1,Raw water pump 1,B1\n", "resources")
    assert counts(report, "resources", "resource")["updated"] == 1
    assert not Attribute.objects.filter(object_id=pump.pk, name="Colour").exists()
    assert Resource.objects.get(tag="P-1").installation_date == datetime.date(2020, 3, 1)  # not in the file: kept


def test_export_then_import_is_unchanged(tmp_path, csv_admin, csv_building) -> None:
    run_import(tmp_path, csv_admin, RESOURCES, "resources")
    text = export(csv_admin, "resources")
    rows = rows_of(text)
    assert [row["Tag"] for row in rows] == ["M-1", "P-1", "P-2"]
    assert rows[1]["Colour"] == "blue"
    assert rows[1]["Criticality"] == "3"
    report = run_import(tmp_path, csv_admin, text, "resources")
    assert not report.problems
    assert counts(report, "resources", "resource") == {"created": 0, "updated": 0, "unchanged": 3}


def test_bad_cells_are_reported_by_row_and_column_and_nothing_is_written(tmp_path, csv_admin, csv_building) -> None:
    future = (datetime.date.today() + datetime.timedelta(days=3650)).year
    text = (
        "Tag,Name,Area,Installation date\n"
        "P-1,Pump,B1,2020-03-01\n"
        "P-2,Pump,B1,last spring\n"
        f"P-3,Pump,B1,{future}\n"
        "P-4,Pump,NOWHERE,2020-01-01\n"
        "P-5,,B1,\n"
    )
    report = run_import(tmp_path, csv_admin, text, "resources")
    assert not report.written
    assert Resource.objects.count() == 0
    found = problems(report)
    assert (3, "Installation date") in [(row, column) for row, column, _m in found]
    assert any(row == 4 and "future" in message for row, _c, message in found)
    assert (5, "Area", "No area has the code “NOWHERE”.") in found
    assert (6, "Name", "A value is needed here.") in found
    # With "import the valid rows" the good row is written and the others listed as skipped.
    report = run_import(tmp_path, csv_admin, text, "resources", mode=VALID)
    assert report.written
    assert list(Resource.objects.values_list("tag", flat=True)) == ["P-1"]
    assert report.skipped_rows() == [("resources", 3), ("resources", 4), ("resources", 5), ("resources", 6)]


def test_a_dry_run_writes_nothing(tmp_path, csv_admin, csv_building) -> None:
    report = run_import(tmp_path, csv_admin, RESOURCES, "resources", mode=DRY)
    assert counts(report, "resources", "resource")["created"] == 3
    assert not report.written
    assert not Resource.objects.exists()
    assert not Attribute.objects.exists()
    assert not ResourceType.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Tag;Name;Area\nP-1;Pompe à eau;B1\n".encode("cp1252"), "not UTF-8"),
        (b"Tag\tName\tArea\nP-1\tPump\tB1\n", "tabs"),
        ('Tag,Name,Area\nP-1,"Pump,B1\n', "cannot be read as CSV"),
        (b"PK\x03\x04 not a csv but a workbook", "spreadsheet or an archive"),
    ],
)
def test_files_that_cannot_be_read_are_refused(tmp_path, csv_admin, csv_building, content, message) -> None:
    report = run_import(tmp_path, csv_admin, content, "resources")
    assert report.refused
    assert message in report.problems[0].message
    assert not Resource.objects.exists()


def test_a_missing_required_column_or_a_header_with_the_wrong_delimiter(tmp_path, csv_admin, csv_building) -> None:
    report = run_import(tmp_path, csv_admin, "Tag,Name\nP-1,Pump\n", "resources")
    assert problems(report) == [
        (
            None,
            "Area",
            "The file has no column “Area” (required): add it, or map a column or a fixed value to it.",
        )
    ]
    # "Tag|Name|Area" is one column for a CSV reader: every required column is missing.
    report = run_import(tmp_path, csv_admin, "Tag|Name|Area\nP-1|Pump|B1\n", "resources")
    assert {column for _row, column, _message in problems(report)} == {"Tag", "Name", "Area"}
    # A file without a header row: its first row is read as the header, which names no column.
    report = run_import(tmp_path, csv_admin, "P-1,Pump,B1\nP-2,Pump,B1\n", "resources")
    assert len(report.problems) == 3
    assert not Resource.objects.exists()


def test_rows_that_need_a_rejected_row_are_skipped_with_it(tmp_path, csv_admin, csv_building) -> None:
    text = "Tag,Name,Area,Part of\nM-1,Motor,B1,P-1\nP-1,Pump,B1,\nP-2,,B1,\nG-2,Gearbox,B1,P-2\nP-1,Pump bis,B1,\n"
    report = run_import(tmp_path, csv_admin, text, "resources", mode=VALID)
    # A child may come before its parent in the file.
    assert Resource.objects.get(tag="M-1").parent == Resource.objects.get(tag="P-1")
    found = problems(report)
    assert (5, "Part of", "Skipped with its parent (row 4).") in found
    assert any(row == 6 and "Row 3 already gives this Tag" in message for row, _c, message in found)
    assert set(Resource.objects.values_list("tag", flat=True)) == {"M-1", "P-1"}


def test_repeated_rows_of_one_record_are_written_once(tmp_path, csv_admin, csv_building) -> None:
    text = "Tag,Name,Area,Shift,Crew\nA,Excavator A,B1,day,red\nA,Excavator A,B1,night,red\nB,Excavator B,B1,day,\n"
    report = run_import(tmp_path, csv_admin, text, "resources")
    assert not report.problems
    assert counts(report, "resources", "resource")["created"] == 2
    a = Resource.objects.get(tag="A")
    assert dict(Attribute.objects.filter(object_id=a.pk).values_list("name", "value")) == {"Crew": "red"}
    assert any("Shift" in note for note in report.notes)


def test_users_write_only_in_their_own_sites(tmp_path, csv_building) -> None:
    other_site = SiteFactory(code="S2")
    AreaFactory(code="B9", parent=other_site)
    ResourceFactory(tag="X-1", area=Area.objects.get(code="B9"))
    local = user_with(
        csv_building.site,
        "exchange.add_importrun",
        "assets.add_resource",
        "assets.change_resource",
    )
    text = "Tag,Name,Area\nP-1,Pump,B1\nP-9,Pump,B9\nX-1,Moved here,B1\n"
    report = run_import(tmp_path, local, text, "resources", mode=VALID)
    assert set(Resource.objects.values_list("tag", flat=True)) == {"P-1", "X-1"}
    assert Resource.objects.get(tag="X-1").name != "Moved here"
    assert [row for row, _c, _m in problems(report)] == [3, 4]


def test_status_down_is_downtime_not_a_cell(tmp_path, csv_admin, csv_building) -> None:
    report = run_import(tmp_path, csv_admin, "Tag,Name,Area,Status\nP-1,Pump,B1,down\n", "resources")
    assert "downtime" in report.problems[0].message
    assert report.problems[0].column == "Status"
    report = run_import(tmp_path, csv_admin, "Tag,Name,Area,Status\nP-1,Pump,B1,retired\n", "resources")
    assert Resource.objects.get(tag="P-1").status == EntityStatus.RETIRED


def test_a_role_without_the_permissions_may_not_import(tmp_path, csv_building, role_user) -> None:
    technician = role_user("Technician", site=csv_building.site)
    with pytest.raises(PermissionDenied):
        run_import(tmp_path, technician, RESOURCES, "resources")
    planner = role_user("Planner", site=csv_building.site)  # imports, but not resources
    report = run_import(tmp_path, planner, RESOURCES, "resources")
    assert report.refused
    assert "may not import" in report.problems[0].message
    assert not Resource.objects.exists()


# --- Areas -------------------------------------------------------------------------------------
AREAS = (
    "Code,Name,Kind,Parent,Time zone,Latitude,Longitude,Owner\n"
    "F1,Ground floor,floor,B2,,,,\n"
    "S2,South works,site,,Africa/Nairobi,-1.2921,36.8219,County\n"
    "B2,Workshop,building,S2,,,,\n"
    "R1,Store room,space,F1,,,,\n"
)


def test_areas_tree_import_in_parent_order_export_and_reimport(tmp_path, csv_admin) -> None:
    report = run_import(tmp_path, csv_admin, AREAS, "areas")
    assert not report.problems
    assert counts(report, "areas", "area")["created"] == 4
    room = Area.objects.get(code="R1")
    assert [a.code for a in room.ancestors()] == ["S2", "B2", "F1"]
    assert room.site.code == "S2"
    assert Attribute.objects.get(object_id=Area.objects.get(code="S2").pk).value == "County"
    text = export(csv_admin, "areas")
    assert [row["Code"] for row in rows_of(text)] == ["S2", "B2", "F1", "R1"]
    again = run_import(tmp_path, csv_admin, text, "areas")
    assert counts(again, "areas", "area") == {"created": 0, "updated": 0, "unchanged": 4}


def test_area_problems_unknown_parent_wrong_kind_and_new_sites(tmp_path, csv_admin, csv_building) -> None:
    text = "Code,Name,Kind,Parent\nF9,Floor,floor,NOPE\nF8,Floor,floor,S1\nZ1,Zone,zone,B1\n"
    report = run_import(tmp_path, csv_admin, text, "areas", mode=VALID)
    found = problems(report)
    assert (2, "Parent", "No area has the code “NOPE”.") in found
    assert any(row == 3 and column == "Parent" and "cannot be inside a Site" in m for row, column, m in found)
    assert Area.objects.get(code="Z1").kind == AreaKind.ZONE
    local = user_with(csv_building.site, "exchange.add_importrun", "assets.add_area", "assets.change_area")
    report = run_import(tmp_path, local, "Code,Name,Kind,Time zone\nS7,New site,site,UTC\n", "areas")
    assert report.problems[0].message == "Only those who see every site may create sites."
