"""A legacy ``.xls`` (Excel 97-2003, written here with xlwt) imports as its ``.xlsx`` twin does: the
same records, dates given as real spreadsheet dates read as dates, and the same re-import behaviour."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import xlwt
from django.contrib.auth.models import User

from assets.models import Area, AreaKind, Resource
from core.roles import ADMINISTRATOR
from exchange.cobie.schema import COLUMNS
from exchange.models import ExternalRef
from exchange.tests.cobie_workbooks import Sheets, facility, run, write

pytestmark = pytest.mark.django_db
DATE_COLUMNS = {"InstallationDate", "WarrantyStartDate"}


def write_xls(path: Path, sheets: Sheets) -> Path:
    """The workbook as Excel 97-2003, with the component dates as real date cells (not text)."""
    book = xlwt.Workbook()
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        columns = list(COLUMNS.get(name, list(rows[0]) if rows else ["Name"]))
        for row in rows:
            columns += [key for key in row if key not in columns]
        for index, column in enumerate(columns):
            sheet.write(0, index, column)
        for number, row in enumerate(rows, start=1):
            for index, column in enumerate(columns):
                value = row.get(column, "n/a")
                if column in DATE_COLUMNS and isinstance(value, str) and value[:4].isdigit():
                    sheet.write(number, index, datetime.date.fromisoformat(value[:10]), date_style)
                elif isinstance(value, datetime.date):
                    sheet.write(number, index, value, date_style)
                else:
                    sheet.write(number, index, value)
    book.save(str(path))
    return path


@pytest.fixture
def admin(role_user: Any) -> User:
    return role_user(ADMINISTRATOR, email="admin@example.org")


def snapshot() -> list[tuple[Any, ...]]:
    return sorted(
        Resource.objects.values_list("name", "tag", "area__name", "installation_date", "warranty_end", "serial_number")
    )


def test_an_xls_workbook_imports_as_its_xlsx_twin(tmp_path: Path, admin: User) -> None:
    sheets = facility()
    xls = write_xls(tmp_path / "clinic.xls", sheets)
    assert xls.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a real OLE2 workbook

    report = run(xls, admin)
    assert report.written, report.problems
    assert not report.problems
    from_xls = snapshot()
    assert Area.objects.filter(kind=AreaKind.SPACE).count() == len(sheets["Space"])
    pump = Resource.objects.get(name="Pump 1")
    assert pump.installation_date == datetime.date(2024, 1, 15)

    again = run(xls, admin)
    assert again.total("created") == again.total("updated") == 0

    # The same workbook as .xlsx, into an empty register, gives the same records.
    Resource.objects.all().delete()
    ExternalRef.objects.filter(kind="Component").delete()
    report = run(write(tmp_path / "clinic.xlsx", sheets), admin)
    assert report.written, report.problems
    assert snapshot() == from_xls
