"""Bad files, for every CSV register: another encoding, the wrong delimiter, a missing required column,
a text where a date or number (or a choice) belongs, an empty file. Each gives a clear problem and writes nothing."""

from __future__ import annotations

import pytest

from exchange.csvio.columns import registers
from exchange.csvio.values import Choice, Date, DateTime, Integer, Number, Text
from exchange.tests.csv_support import problems, run_import

pytestmark = pytest.mark.django_db

TARGETS = list(registers())


def required_headers(target: str) -> list[str]:
    return [str(column.header) for column in registers()[target].columns if column.required]


def some_headers(target: str) -> list[str]:
    """The required headers and one more (so that a file has at least two columns)."""
    optional = next(str(column.header) for column in registers()[target].columns if not column.required)
    return [*required_headers(target), optional]


def test_every_register_is_tested_here() -> None:
    assert TARGETS == [
        "resources",
        "areas",
        "parts",
        "stock",
        "counters",
        "readings",
        "employees",
        "plans",
        "work_orders",
    ]


@pytest.mark.parametrize("target", TARGETS)
def test_another_encoding_is_refused_with_its_line(tmp_path, csv_admin, target) -> None:
    headers = some_headers(target)
    content = (";".join(headers) + "\n" + ";".join("Café" for _h in headers) + "\n").encode("cp1252")
    report = run_import(tmp_path, csv_admin, content, target)
    assert report.refused
    assert "not UTF-8 text: line 2" in report.problems[0].message


@pytest.mark.parametrize("target", TARGETS)
def test_the_wrong_delimiter_is_refused_or_misses_the_columns(tmp_path, csv_admin, target) -> None:
    headers = some_headers(target)
    report = run_import(
        tmp_path, csv_admin, "\t".join(headers) + "\n" + "\t".join("x" for _h in headers) + "\n", target
    )
    assert report.refused
    assert "tabs" in report.problems[0].message
    report = run_import(tmp_path, csv_admin, "|".join(headers) + "\n" + "|".join("x" for _h in headers) + "\n", target)
    assert not report.written
    assert {column for _row, column, _m in problems(report)} >= set(required_headers(target)[1:])


@pytest.mark.parametrize("target", TARGETS)
def test_a_missing_required_column_is_named(tmp_path, csv_admin, target) -> None:
    headers = required_headers(target)
    missing, kept = headers[-1], headers[:-1] or ["Other"]
    report = run_import(tmp_path, csv_admin, ",".join(kept) + "\n" + ",".join("x" for _h in kept) + "\n", target)
    assert (None, missing) in [(row, column) for row, column, _m in problems(report)]
    assert not report.written


@pytest.mark.parametrize("target", TARGETS)
def test_a_text_where_a_date_or_number_belongs(tmp_path, csv_admin, target) -> None:
    register = registers()[target]
    # A date or a number; counters have neither, their kind is a choice.
    typed = next(
        column
        for kinds in (Date | DateTime | Number | Integer, Choice)
        for column in register.columns
        if isinstance(column.value, kinds)
    )
    columns = [column for column in register.columns if column.required or column is typed]
    values = ["not a value" if column is typed else "x" if isinstance(column.value, Text) else "" for column in columns]
    text = ",".join(str(column.header) for column in columns) + "\n" + ",".join(values) + "\n"
    report = run_import(tmp_path, csv_admin, text, target)
    assert (2, str(typed.header)) in [(row, column) for row, column, _m in problems(report)]
    assert not report.written


@pytest.mark.parametrize("target", TARGETS)
def test_an_empty_file_or_a_header_alone(tmp_path, csv_admin, target) -> None:
    assert run_import(tmp_path, csv_admin, "", target).refused  # empty: refused by the file checks
    report = run_import(tmp_path, csv_admin, ",".join(some_headers(target)) + "\n", target)
    assert not report.problems
    assert report.total("created") == 0
    assert any("no rows" in note for note in report.notes)
