"""COBie on the real public workbooks (Duplex design, OBN1 COBie UK 2014): each sheet's mapping, the
round trip export -> import into an empty database -> export, and the number of queries an import
costs as the workbook grows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from assets.models import Area, AreaKind, Resource, ResourceType
from core.roles import ADMINISTRATOR
from exchange.bench import write_workbook
from exchange.models import Attribute, DocumentReference, System, ZoneSpace
from exchange.services import export_file
from exchange.tests.cobie_workbooks import run, sheet_rows
from inventory.models import Part, SparePart
from plans.models import Activity, ChangeSet, ChangeSetState, MaintenancePlan, PlanInstance

pytestmark = pytest.mark.django_db

DUPLEX = "2012-03-23-Duplex-Design.xlsx"
OBN1 = "OBN1-COBie-UK-2014.xlsx"


@pytest.fixture
def admin(role_user: Any) -> User:
    return role_user(ADMINISTRATOR, email="admin@example.org")


def workbook(shared_data: Path, name: str) -> Path:
    return shared_data / "cobie" / name


def data_rows(path: Path) -> dict[str, int]:
    book = CalamineWorkbook.from_path(str(path))
    counts = {}
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()[1:]
        counts[name] = sum(1 for row in rows if any(str(cell).strip() for cell in row))
    return counts


class _Undo(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block, then undo what it wrote (the test's database is as empty as before)."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def test_duplex_sheet_by_sheet(shared_data: Path, admin: User) -> None:
    report = run(workbook(shared_data, DUPLEX), admin)

    assert report.written, report.problems[:5]
    assert not report.problems
    assert {sheet: report.rows[sheet] for sheet in ("Facility", "Floor", "Space", "Zone", "Type", "Component")} == {
        "Facility": 1,
        "Floor": 4,
        "Space": 22,
        "Zone": 20,
        "Type": 43,
        "Component": 232,
    }
    assert (report.rows["System"], report.rows["Attribute"]) == (30, 88)
    building = Area.objects.get(kind=AreaKind.BUILDING)
    assert building.name == "DuplexApartment"
    assert building.parent.name == "Duplex Apartment"
    assert Area.objects.filter(kind=AreaKind.FLOOR).count() == 4
    assert Area.objects.filter(kind=AreaKind.SPACE).count() == 22
    assert set(Area.objects.filter(kind=AreaKind.ZONE).values_list("name", flat=True)) == {"Apartment A", "Apartment B"}
    assert ZoneSpace.objects.count() == 20
    assert ResourceType.objects.count() == 43
    assert Resource.objects.count() == 232
    boiler = Resource.objects.get(name="Boiler-1")
    assert (boiler.area.name, boiler.area.parent.name, boiler.resource_type.name) == ("B205", "Level 2", "Boiler")
    # The template repeats the header where there is no value: no serial number, no date, a tag made.
    assert boiler.serial_number == ""
    assert boiler.installation_date is None
    assert boiler.tag == "BOILER-1"
    assert System.objects.count() == 4
    assert System.objects.get(name="Apartment A Plumbing").resources.count() == 8  # one row lists seven
    assert report.outcome["Attribute"]["attribute"]["created"] == 87  # one row repeats another
    assert Attribute.objects.filter(group="PSet_Revit_Dimensions", name="Perimeter").count() == 21


def test_obn1_sheet_by_sheet(shared_data: Path, admin: User) -> None:
    report = run(workbook(shared_data, OBN1), admin)

    assert report.written, report.problems[:5]
    assert not report.problems
    for sheet in ("Type", "Component", "System", "Spare", "Job", "Document"):
        assert report.rows[sheet] == 10, sheet
    assert ResourceType.objects.count() == 10
    assert Resource.objects.count() == 10
    assert System.objects.count() == 10
    assert Part.objects.count() == 10
    assert SparePart.objects.filter(resource_type__isnull=False).count() == 10
    assert DocumentReference.objects.count() == 10
    assert MaintenancePlan.objects.count() == 10
    assert Activity.objects.count() == 10
    assert PlanInstance.objects.count() == 10
    assert not MaintenancePlan.objects.filter(effective_version__isnull=False).exists()
    change_set = ChangeSet.objects.get()
    assert change_set.state == ChangeSetState.IN_APPROVAL
    assert change_set.versions.count() == 10
    # "CIC 6" is template text: tags are made from the names, the text kept as the component's attribute.
    door = Resource.objects.get(name="Door_DOOR_NBL_WoodDoorsets_UK_Instance")
    assert door.tag.startswith("DOOR-DOOR-NBL")
    assert Attribute.objects.filter(object_id=door.pk, name="TagNumber", value="CIC 6").exists()


def test_obn1_imported_twice_changes_nothing(shared_data: Path, admin: User) -> None:
    path = workbook(shared_data, OBN1)
    run(path, admin)
    history = Resource.history.count() + Attribute.history.count() + Area.history.count()

    report = run(path, admin)

    assert report.total("created") == 0, report.outcome
    assert report.total("updated") == 0, report.outcome
    assert Resource.history.count() + Attribute.history.count() + Area.history.count() == history
    assert ChangeSet.objects.count() == 1


# Rows of the original that the export writes differently, and why (the report says the same).
ROW_DIFFERENCES = {
    # One System row lists seven components; the export writes one row per component.
    DUPLEX: {"System": (30, 36), "Attribute": (88, 87)},  # and one Attribute row repeats another exactly
    # 98 Attribute rows repeat another of the same record, property set and name exactly, and 9 give a
    # second value for it (the later one is kept): 107 rows fewer.
    OBN1: {"Attribute": (2334, 2227)},
}


@pytest.mark.parametrize("name", [DUPLEX, OBN1])
def test_round_trip(shared_data: Path, admin: User, tmp_path: Path, name: str) -> None:
    original = workbook(shared_data, name)
    first_path = tmp_path / "first.xlsx"
    with rolled_back():
        assert run(original, admin).written
        site = Area.objects.sites().get()
        content, _name, _type = export_file(format="cobie", user=admin, options={"site": site.pk})
        first_path.write_bytes(content)
        # Imported again where it came from, the export changes nothing.
        again = run(first_path, admin)
        assert again.total("created") == 0, again.outcome
        assert again.total("updated") == 0, again.outcome
    assert not Area.objects.exists()  # an empty database again

    report = run(first_path, admin)
    assert report.written
    assert not report.problems, report.problems[:5]
    site = Area.objects.sites().get()
    second, _name, _type = export_file(format="cobie", user=admin, options={"site": site.pk})

    assert sheet_rows(second) == sheet_rows(first_path.read_bytes())
    before, after = data_rows(original), data_rows(first_path)
    differences = {
        sheet: (before.get(sheet, 0), count) for sheet, count in after.items() if before.get(sheet, 0) != count
    }
    assert differences == ROW_DIFFERENCES[name]
    assert set(before) - set(after) == {"Instruction", "PickLists"}  # the template's own sheets


def test_an_import_costs_about_the_same_queries_for_ten_times_the_components(tmp_path: Path, admin: User) -> None:
    costs = []
    for size in (30, 300):
        path = tmp_path / f"bench-{size}.xlsx"
        write_workbook(path, size, system_rows=3, jobs=False)
        with rolled_back(), CaptureQueriesContext(connection) as queries:
            assert run(path, admin).written
        costs.append(len(queries.captured_queries))
    small, large = costs
    assert large < small + 30, costs  # the same spaces and types: more components add batches only
    assert large < 2000
