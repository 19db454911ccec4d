"""Helpers of the CSV tests: run an import of some text through the import service, export a register."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from exchange import services
from exchange.models import ImportMode
from exchange.report import ImportReport

ALL = ImportMode.ALL_OR_NOTHING
DRY = ImportMode.DRY_RUN
VALID = ImportMode.VALID_ROWS


def write_file(folder: Path, content: str | bytes, name: str = "register.csv") -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def run_import(
    folder: Path,
    user: Any,
    content: str | bytes | Path,
    target: str,
    *,
    mode: str = ALL,
    name: str = "register.csv",
    **options: Any,
) -> ImportReport:
    """Import ``content`` (text, bytes or a file) as the register ``target``."""
    path = content if isinstance(content, Path) else write_file(folder, content, name)
    return services.import_file(
        format="csv",
        path=path,
        original_name=path.name if isinstance(content, Path) else name,
        user=user,
        options={"target": target, **options},
        mode=mode,
    )


def export(user: Any, target: str, **options: Any) -> str:
    content, _name, _type = services.export_file(format="csv", user=user, options={"target": target, **options})
    assert content.startswith("\ufeff".encode())
    return content.decode("utf-8-sig")


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def problems(report: ImportReport) -> list[tuple[int | None, str, str]]:
    """(row, column, message) of every problem."""
    return [(p.row, p.column, p.message) for p in report.problems]


def counts(report: ImportReport, target: str, record: str) -> dict[str, int]:
    return dict(report.outcome.get(target, {}).get(record, {}))


def user_with(site: Any, *permissions: str, username: str = "csv-local") -> Any:
    """A user of one site (or none) holding exactly ``permissions`` (``app.codename``)."""
    from django.contrib.auth.models import Permission, User

    from people.factories import EmployeeFactory

    user = User.objects.create_user(username=username, password="x")
    for name in permissions:
        app, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    employee = EmployeeFactory(user=user, name=username)
    if site is not None:
        employee.sites.add(site)
    return User.objects.get(pk=user.pk)  # without cached permissions
