"""Reading COBie cells and headers: the quirks of real workbooks, without a database."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from exchange.cobie import schema
from exchange.cobie.maintenance import interval_of, minutes_of
from exchange.cobie.reader import as_date, as_names, as_number, as_text, clean


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.datetime(2012, 12, 18, 9, 2, 33), datetime.date(2012, 12, 18)),
        (datetime.date(2020, 2, 29), datetime.date(2020, 2, 29)),
        ("2011-09-27T16:15:03.421-05:00", datetime.date(2011, 9, 27)),
        ("2011-09-27", datetime.date(2011, 9, 27)),
        ("27.09.2011", datetime.date(2011, 9, 27)),
        ("27/09/2011", datetime.date(2011, 9, 27)),
        ("09/27/2011", datetime.date(2011, 9, 27)),
        (40813.0, datetime.date(2011, 9, 27)),  # an Excel day number in a cell not formatted as a date
        ("1900-12-31T23:59:59", None),  # what COBie writers put where there is no date
        ("CIC 6", None),  # template text of the UK workbooks
        (None, None),
    ],
)
def test_dates_as_real_dates_and_as_text(value: object, expected: datetime.date | None) -> None:
    assert as_date(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("next spring", "is not a date"),
        ("2011-02-30", "is not a date that exists"),
        ("03/04/2011", "day first or month first"),
    ],
)
def test_text_that_is_no_date_says_why(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        as_date(value)


def test_numbers_names_and_text() -> None:
    assert as_number("3,5") == Decimal("3.5")
    assert as_number(2.0) == Decimal("2.0")
    assert as_number("CIC 5") is None
    with pytest.raises(ValueError, match="is not a number"):
        as_number("twice a year")
    assert as_names("A101, A102;A103, A101, n/a, CIC 3") == ["A101", "A102", "A103"]
    assert as_text(61853.0) == "61853"
    assert as_text(3.1) == "3.1"
    assert as_text(datetime.datetime(2012, 1, 2, 3, 4, 5)) == "2012-01-02T03:04:05"


def test_empty_cells_n_a_and_placeholders_repeating_the_header() -> None:
    assert clean("  ", "Name") is None
    assert clean("n/a", "SerialNumber") is None
    assert clean("N/A", "SerialNumber") is None
    assert clean("SerialNumber", "SerialNumber") is None  # the Duplex template's way of saying "none"
    assert clean("Serial Number", "SerialNumber") is None
    assert clean(" SN-1 ", "SerialNumber") == "SN-1"
    assert clean(0.0, "Elevation") == 0.0


def test_sheet_and_column_names_in_other_spellings() -> None:
    assert schema.canonical_sheet("Components ") == "Component"
    assert schema.canonical_sheet("facilities") == "Facility"
    assert schema.canonical_sheet("PickLists") is None
    assert schema.canonical_column("Space", "Floor Name") == "FloorName"
    assert schema.canonical_column("Floor", "ExternalSystem") == "ExtSystem"
    assert schema.canonical_column("Contact", "ExtSystem") == "ExternalSystem"
    assert schema.canonical_column("Component", "Spaces") == "Space"
    assert schema.canonical_column("Type", "Warranty Duration Labour") == "WarrantyDurationLabor"
    assert schema.canonical_column("Type", "Colour") == "Color"
    assert schema.canonical_column("Space", "Owner's note") is None


def test_job_frequencies_and_durations() -> None:
    assert interval_of(Decimal(6), "month") == (6, "months")
    assert interval_of(Decimal("0.5"), "Year") == (6, "months")
    assert interval_of(Decimal(1), "quarterly") == (3, "months")
    assert interval_of(Decimal("1.5"), "day") == (36, "hours")
    assert interval_of(Decimal(1), "fortnight") is None
    assert interval_of(Decimal(0), "year") is None
    assert minutes_of(Decimal(2), "hour") == 120
    assert minutes_of(Decimal(30), "minutes") == 30
    assert minutes_of(Decimal("0.5"), "day") == 720
