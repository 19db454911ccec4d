"""Small COBie workbooks made in the tests (openpyxl), and helpers to import and read them."""

from __future__ import annotations

import copy
import datetime
import io
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from exchange.cobie.schema import COLUMNS
from exchange.report import ImportReport
from exchange.services import import_file

AUTHOR = "author@example.org"
MADE = "2024-03-01T10:00:00"

Sheets = dict[str, list[dict[str, Any]]]


def facility() -> Sheets:
    """A valid little facility: two floors, three spaces, a zone, two types, four components, a
    system, a contact who supplies spares, a trade, two jobs and a spare."""
    base = {"CreatedBy": AUTHOR, "CreatedOn": MADE}
    return copy.deepcopy(
        {
            "Contact": [
                {**base, "Email": AUTHOR, "Company": "Author Ltd", "GivenName": "Ann", "FamilyName": "Author"},
                {
                    **base,
                    "Email": "sales@pumps.example",
                    "Company": "Pumps Inc",
                    "Phone": "+1 555 0100",
                    "Town": "Oslo",
                },
            ],
            "Facility": [{**base, "Name": "Clinic", "SiteName": "Clinic campus", "ProjectName": "Clinic build"}],
            "Floor": [{**base, "Name": "Ground", "Elevation": 0}, {**base, "Name": "First", "Elevation": 3.5}],
            "Space": [
                {**base, "Name": "G01", "FloorName": "Ground", "Description": "Plant room", "NetArea": 20.5},
                {**base, "Name": "G02", "FloorName": "Ground", "Description": "Store"},
                {**base, "Name": "F01", "FloorName": "First", "Description": "Ward"},
            ],
            "Zone": [
                {**base, "Name": "Fire zone A", "SpaceNames": "G01, G02", "Category": "FireZone"},
                {**base, "Name": "Fire zone A", "SpaceNames": "F01"},
            ],
            "Type": [
                {
                    **base,
                    "Name": "Circulation pump",
                    "Manufacturer": "sales@pumps.example",
                    "ModelNumber": "CP-40",
                    "WarrantyDurationParts": 2,
                    "WarrantyDurationLabor": 1,
                    "WarrantyDurationUnit": "year",
                    "Category": "Pumps",
                },
                {**base, "Name": "Smoke detector", "Manufacturer": "Detect AB", "ModelNumber": "SD-1"},
            ],
            "Component": [
                {
                    **base,
                    "Name": "Pump 1",
                    "TypeName": "Circulation pump",
                    "Space": "G01",
                    "SerialNumber": "SN-1",
                    "InstallationDate": datetime.datetime(2024, 1, 15),
                    "WarrantyStartDate": "2024-02-01",
                    "TagNumber": "P-001",
                    "BarCode": "0001",
                },
                {
                    **base,
                    "Name": "Pump 2",
                    "TypeName": "Circulation pump",
                    "Space": "G01, G02",
                    "InstallationDate": "2024-01-20",
                    "TagNumber": "P-002",
                },
                {**base, "Name": "Detector 1", "TypeName": "Smoke detector", "Space": "G02", "BarCode": "BC-77"},
                {**base, "Name": "Detector 2", "TypeName": "Smoke detector", "Space": "F01", "TagNumber": "n/a"},
            ],
            "System": [
                {**base, "Name": "Heating", "Category": "Heat", "ComponentNames": "Pump 1"},
                {**base, "Name": "Heating", "ComponentNames": "Pump 2"},
            ],
            "Resource": [
                {**base, "Name": "Pump fitter", "Category": "Training"},
                {**base, "Name": "Ladder", "Category": "Tools"},
            ],
            "Job": [
                {
                    **base,
                    "Name": "Inspect pump",
                    "TypeName": "Circulation pump",
                    "Category": "PM",
                    "Frequency": 6,
                    "FrequencyUnit": "month",
                    "Duration": 2,
                    "DurationUnit": "hour",
                    "ResourceNames": "Pump fitter, Ladder",
                    "TaskNumber": 1,
                },
                {
                    **base,
                    "Name": "Replace seal",
                    "TypeName": "Circulation pump",
                    "Frequency": 0.5,
                    "FrequencyUnit": "year",
                    "Duration": 30,
                    "DurationUnit": "minute",
                    "TaskNumber": 2,
                },
            ],
            "Spare": [
                {
                    **base,
                    "Name": "Seal kit",
                    "TypeName": "Circulation pump",
                    "Suppliers": "sales@pumps.example",
                    "PartNumber": "SK-40",
                    "SetNumber": "1",
                }
            ],
            "Document": [
                {
                    **base,
                    "Name": "Pump manual",
                    "SheetName": "Type",
                    "RowName": "Circulation pump",
                    "Category": "Manual",
                    "File": "cp40.pdf",
                    "Directory": "O&M/Pumps",
                }
            ],
            "Attribute": [
                {
                    **base,
                    "Name": "FlowRate",
                    "SheetName": "Type",
                    "RowName": "Circulation pump",
                    "Value": 3.5,
                    "Unit": "l/s",
                    "ExtObject": "IfcPropertySingleValue",
                    "ExtIdentifier": "Pset_PumpTypeCommon",
                },
                {**base, "Name": "Colour", "SheetName": "Component", "RowName": "Pump 1", "Value": "red"},
            ],
            "Coordinate": [
                {
                    **base,
                    "Name": "G01",
                    "Category": "point",
                    "SheetName": "Space",
                    "RowName": "G01",
                    "CoordinateXAxis": 1.5,
                }
            ],
        }
    )


def write(path: Path, sheets: Sheets, *, extra_sheets: dict[str, list[list[Any]]] | None = None) -> Path:
    """A workbook with the COBie 2.4 header of each sheet given (any other name: the keys of its first row)."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        columns = list(COLUMNS.get(name, list(rows[0]) if rows else ["Name"]))
        for row in rows:
            columns += [key for key in row if key not in columns]
        ws.append(columns)
        for row in rows:
            ws.append([row.get(column, "n/a") for column in columns])
    for name, lines in (extra_sheets or {}).items():
        ws = book.create_sheet(name)
        for line in lines:
            ws.append(line)
    book.save(path)
    return path


def run(path: Path, user: Any, mode: str = "all", **options: Any) -> ImportReport:
    return import_file(format="cobie", path=path, original_name=path.name, user=user, options=options, mode=mode)


def sheet_rows(content: bytes) -> dict[str, list[tuple[str, ...]]]:
    """Every sheet's data rows (header left out, each row as text), sorted: what two exports compare on."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    result = {}
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        result[name] = sorted(tuple(str(cell) for cell in row) for row in rows[1:])
    result["_headers"] = [tuple(book.get_sheet_by_name(n).to_python()[0]) for n in book.sheet_names]  # type: ignore[assignment]
    return result


def problems(report: ImportReport) -> list[tuple[str, int | None, str]]:
    return [(p.sheet, p.row, p.column) for p in report.problems]
