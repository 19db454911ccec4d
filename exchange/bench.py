"""The COBie import benchmark of ``manage.py bench``: a generated workbook of N components (10,000 by
default) over floors, spaces, types, systems and jobs, written with openpyxl into a temporary folder and
imported through ``exchange.services.import_file``, as an administrator would. It prints components per
second and the process's peak resident memory (``resource.getrusage``)."""

from __future__ import annotations

import datetime
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, User
from openpyxl import Workbook

from exchange.cobie.schema import COLUMNS
from exchange.models import ImportMode
from exchange.services import import_file

Emit = Callable[[dict[str, Any]], None]

FLOORS = 10
SPACES_PER_FLOOR = 50
TYPES = 100


def write_workbook(path: Path, components: int, *, system_rows: int | None = None, jobs: bool = True) -> None:
    """A COBie 2.4 workbook of ``components`` components (write-only openpyxl: memory stays flat), with
    one System row per ten components unless ``system_rows`` says how many, and a yearly Job on every
    tenth type unless ``jobs`` is false."""
    system_rows = components // 10 if system_rows is None else system_rows
    book = Workbook(write_only=True)
    made = "2024-01-15T09:00:00"
    author = "bench@example.org"

    def sheet(name: str, rows: Any) -> None:
        ws = book.create_sheet(name)
        columns = COLUMNS[name]
        ws.append(columns)
        for values in rows:
            ws.append([values.get(column, "n/a") for column in columns])

    sheet("Contact", [{"Email": author, "CreatedBy": author, "CreatedOn": made, "Company": "Bench Ltd"}])
    sheet("Facility", [{"Name": "Bench facility", "CreatedBy": author, "CreatedOn": made, "SiteName": "Bench site"}])
    sheet(
        "Floor",
        ({"Name": f"Level {f}", "CreatedBy": author, "CreatedOn": made, "Elevation": f * 3.5} for f in range(FLOORS)),
    )
    spaces = [f"S{f:02d}-{s:03d}" for f in range(FLOORS) for s in range(SPACES_PER_FLOOR)]
    sheet(
        "Space",
        (
            {
                "Name": name,
                "CreatedBy": author,
                "CreatedOn": made,
                "FloorName": f"Level {int(name[1:3])}",
                "NetArea": 12.5,
            }
            for name in spaces
        ),
    )
    sheet(
        "Type",
        (
            {
                "Name": f"Type {t:03d}",
                "CreatedBy": author,
                "CreatedOn": made,
                "Manufacturer": author,
                "ModelNumber": f"M-{t}",
                "WarrantyDurationParts": 2,
                "WarrantyDurationUnit": "year",
            }
            for t in range(TYPES)
        ),
    )
    sheet(
        "Component",
        (
            {
                "Name": f"Component {c:06d}",
                "CreatedBy": author,
                "CreatedOn": made,
                "TypeName": f"Type {c % TYPES:03d}",
                "Space": spaces[c % len(spaces)],
                "SerialNumber": f"SN{c:08d}",
                "InstallationDate": datetime.date(2024, 1, 1) + datetime.timedelta(days=c % 365),
                "TagNumber": f"BENCH-{c:06d}",
                "ExtIdentifier": f"guid-{c:06d}",
            }
            for c in range(components)
        ),
    )
    sheet(
        "System",
        (
            {
                "Name": f"System {c % 20:02d}",
                "CreatedBy": author,
                "CreatedOn": made,
                "ComponentNames": f"Component {c:06d}",
            }
            for c in range(0, system_rows * 10, 10)
        ),
    )
    sheet(
        "Job",
        (
            {
                "Name": "Annual service",
                "CreatedBy": author,
                "CreatedOn": made,
                "TypeName": f"Type {t:03d}",
                "Frequency": 1,
                "FrequencyUnit": "year",
                "Duration": 2,
                "DurationUnit": "hour",
            }
            for t in range(0, TYPES if jobs else 0, 10)
        ),
    )
    book.save(path)


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def cobie_import(components: int, emit: Emit) -> None:
    """Generate and import the workbook; emit ``components_per_s`` and ``peak_rss_mb``."""
    user, _created = User.objects.get_or_create(username="bench-cobie", defaults={"email": "bench@example.org"})
    user.groups.add(Group.objects.get(name="Administrator"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench-cobie.xlsx"
        started = time.perf_counter()
        write_workbook(path, components)
        written = time.perf_counter() - started
        started = time.perf_counter()
        report = import_file(
            format="cobie", path=path, original_name=path.name, user=user, mode=ImportMode.ALL_OR_NOTHING
        )
        seconds = time.perf_counter() - started
    if not report.written:
        raise RuntimeError(f"The bench workbook was not imported: {report.problems[:3]}")
    emit(
        {
            "bench": "cobie_import",
            "n": components,
            "rows": components,
            "seconds": round(seconds, 3),
            "rows_per_s": round(components / seconds) if seconds else None,
            "components_per_s": round(components / seconds) if seconds else None,
            "workbook_seconds": round(written, 3),
            "records": report.total("created"),
            "peak_rss_mb": _peak_rss_mb(),
        }
    )
