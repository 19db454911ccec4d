"""Reading CSV files as people's files are (encodings, delimiters, quoting, line ends, blank lines) and
the values of their cells (dates, numbers, yes/no, choices): what is read, and what is refused with
which sentence."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from core.csv_export import neutralise
from exchange.csvio.reader import clean_cell, decode, parse_text, read_table
from exchange.csvio.values import Boolean, CellError, Choice, Date, DateTime, Integer, Number, Text
from exchange.files import FileRefused


def test_utf8_with_and_without_bom_read_the_same() -> None:
    text = "Tag,Name\nP-1,Pompe à eau\n"
    assert decode(text.encode("utf-8")) == decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    table = parse_text(decode(b"\xef\xbb\xbf" + text.encode("utf-8")))
    assert table.headers == ["Tag", "Name"]  # the BOM is not part of the first header
    assert table.rows == [(2, ["P-1", "Pompe à eau"])]


def test_another_encoding_is_refused_naming_the_line() -> None:
    latin1 = "Tag;Name\nP-1;Pump\nP-2;Pompe à eau\n".encode("latin-1")
    with pytest.raises(FileRefused, match=r"not UTF-8.*line 3.*0xE0"):
        decode(latin1)
    with pytest.raises(FileRefused, match="UTF-16"):
        decode("Tag;Name\n".encode("utf-16"))


@pytest.mark.parametrize("delimiter", [";", ","])
def test_the_delimiter_is_seen_on_the_header_line(delimiter: str) -> None:
    other = "," if delimiter == ";" else ";"
    text = f"Tag{delimiter}Description\nP-1{delimiter}pump{other} 5 kW\n"
    table = parse_text(text)
    assert table.delimiter == delimiter
    assert table.rows == [(2, ["P-1", f"pump{other} 5 kW"])]


def test_quoted_values_crlf_blank_lines_and_row_numbers() -> None:
    text = (
        "Tag;Description;Note\r\n"
        'P-1;"semi; colon";"said ""hello"""\r\n'
        "\r\n"
        'P-2;"two\r\nlines";\r\n'
        "P-3;  spaced  ;x\r\n"
        "\r\n\r\n"
    )
    table = parse_text(text)
    # Row numbers as a spreadsheet shows them: the blank line is row 3, so P-2 is row 4.
    assert table.rows == [
        (2, ["P-1", "semi; colon", 'said "hello"']),
        (4, ["P-2", "two\r\nlines", ""]),
        (5, ["P-3", "spaced", "x"]),
    ]


def test_tabs_duplicate_headers_broken_quotes_and_empty_files_are_refused() -> None:
    with pytest.raises(FileRefused, match="tabs"):
        parse_text("Tag\tName\nP-1\tPump\n")
    with pytest.raises(FileRefused, match=r"“tag” twice \(columns 1 and 3\)"):
        parse_text("Tag,Name,tag\n1,2,3\n")
    with pytest.raises(FileRefused, match="Line 3"):
        parse_text('Tag,Name\nP-1,Pump\nP-2,"not closed\n')
    with pytest.raises(FileRefused, match="no text"):
        parse_text("\n\n")
    with pytest.raises(FileRefused, match="header row"):
        parse_text(",,,\nP-1,Pump,,\n")


def test_a_file_is_read_whole_or_only_its_first_rows(tmp_path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("Tag,Name\n" + "".join(f"P-{n},Pump {n}\n" for n in range(50)), encoding="utf-8")
    assert len(read_table(path).rows) == 50
    assert [number for number, _cells in read_table(path, max_rows=3).rows] == [2, 3, 4]


def test_an_exported_formula_guard_is_taken_off_again() -> None:
    for value in ("=SUM(A1:A9)", "+33 1 23", "@cmd", "-x"):
        assert neutralise(value) == "'" + value
        assert clean_cell(neutralise(value)) == value
    assert neutralise("-12.5") == "-12.5"  # a plain number stays a number
    assert clean_cell("'quoted") == "'quoted"  # an apostrophe before ordinary text is the text's own


# --- Values ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("2024-03-31", datetime.date(2024, 3, 31)),
        ("2024/3/1", datetime.date(2024, 3, 1)),
        ("31/03/2024", datetime.date(2024, 3, 31)),
        ("1.3.2024", datetime.date(2024, 3, 1)),
        ("01-03-2024", datetime.date(2024, 3, 1)),
        ("20-Jun-13", datetime.date(2013, 6, 20)),
        ("5 March 1999", datetime.date(1999, 3, 5)),
        ("2011-02-10 0:00", datetime.date(2011, 2, 10)),
        ("1931", datetime.date(1931, 1, 1)),
    ],
)
def test_dates_iso_day_first_month_names_and_years(raw: str, day: datetime.date) -> None:
    assert Date().parse(raw) == day


def test_date_errors_say_which_forms_are_read() -> None:
    with pytest.raises(CellError, match=r"not a date; write YYYY-MM-DD .* day first: DD/MM/YYYY"):
        Date().parse("next Tuesday")
    # A month-first date (12/30/1899) is refused as such, not read as another day.
    with pytest.raises(CellError, match=r"read day first \(DD/MM/YYYY\), and 30 is no month"):
        Date().parse("12/30/1899")
    with pytest.raises(CellError, match="not a day of the calendar"):
        Date().parse("2023-02-30")
    with pytest.raises(CellError, match="year 2999 is not plausible"):
        Date().parse("2999")
    with pytest.raises(CellError, match="year 1650 is not plausible"):
        Date().parse("1650")
    with pytest.raises(CellError, match="in the future"):
        Date(not_future=True).parse((datetime.date.today() + datetime.timedelta(days=400)).isoformat())


def test_date_times_with_and_without_an_offset() -> None:
    assert DateTime().parse("2024-03-01 08:30") == datetime.datetime(2024, 3, 1, 8, 30)
    aware = DateTime().parse("2024-03-01T08:30:00+03:00")
    assert aware.utcoffset() == datetime.timedelta(hours=3)
    assert DateTime().parse("2024-03-01T05:30:00Z") == aware
    assert DateTime().parse("01/03/2024 8:30") == datetime.datetime(2024, 3, 1, 8, 30)
    assert DateTime().parse(DateTime().format(aware)) == aware
    with pytest.raises(CellError, match="HH:MM"):
        DateTime().parse("2024-03-01 8h30")


def test_numbers_with_a_point_and_whole_numbers() -> None:
    assert Number(3, 12).parse("12.5") == Decimal("12.500")
    assert Number(2, 10).parse("0.305") == Decimal("0.31")  # rounded to the field's places
    assert Number(3, 12).format(Decimal("12.500")) == "12.5"
    with pytest.raises(CellError, match="with a point"):
        Number(3, 12).parse("12,5")
    with pytest.raises(CellError, match="not a number"):
        Number(3, 12).parse("PM01")
    with pytest.raises(CellError, match="below the lowest"):
        Number(3, 12, Decimal(0)).parse("-1")
    with pytest.raises(CellError, match="too large"):
        Number(3, 6).parse("12345")
    assert Integer(minimum=1).parse("12.0") == 12
    with pytest.raises(CellError, match="whole number"):
        Integer().parse("1.5")


def test_yes_no_choices_and_text() -> None:
    assert [Boolean().parse(word) for word in ("yes", "TRUE", "1", "x", "no", "False", "0")] == [True] * 4 + [False] * 3
    with pytest.raises(CellError, match="yes or no"):
        Boolean().parse("maybe")
    kinds = Choice([("site", "Site"), ("building", "Building")])
    assert kinds.parse("BUILDING") == kinds.parse("building") == "building"
    with pytest.raises(CellError, match=r"one of: site \(Site\), building \(Building\)"):
        kinds.parse("campus")
    with pytest.raises(CellError, match="at most 5"):
        Text(5).parse("too long")
