"""COBie import on small workbooks made here: what each sheet becomes, the problems of bad rows (with
sheet, row and column), dry runs, the valid-rows mode, idempotent and changed re-imports."""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType

from assets.factories import SiteFactory
from assets.models import Area, AreaKind, Resource, ResourceType
from core.roles import ADMINISTRATOR, INTEGRATOR, PLANNER, SUPERVISOR
from exchange.cobie.schema import COLUMNS, SHEETS
from exchange.models import Attribute, DocumentReference, ExternalRef, ImportOutcome, System, ZoneSpace
from exchange.services import Upload, export_file, import_confirm, import_run
from exchange.tests.cobie_workbooks import facility, problems, run, sheet_rows, write
from inventory.models import Part, SparePart, Vendor
from people.models import Certification
from plans.models import Activity, ChangeSet, ChangeSetState, MaintenancePlan, PlanInstance, TimeUnit, TriggerKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(role_user: Any) -> User:
    return role_user(ADMINISTRATOR, email="admin@example.org")


def history_rows() -> int:
    """Every history row of the records an import writes."""
    models = [Area, Resource, ResourceType, Attribute, System, ZoneSpace, Vendor, Part, SparePart, Certification]
    models += [DocumentReference, MaintenancePlan, Activity, PlanInstance, ChangeSet]
    return sum(model.history.count() for model in models)  # type: ignore[attr-defined]


def attrs(obj: Any) -> dict[tuple[str, str], str]:
    content_type = ContentType.objects.get_for_model(obj)
    return {(a.group, a.name): a.value for a in Attribute.objects.filter(content_type=content_type, object_id=obj.pk)}


class TestSheets:
    def test_every_sheet_becomes_its_records(self, tmp_path: Path, admin: User) -> None:
        report = run(write(tmp_path / "clinic.xlsx", facility()), admin)

        assert report.written, report.problems
        assert not report.problems
        site = Area.objects.get(kind=AreaKind.SITE)
        assert site.name == "Clinic campus"
        building = Area.objects.get(kind=AreaKind.BUILDING)
        assert (building.name, building.parent) == ("Clinic", site)
        ground = Area.objects.get(kind=AreaKind.FLOOR, name="Ground")
        assert ground.parent == building
        g01 = Area.objects.get(kind=AreaKind.SPACE, name="G01")
        assert g01.parent == ground
        assert g01.site == site
        assert len(g01.code) <= 50
        assert g01.code.startswith(building.code)
        assert attrs(g01)[("COBie", "Description")] == "Plant room"
        assert attrs(g01)[("COBie", "NetArea")] == "20.5"
        zone = Area.objects.get(kind=AreaKind.ZONE)
        assert zone.parent == building
        assert sorted(ZoneSpace.objects.filter(zone=zone).values_list("space__name", flat=True)) == [
            "F01",
            "G01",
            "G02",
        ]

        pump_type = ResourceType.objects.get(name="Circulation pump")
        assert (pump_type.manufacturer, pump_type.model_number) == ("Pumps Inc", "CP-40")
        assert attrs(pump_type)[("COBie", "Manufacturer")] == "sales@pumps.example"
        assert attrs(pump_type)[("Pset_PumpTypeCommon", "FlowRate")] == "3.5"
        pump = Resource.objects.get(name="Pump 1")
        assert (pump.tag, pump.area, pump.resource_type) == ("P-001", g01, pump_type)
        assert (pump.manufacturer, pump.model_number, pump.serial_number) == ("Pumps Inc", "CP-40", "SN-1")
        assert pump.installation_date == datetime.date(2024, 1, 15)
        assert pump.warranty_end == datetime.date(2026, 2, 1)  # from the warranty start, the longer of 2 and 1 years
        assert attrs(pump)[("COBie", "BarCode")] == "0001"
        assert attrs(pump)[("", "Colour")] == "red"
        pump2 = Resource.objects.get(name="Pump 2")
        assert pump2.area == g01
        assert attrs(pump2)[("COBie", "Space")] == "G01, G02"
        assert pump2.warranty_end == datetime.date(2026, 1, 20)  # from the installation date
        generated = Resource.objects.get(name="Detector 2").tag
        assert generated == "DETECTOR-2"
        detector = Resource.objects.get(name="Detector 1")
        assert detector.tag == "BC-77"  # no tag number: the bar code is the tag, and stays a bar code too
        assert attrs(detector)[("COBie", "BarCode")] == "BC-77"
        assert list(System.objects.get(name="Heating").resources.order_by("name")) == [pump, pump2]

        vendor = Vendor.objects.get()
        assert (vendor.name, vendor.email, vendor.phone) == ("Pumps Inc", "sales@pumps.example", "+1 555 0100")
        assert "Oslo" in vendor.address
        kept = attrs(building)
        assert ("COBie Contact", "author@example.org") in kept  # a contact that is no vendor is kept whole
        assert ("COBie Resource", "Ladder") in kept
        assert ("COBie Coordinate", "G01") in attrs(g01)
        assert Certification.objects.get().name == "Pump fitter"

        part = Part.objects.get()
        assert part.part_number == "SK-40"
        assert SparePart.objects.get().resource_type == pump_type
        assert attrs(part)[("COBie", "Suppliers")] == "sales@pumps.example"
        document = DocumentReference.objects.get()
        assert (document.record, document.file_name, document.directory) == (pump_type, "cp40.pdf", "O&M/Pumps")

        assert report.rows["Component"] == 4
        assert report.rows["Zone"] == 2
        assert report.outcome["Component"]["resource"]["created"] == 4
        assert report.outcome["Zone"]["space of a zone"]["created"] == 3

    def test_jobs_become_one_plan_per_type_waiting_for_approval(self, tmp_path: Path, admin: User) -> None:
        run(write(tmp_path / "clinic.xlsx", facility()), admin)

        plan = MaintenancePlan.objects.get()
        assert plan.effective_version is None
        version = plan.versions.get()
        assert version.change_set.state == ChangeSetState.IN_APPROVAL
        inspect, seal = version.activities.order_by("position")
        assert (inspect.trigger, inspect.time_interval, inspect.time_unit) == (TriggerKind.TIME, 6, TimeUnit.MONTHS)
        assert inspect.estimated_minutes == 120
        need = inspect.personnel.get()  # the trade; the ladder is a tool, no person
        assert need.certification == Certification.objects.get(name="Pump fitter")
        assert need.estimated_hours == 2
        assert (seal.time_interval, seal.time_unit, seal.estimated_minutes) == (6, TimeUnit.MONTHS, 30)
        assert attrs(inspect)[("COBie", "Category")] == "PM"
        pumps = set(Resource.objects.filter(resource_type__name="Circulation pump"))
        assert {instance.resource for instance in PlanInstance.objects.filter(plan=plan)} == pumps
        assert ChangeSet.objects.count() == 1

    def test_a_job_without_a_number_as_frequency_is_ad_hoc(self, tmp_path: Path, admin: User) -> None:
        sheets = facility()
        sheets["Job"][1]["Frequency"] = "CIC 5"  # template text of the UK workbooks
        report = run(write(tmp_path / "clinic.xlsx", sheets), admin)

        assert report.written, report.problems
        activity = Activity.objects.get(name="Replace seal")
        assert activity.trigger == TriggerKind.AD_HOC
        assert attrs(activity)[("COBie", "Frequency")] == "CIC 5"

    def test_the_chosen_site_holds_the_building(self, tmp_path: Path, admin: User) -> None:
        site = SiteFactory(name="Existing site")
        run(write(tmp_path / "clinic.xlsx", facility()), admin, site=site.pk)

        assert Area.objects.get(kind=AreaKind.BUILDING).parent == site
        assert Area.objects.sites().count() == 1

    def test_a_site_the_user_cannot_see_is_refused(self, tmp_path: Path, role_user: Any) -> None:
        mine, other = SiteFactory(), SiteFactory()
        planner = role_user(PLANNER, site=mine)
        planner.user_permissions.add(Permission.objects.get(codename="add_resource"))
        report = run(write(tmp_path / "clinic.xlsx", facility()), planner, site=other.pk)

        assert report.refused
        assert "no site" in report.problems[0].message
        assert not Area.objects.filter(kind=AreaKind.BUILDING).exists()

    def test_headers_in_other_case_and_spacing_and_sheet_names_too(self, tmp_path: Path, admin: User) -> None:
        sheets = facility()
        path = write(tmp_path / "clinic.xlsx", {k: v for k, v in sheets.items() if k not in ("Space", "Component")})
        from openpyxl import load_workbook

        book = load_workbook(path)
        ws = book.create_sheet("spaces ")
        ws.append(["name", "Floor Name", "DESCRIPTION"])
        ws.append(["G01", "Ground", "Plant room"])
        ws = book.create_sheet("Component")
        ws.append(["Name", "Type Name", "space", "Installation Date"])
        ws.append(["Pump 1", "Circulation pump", "G01", "15.01.2024"])
        book.save(path)

        report = run(path, admin, mode="valid_rows")  # the rows naming the spaces and pumps left out fail

        assert not [p for p in report.problems if p.sheet in ("Space", "Component")], report.problems
        pump = Resource.objects.get(name="Pump 1")
        assert pump.area.name == "G01"
        assert pump.installation_date == datetime.date(2024, 1, 15)


class TestProblems:
    def test_text_in_a_date_column(self, tmp_path: Path, admin: User) -> None:
        sheets = facility()
        sheets["Component"][0]["InstallationDate"] = "next spring"
        report = run(write(tmp_path / "bad.xlsx", sheets), admin)

        assert ("Component", 2, "InstallationDate") in problems(report)
        assert "next spring" in report.problems[0].message
        assert not report.written
        assert not Resource.objects.exists()
        assert not Area.objects.exists()

    def test_unknown_floor_and_the_rows_that_depend_on_the_space(self, tmp_path: Path, admin: User) -> None:
        sheets = facility()
        sheets["Space"][2]["FloorName"] = "Level 9"
        report = run(write(tmp_path / "bad.xlsx", sheets), admin)

        found = problems(report)
        assert ("Space", 4, "FloorName") in found
        assert ("Component", 5, "Space") in found  # Detector 2 stands in F01
        assert ("Zone", 3, "SpaceNames") in found
        message = next(p.message for p in report.problems if p.sheet == "Component")
        assert "F01" in message
        assert "problem of its own" in message

    def test_duplicate_names(self, tmp_path: Path, admin: User) -> None:
        sheets = facility()
        sheets["Space"].append({**sheets["Space"][0]})
        sheets["Component"].append({**sheets["Component"][2], "TagNumber": "X"})
        report = run(write(tmp_path / "bad.xlsx", sheets), admin)

        assert ("Space", 5, "Name") in problems(report)
        assert ("Component", 6, "Name") in problems(report)
        assert "row 2" in next(p.message for p in report.problems if p.sheet == "Space")

    def test_missing_required_cells(self, tmp_path: Path, admin: User) -> None:
        sheets = facility()
        sheets["Component"][1]["TypeName"] = ""
        sheets["Space"][1]["FloorName"] = "n/a"
        sheets["Attribute"][0]["RowName"] = None
        report = run(write(tmp_path / "bad.xlsx", sheets), admin)

        found = problems(report)
        assert ("Component", 3, "TypeName") in found
        assert ("Space", 3, "FloorName") in found
        assert ("Attribute", 2, "RowName") in found
        assert all(p.message for p in report.problems)

    def test_an_unknown_type(self, tmp_path: Path, admin: User) -> None:
        sheets = facility()
        sheets["Component"][2]["TypeName"] = "Sprinkler"
        report = run(write(tmp_path / "bad.xlsx", sheets), admin)

        assert ("Component", 4, "TypeName") in problems(report)
        assert "Sprinkler" in report.problems[0].message

    def test_no_facility_sheet(self, tmp_path: Path, admin: User) -> None:
        sheets = facility()
        del sheets["Facility"]
        report = run(write(tmp_path / "bad.xlsx", sheets), admin)

        assert problems(report) == [("Facility", None, "")]
        assert "no Facility sheet" in report.problems[0].message
        assert not Area.objects.exists()

    def test_no_component_sheet(self, tmp_path: Path, admin: User) -> None:
        sheets = facility()
        del sheets["Component"]
        report = run(write(tmp_path / "bad.xlsx", sheets), admin)

        assert ("Component", None, "") in problems(report)
        assert not report.written
        assert not Area.objects.exists()

    def test_no_cobie_sheet_at_all_is_refused(self, tmp_path: Path, admin: User) -> None:
        report = run(write(tmp_path / "other.xlsx", {}, extra_sheets={"Orders": [["Number"], ["1"]]}), admin)

        assert report.refused
        assert "not a COBie workbook" in report.problems[0].message
        assert "Orders" in report.problems[0].message

    def test_a_second_facility(self, tmp_path: Path, admin: User) -> None:
        sheets = facility()
        sheets["Facility"].append({"Name": "Annex"})
        report = run(write(tmp_path / "bad.xlsx", sheets), admin)

        assert problems(report) == [("Facility", 3, "Name")]

    def test_a_damaged_file_and_an_xls_that_is_not_one(self, tmp_path: Path, admin: User) -> None:
        path = write(tmp_path / "clinic.xlsx", facility())
        cut = tmp_path / "cut.xlsx"
        cut.write_bytes(path.read_bytes()[:2000])
        assert run(cut, admin).refused
        fake = tmp_path / "old.xls"
        fake.write_bytes(b"Name;Floor\n")
        report = run(fake, admin)
        assert report.refused
        assert "Excel 97-2003" in report.problems[0].message

    def test_a_wrong_recorded_sheet_size_is_ignored(self, tmp_path: Path, admin: User) -> None:
        path = write(tmp_path / "clinic.xlsx", facility())
        patched = tmp_path / "patched.xlsx"
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename.startswith("xl/worksheets/"):
                    data = data.replace(b'<dimension ref="', b'<dimension ref="A1:A1" old="')
                target.writestr(item, data)
        report = run(patched, admin)

        assert report.written, report.problems
        assert Resource.objects.count() == 4


class TestModes:
    def test_a_dry_run_writes_nothing_and_says_what_it_would_do(self, tmp_path: Path, admin: User) -> None:
        report = run(write(tmp_path / "clinic.xlsx", facility()), admin, mode="dry_run")

        assert not report.written
        assert not report.problems
        assert report.outcome["Component"]["resource"]["created"] == 4
        assert report.outcome["Job"]["maintenance plan"]["created"] == 1
        assert not Area.objects.exists()
        assert not Resource.objects.exists()
        assert not ExternalRef.objects.exists()
        assert not MaintenancePlan.objects.exists()
        assert not ChangeSet.objects.exists()
        assert history_rows() == 0

    def test_valid_rows_writes_the_rest_and_lists_the_skipped(self, tmp_path: Path, admin: User) -> None:
        sheets = facility()
        sheets["Component"][0]["InstallationDate"] = "soon"
        sheets["Space"][2]["FloorName"] = "Level 9"
        report = run(write(tmp_path / "bad.xlsx", sheets), admin, mode="valid_rows")

        assert report.written
        assert report.skipped_rows() == [
            ("Attribute", 3),  # about Pump 1
            ("Component", 2),
            ("Component", 5),  # Detector 2 stands in F01
            ("Space", 4),
            ("System", 2),  # lists Pump 1
            ("Zone", 3),  # lists F01
        ]
        assert sorted(Resource.objects.values_list("name", flat=True)) == ["Detector 1", "Pump 2"]
        assert not Area.objects.filter(name="F01").exists()
        # The system keeps the member that could be read.
        assert list(System.objects.get().resources.values_list("name", flat=True)) == ["Pump 2"]


class TestReimport:
    def test_the_same_workbook_again_changes_nothing(self, tmp_path: Path, admin: User) -> None:
        path = write(tmp_path / "clinic.xlsx", facility())
        run(path, admin)
        before = history_rows()
        refs = ExternalRef.objects.count()

        report = run(path, admin)

        assert report.written
        assert not report.problems
        assert report.total("created") == 0
        assert report.total("updated") == 0
        assert history_rows() == before
        assert ExternalRef.objects.count() == refs
        assert ChangeSet.objects.count() == 1
        assert Activity.objects.count() == 2

    def test_a_changed_workbook_updates_in_place_with_history(self, tmp_path: Path, admin: User) -> None:
        run(write(tmp_path / "clinic.xlsx", facility()), admin)
        pump = Resource.objects.get(name="Pump 1")
        sheets = facility()
        sheets["Component"][0]["SerialNumber"] = "SN-1-REPLACED"
        sheets["Component"][0]["Space"] = "G02"
        sheets["Space"][1]["Description"] = "Spare parts store"
        sheets["Job"][0]["Frequency"] = 3
        sheets["Zone"][1]["SpaceNames"] = "G01"  # F01 leaves the zone
        before = Resource.history.count()

        report = run(write(tmp_path / "clinic-2.xlsx", sheets), admin)

        assert report.written, report.problems
        pump.refresh_from_db()
        assert pump.serial_number == "SN-1-REPLACED"
        assert pump.area.name == "G02"
        assert Resource.objects.count() == 4
        assert Area.objects.filter(kind=AreaKind.SPACE).count() == 3
        assert Resource.history.count() == before + 1
        assert pump.history.first().history_type == "~"
        assert report.outcome["Component"]["resource"] == {"created": 0, "updated": 1, "unchanged": 3}
        assert attrs(Area.objects.get(name="G02"))[("COBie", "Description")] == "Spare parts store"
        assert sorted(ZoneSpace.objects.values_list("space__name", flat=True)) == ["G01", "G02"]
        # The changed job is a second version of the same plan, in a new change set, waiting for approval.
        plan = MaintenancePlan.objects.get()
        assert plan.versions.count() == 2
        latest = plan.latest_version()
        assert latest is not None
        assert latest.change_set.state == ChangeSetState.IN_APPROVAL
        assert latest.activities.get(name="Inspect pump").time_interval == 3
        assert plan.effective_version is None


class TestExport:
    def test_every_visible_site_without_the_option_and_only_those(
        self, tmp_path: Path, admin: User, role_user: Any
    ) -> None:
        run(write(tmp_path / "clinic.xlsx", facility()), admin)
        other = facility()
        other["Facility"][0].update(Name="Depot", SiteName="Depot site")
        run(write(tmp_path / "depot.xlsx", other), admin)
        depot_site = Area.objects.sites().get(name="Depot site")

        everything = sheet_rows(export_file(format="cobie", user=admin, options={})[0])
        assert sorted(row[0] for row in everything["Facility"]) == ["Clinic", "Depot"]
        supervisor = role_user(SUPERVISOR, site=depot_site)
        theirs = sheet_rows(export_file(format="cobie", user=supervisor, options={})[0])
        assert [row[0] for row in theirs["Facility"]] == ["Depot"]
        assert len(theirs["Component"]) == 4
        with pytest.raises(ValueError, match="no site"):
            export_file(
                format="cobie", user=supervisor, options={"site": Area.objects.sites().get(name="Clinic campus").pk}
            )

    def test_the_standard_sheets_and_columns(self, tmp_path: Path, admin: User) -> None:
        run(write(tmp_path / "clinic.xlsx", facility()), admin)
        content, name, content_type = export_file(format="cobie", user=admin, options={})

        assert name.endswith(".xlsx")
        assert content_type.startswith("application/vnd.openxmlformats")
        rows = sheet_rows(content)
        headers = dict(zip(SHEETS, rows["_headers"], strict=True))
        for sheet in SHEETS:
            assert list(headers[sheet][: len(COLUMNS[sheet])]) == COLUMNS[sheet]
        component = next(row for row in rows["Component"] if row[0] == "Pump 1")
        columns = COLUMNS["Component"]
        assert component[columns.index("TagNumber")] == "P-001"
        assert component[columns.index("InstallationDate")] == "2024-01-15"
        assert component[columns.index("Space")] == "G01"
        job = next(row for row in rows["Job"] if row[0] == "Inspect pump")
        assert job[COLUMNS["Job"].index("Frequency")] == "6"

    def test_the_export_costs_a_bounded_number_of_queries(
        self, tmp_path: Path, admin: User, django_assert_max_num_queries: Any
    ) -> None:
        run(write(tmp_path / "clinic.xlsx", facility()), admin)
        with django_assert_max_num_queries(80):
            export_file(format="cobie", user=admin, options={})


def test_a_dry_run_kept_on_its_import_run_and_followed_by_the_import(tmp_path: Path, admin: User) -> None:
    path = write(tmp_path / "clinic.xlsx", facility())
    with path.open("rb") as handle:
        dry = import_run(format="cobie", upload=Upload(name=path.name, content=handle), user=admin)

    assert dry.outcome == ImportOutcome.CHECKED
    assert dry.report["outcome"]["Component"]["resource"]["created"] == 4
    assert not Resource.objects.exists()
    done = import_confirm(run=dry, user=admin, mode="all")
    assert done.outcome == ImportOutcome.WRITTEN
    assert Resource.objects.count() == 4


def test_jobs_and_spares_need_the_roles_that_plan_and_keep_spares(tmp_path: Path, role_user: Any) -> None:
    integrator = role_user(INTEGRATOR)  # may add resources, not plans or spare parts lists
    integrator.user_permissions.add(Permission.objects.get(codename="add_importrun"))
    report = run(write(tmp_path / "clinic.xlsx", facility()), integrator, mode="valid_rows")

    assert report.written
    assert ("Job", 2, "TypeName") in problems(report)
    assert ("Job", 3, "TypeName") in problems(report)
    assert ("Spare", 2, "TypeName") in problems(report)
    assert "change sets" in next(p.message for p in report.problems if p.sheet == "Job")
    assert not MaintenancePlan.objects.exists()
    assert not ChangeSet.objects.exists()
    assert not Activity.objects.exists()
    assert Resource.objects.count() == 4
