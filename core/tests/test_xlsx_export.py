"""The "Export XLSX" helper: the CSV's columns as a typed workbook (dates as dates, numbers as numbers,
Decimals exact), would-be formulas neutralised as text, the header bold and frozen, widths that fit."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
from django.test import RequestFactory
from django.utils import timezone

from core.csv_export import CsvColumn, export_response, wants_csv
from core.xlsx_export import MAX_WIDTH, XLSX_CONTENT_TYPE, cell_value, sheet_title, wants_xlsx, xlsx_response

COLUMNS = [
    CsvColumn("Tag", "tag"),
    CsvColumn("Cost", "cost"),
    CsvColumn("Hours", "hours"),
    CsvColumn("Count", "count"),
    CsvColumn("OK", "ok"),
    CsvColumn("Day", "day"),
    CsvColumn("When", "when"),
]


def row(**fields):
    base = {"tag": "P-1", "cost": None, "hours": None, "count": None, "ok": None, "day": None, "when": None}
    return SimpleNamespace(**{**base, **fields})


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(body(response)))


def sheet_xml(response) -> str:
    with zipfile.ZipFile(io.BytesIO(body(response))) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def test_cells_are_typed_and_times_are_local() -> None:
    rows = [
        row(
            cost=Decimal("12.500"),
            hours=1.25,
            count=7,
            ok=True,
            day=datetime.date(2024, 1, 2),
            when=datetime.datetime(2024, 3, 1, 5, 30, tzinfo=datetime.UTC),
        )
    ]
    with timezone.override("Africa/Nairobi"):
        response = xlsx_response(rows, COLUMNS, name="Resources list")
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="resources-list-')
    sheet = workbook(response).active
    cells = next(iter(sheet.iter_rows(min_row=2, values_only=False)))
    values = [cell.value for cell in cells]
    assert values[:5] == ["P-1", 12.5, 1.25, 7, True]
    assert values[5] == datetime.datetime(2024, 1, 2)  # openpyxl reads a date cell as a datetime
    assert values[6] == datetime.datetime(2024, 3, 1, 8, 30)  # 05:30 UTC is 08:30 in Nairobi
    assert cells[5].number_format == "yyyy-mm-dd"
    assert cells[6].number_format == "yyyy-mm-dd hh:mm"
    assert [cell.data_type for cell in cells[1:4]] == ["n", "n", "n"]


def test_decimals_are_written_exactly() -> None:
    # openpyxl's own formatting ("%.16g" of the float) would store 9.108 as 9.108000000000001.
    rows = [row(cost=Decimal("9.108")), row(cost=Decimal("12345678901234567.891"))]
    response = xlsx_response(rows, COLUMNS, name="costs")
    xml = sheet_xml(response)
    assert "<v>9.108</v>" in xml
    assert "9.108000000000001" not in xml
    # More digits than a double holds: the exact text rather than a rounded number.
    assert cell_value(Decimal("12345678901234567.891")) == "12345678901234567.891"
    assert cell_value(Decimal("NaN")) == "NaN"


def test_would_be_formulas_are_text_and_plain_numbers_stay_as_written() -> None:
    rows = [row(tag='=HYPERLINK("http://evil","x")'), row(tag="+1"), row(tag="-A1"), row(tag="@SUM(A1)")]
    sheet = workbook(xlsx_response(rows, COLUMNS, name="x")).active
    cells = [next(sheet.iter_rows(min_row=n, max_row=n)) for n in range(2, 6)]
    assert [cell[0].value for cell in cells] == ['\'=HYPERLINK("http://evil","x")', "+1", "'-A1", "'@SUM(A1)"]
    assert all(cell[0].data_type == "s" for cell in cells)
    assert "<f>" not in sheet_xml(xlsx_response(rows, COLUMNS, name="x"))  # no formula in the file


def test_control_characters_are_dropped_rather_than_failing() -> None:
    assert cell_value("bell\x07 tab\tok") == "bell tab\tok"


def test_the_header_is_bold_and_frozen_and_widths_fit() -> None:
    moment = datetime.datetime(2024, 3, 1, 5, 30, tzinfo=datetime.UTC)
    rows = [row(tag="A-very-long-tag-" * 10, when=moment), row(tag="short")]
    book = workbook(xlsx_response(rows, COLUMNS, name="Stock: on hand / reserved [all sites]"))
    sheet = book.active
    assert sheet.title == "Stock  on hand   reserved  all"  # no ":/[]", at most 31 characters
    assert [cell.value for cell in sheet[1]] == [column.header for column in COLUMNS]
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == MAX_WIDTH  # the long tag, capped
    assert sheet.column_dimensions["G"].width == len("2024-01-31 12:00") + 2  # a time column
    assert 8 <= sheet.column_dimensions["E"].width < 12  # "OK": short, but not narrower than the minimum


def test_sheet_titles_are_what_excel_accepts() -> None:
    assert sheet_title("a/b?c") == "a b c"
    assert sheet_title("x" * 40) == "x" * 31
    assert sheet_title("***") == "Export"


def test_an_empty_list_is_a_header_only_sheet() -> None:
    sheet = workbook(xlsx_response([], COLUMNS, name="nothing")).active
    assert [[cell.value for cell in line] for line in sheet.iter_rows()] == [[column.header for column in COLUMNS]]


def test_export_response_answers_the_format_asked_for() -> None:
    factory = RequestFactory()
    rows = [row()]
    assert export_response(factory.get("/x/"), rows, COLUMNS, name="x") is None
    assert export_response(factory.get("/x/", {"export": "pdf"}), rows, COLUMNS, name="x") is None
    csv_answer = export_response(factory.get("/x/", {"export": "csv"}), rows, COLUMNS, name="x")
    assert csv_answer is not None
    assert csv_answer["Content-Type"] == "text/csv; charset=utf-8"
    xlsx_answer = export_response(factory.get("/x/", {"export": "xlsx"}), rows, COLUMNS, name="x")
    assert xlsx_answer is not None
    assert xlsx_answer["Content-Type"] == XLSX_CONTENT_TYPE
    assert wants_xlsx(factory.get("/x/", {"export": "xlsx"}))
    assert not wants_xlsx(factory.get("/x/", {"export": "csv"}))
    assert wants_csv(factory.get("/x/", {"export": "csv"}))
