"""Importing failure code lists from a workbook: headers found or absent, kinds from sheet names or given,
parents and resource types, every problem with its sheet, row and column, all or nothing; and a real
code-list workbook (a sheet per domain, code + description, no header) loads."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from assets.models import ResourceType
from orders.failure_import import ImportFailed, SheetMapping, column_letter, failure_codes_import, kind_of_sheet
from orders.models import FailureCode, FailureKind

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def shared_data() -> Path:
    """``$MMS_SHARED_DATA`` or ``../shared/data`` beside the project; skipped where it is absent."""
    folder = Path(os.environ.get("MMS_SHARED_DATA") or ROOT.parent / "shared" / "data")
    if not folder.is_dir():
        pytest.skip(f"the shared test data is not at {folder}")
    return folder


def workbook(path: Path, sheets: dict[str, list[list[object]]], origin: str = "A1") -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        start_row = int(origin[1:])
        start_col = ord(origin[0]) - 64
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.cell(row=start_row + r, column=start_col + c, value=value)
    book.save(path)
    return path


@pytest.fixture
def pump_type():
    return ResourceType.objects.create(name="Centrifugal pump")


@pytest.fixture
def good_book(tmp_path, pump_type) -> Path:
    path = workbook(
        tmp_path / "codes.xlsx",
        {
            "Failure modes": [
                ["Code", "Description"],
                ["ELP", "External leakage"],
                ["VIB", "Vibration"],
                [101, "Other"],
            ],
            "Causes": [
                ["Cause code", "Cause description", "Problem", "Resource type"],
                ["SEAL", "Seal worn", "ELP", "centrifugal pump"],
                [None, None, None, None],
                ["BEARING", "Bearing worn", "VIB; 101", None],
                ["CORR", "Corrosion", None, None],
            ],
        },
    )
    # A third sheet without a header, starting at B3 (the row and column numbers must still be right).
    book = openpyxl.load_workbook(path)
    sheet = book.create_sheet("Remedies")
    for row, (value, name) in enumerate([("#NULL#", "No Data"), ("REPLACE", "Replace"), ("ADJUST", "Adjust")], 3):
        sheet.cell(row=row, column=2, value=value)
        sheet.cell(row=row, column=3, value=name)
    book.save(path)
    return path


def test_kinds_from_sheet_names():
    assert kind_of_sheet("Failure modes") == FailureKind.PROBLEM
    assert kind_of_sheet("failure_mechanisms") == FailureKind.CAUSE
    assert kind_of_sheet("Maintenance activities") == FailureKind.REMEDY
    assert kind_of_sheet("PIPE_MATERIAL") is None
    assert kind_of_sheet("Problem cause") is None  # two kinds: not told
    assert [column_letter(i) for i in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]


def test_a_workbook_loads_with_parents_and_types(good_book, pump_type):
    report = failure_codes_import(good_book)
    assert report.sheets == {"Failure modes": "problem", "Causes": "cause", "Remedies": "remedy"}
    assert report.created == {"problem": 3, "cause": 3, "remedy": 2}
    assert report.skipped == 2  # the empty row of Causes and the #NULL# of Remedies
    seal = FailureCode.objects.get(kind=FailureKind.CAUSE, code="SEAL")
    assert [p.code for p in seal.parents.all()] == ["ELP"]
    assert list(seal.resource_types.all()) == [pump_type]  # matched whatever the case
    bearing = FailureCode.objects.get(kind=FailureKind.CAUSE, code="BEARING")
    assert sorted(p.code for p in bearing.parents.all()) == ["101", "VIB"]  # 101 read as a number: "101"
    assert FailureCode.objects.get(kind=FailureKind.REMEDY, code="ADJUST").name == "Adjust"
    # Again: nothing new; a changed description is an update.
    book = openpyxl.load_workbook(good_book)
    book["Failure modes"]["B3"] = "Abnormal vibration"
    book.save(good_book)
    again = failure_codes_import(good_book)
    assert (again.created, again.updated) == ({}, {"problem": 1})
    assert again.unchanged == {"problem": 2, "cause": 3, "remedy": 2}
    assert FailureCode.objects.get(kind=FailureKind.PROBLEM, code="VIB").name == "Abnormal vibration"
    assert FailureCode.objects.count() == 8


def test_dry_run_writes_nothing(good_book):
    report = failure_codes_import(good_book, dry_run=True)
    assert report.created == {"problem": 3, "cause": 3, "remedy": 2}
    assert FailureCode.objects.count() == 0


def test_problems_name_sheet_row_and_column_and_nothing_is_written(tmp_path):
    path = workbook(
        tmp_path / "bad.xlsx",
        {
            "Problems": [["Code", "Description"], ["ELP", "Leak"], ["VIB", None], ["X" * 41, "Too long"]],
            "Causes": [
                ["Code", "Description", "Parent"],
                ["SEAL", "Seal worn", "ELP"],
                ["WEAR", "Wear", "NOPE"],
                ["SEAL", "Seal damaged", "ELP"],
            ],
            "Remedies": [["Code", "Description", "Resource type"], ["FIX", "Fix", "Unheard-of pump"]],
        },
    )
    with pytest.raises(ImportFailed) as failed:
        failure_codes_import(path)
    assert failed.value.report.problems == [
        "Problems!B3: code VIB has no description",
        "Problems!A4: the code is longer than 40 characters",
    ]
    assert FailureCode.objects.count() == 0
    # The rows are fine, the references are not: found while writing, and rolled back.
    book = openpyxl.load_workbook(path)
    book["Problems"].delete_rows(3, 2)
    book.save(path)
    with pytest.raises(ImportFailed) as failed:
        failure_codes_import(path)
    assert failed.value.report.problems == [
        "Causes!A4: code SEAL is listed twice (also Causes row 2) with another description",
        "Causes!C3: Problem (failure mode) NOPE is not in the workbook or the codes",
        "Remedies!C2: no resource type named Unheard-of pump",
    ]
    assert FailureCode.objects.count() == 0


def test_sheets_and_columns_given(tmp_path):
    path = workbook(tmp_path / "list.xlsx", {"Lists": [["Kod", "Opis"], ["A1", "Wear"], ["A2", "Fatigue"]]})
    with pytest.raises(ImportFailed) as failed:
        failure_codes_import(path)  # no sheet name says which kind
    assert "say which sheet" in failed.value.report.problems[0]
    report = failure_codes_import(path, [SheetMapping("lists", FailureKind.CAUSE, code="Kod", name="Opis")])
    assert report.created == {"cause": 2}
    assert FailureCode.objects.get(kind=FailureKind.CAUSE, code="A2").name == "Fatigue"
    with pytest.raises(ImportFailed) as failed:
        failure_codes_import(path, [SheetMapping("Nope", FailureKind.CAUSE)])
    assert failed.value.report.problems == ["Nope: no such sheet (the workbook has Lists)"]


def test_command(good_book, capsys):
    call_command("import_failure_codes", str(good_book))
    out = capsys.readouterr().out
    assert "problem: 3 created, 0 updated, 0 unchanged" in out
    assert "remedy: 2 created" in out
    with pytest.raises(CommandError, match="SHEET=KIND"):
        call_command("import_failure_codes", str(good_book), "--sheet", "Causes=reason")
    with pytest.raises(CommandError, match="need --sheet"):
        call_command("import_failure_codes", str(good_book), "--code-column", "A")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_failure_codes", str(good_book.with_name("missing.xlsx")))


def test_real_code_lists_load():
    """The trunk-line register's domain workbook: a sheet per domain, code and description, no header,
    a ``#NULL#`` / "No Data" row first. Loaded as three lists to show such lists load as they are."""
    path = shared_data() / "workorders" / "Domain_Values.xlsx"
    with pytest.raises(ImportFailed):
        failure_codes_import(path)  # its sheet names (STATUS, PIPE_TYPE...) say no kind
    call_command(
        "import_failure_codes",
        str(path),
        "--sheet",
        "USE_TYPE=problem",
        "--sheet",
        "PIPE_MATERIAL=cause",
        "--sheet",
        "JOINT_METHOD=remedy",
    )
    counts = {kind: FailureCode.objects.filter(kind=kind).count() for kind in FailureKind.values}
    # USE_TYPE: 12 rows less #NULL#; PIPE_MATERIAL: 12 less #NULL#; JOINT_METHOD: 13 less #NULL#.
    assert counts == {"problem": 11, "cause": 11, "remedy": 12}
    assert FailureCode.objects.get(kind=FailureKind.REMEDY, code="B&S").name == "Caulked Bell and Spigot"
    assert not FailureCode.objects.filter(code="#NULL#").exists()
    # Two domains as one list: CI and STL mean another thing in each; the second domain's rows are named.
    with pytest.raises(ImportFailed) as failed:
        failure_codes_import(
            path, [SheetMapping("PIPE_TYPE", FailureKind.CAUSE), SheetMapping("PIPE_MATERIAL", FailureKind.CAUSE)]
        )
    assert [problem.split(":")[0] for problem in failed.value.report.problems] == [
        "PIPE_MATERIAL!A3",
        "PIPE_MATERIAL!A10",
    ]
    assert FailureCode.objects.filter(kind=FailureKind.CAUSE).count() == 11  # rolled back
