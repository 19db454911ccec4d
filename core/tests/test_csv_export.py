"""The "Export CSV" helper of list screens: a streamed UTF-8 file with a BOM, formulas neutralised,
values written plainly, and a link that keeps the screen's filters but not its page."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

from django.http import QueryDict
from django.test import RequestFactory
from django.utils import timezone

from core.csv_export import CsvColumn, cell_text, csv_response, export_query, neutralise, wants_csv


def read(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_a_streamed_file_with_its_columns_and_plain_values() -> None:
    rows = [
        SimpleNamespace(tag="P-1", area=SimpleNamespace(code="B1"), cost=Decimal("12.500"), ok=True, day=None),
        SimpleNamespace(tag='=HYPERLINK("x")', area=None, cost=Decimal("-3"), ok=False, day=datetime.date(2024, 1, 2)),
    ]
    columns = [
        CsvColumn("Tag", "tag"),
        CsvColumn("Area", "area.code"),
        CsvColumn("Cost", "cost"),
        CsvColumn("OK", "ok"),
        CsvColumn("Day", lambda row: row.day),
    ]
    response = csv_response(rows, columns, name="Resources list")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="resources-list-')
    assert read(response) == [
        ["Tag", "Area", "Cost", "OK", "Day"],
        ["P-1", "B1", "12.5", "yes", ""],
        ['\'=HYPERLINK("x")', "", "-3", "no", "2024-01-02"],
    ]


def test_formulas_are_neutralised_numbers_are_not() -> None:
    assert [neutralise(v) for v in ("=1+1", "+1", "-A1", "@SUM", "\tx", "-1.5", "+2", "1e5", "plain")] == [
        "'=1+1",
        "+1",
        "'-A1",
        "'@SUM",
        "'\tx",
        "-1.5",
        "+2",
        "1e5",
        "plain",
    ]


def test_times_are_written_in_the_current_time_zone() -> None:
    moment = datetime.datetime(2024, 3, 1, 5, 30, tzinfo=datetime.UTC)
    with timezone.override("Africa/Nairobi"):
        assert cell_text(moment) == "2024-03-01 08:30"


def test_the_export_link_keeps_filters_and_drops_pages() -> None:
    query = QueryDict("q=pump&status=down&page=3&history_page=2&site=4&site=5")
    kept = QueryDict(export_query(query))
    assert kept.getlist("site") == ["4", "5"]
    assert kept["q"] == "pump"
    assert kept["status"] == "down"
    assert "page" not in kept
    assert "history_page" not in kept
    assert kept["export"] == "csv"
    assert wants_csv(RequestFactory().get("/x/", {"export": "csv"}))
    assert not wants_csv(RequestFactory().get("/x/", {"export": "pdf"}))
