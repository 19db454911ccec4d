"""The formats MMS exchanges, registered by their modules (``exchange/formats.py`` imports them all).

An **importer** reads one file into records through the services of the apps below; the import service
(``exchange.services.import_run``) gives it the checked file, the options and a report, and wraps it in one
transaction that it rolls back on a dry run, or on any problem unless the user chose "import the valid
rows". An importer therefore:

- validates each row before writing it, reports each problem with ``report.problem(sheet, row, column,
  message)`` and skips that row (and the rows that depend on it);
- counts what each row became with ``report.tally(sheet, record, created|updated|unchanged)``;
- saves a record only when a value changed (re-importing the same file changes nothing, history included);
- raises ``exchange.files.FileRefused`` when the file as a whole cannot be read.

An **exporter** writes the records of one site (or every site the user sees) as a file.

Screens (``/exchange/``), the API (``/api/v1/imports/``, ``/api/v1/exports/``) and the commands
(``import_data``, ``export_data``) all go through these registrations, so a new format is one module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from exchange.report import ImportReport


@dataclass
class ImportJob:
    """What an importer is given: the checked file, who imports, and the cleaned options."""

    path: Path
    original_name: str
    user: Any
    options: dict[str, Any]
    report: ImportReport
    extension: str = ""
    site_ids: frozenset[int] | None = None  # sites the user may write to; None: every site


class Importer(Protocol):
    format: str  # the key used in URLs, the API and commands ("cobie", "ifc", "csv", "geojson")
    label: str
    extensions: tuple[str, ...]
    # Which of the shared options the import screen offers for this format: "site", "target", "mapping".
    options: tuple[str, ...]
    permission: str  # what a user needs to run it (besides exchange.add_importrun)

    def check_file(self, path: Path, original_name: str) -> str:
        """Refuse (``FileRefused``) a file that cannot be this format; return its extension."""
        ...

    def clean_options(self, options: dict[str, Any], user: Any) -> dict[str, Any]:
        """The options made valid (ids checked against what the user may see), or ``ValueError`` with a
        message for the user."""
        ...

    def run(self, job: ImportJob) -> None: ...


class Exporter(Protocol):
    format: str
    label: str
    extension: str
    content_type: str
    permission: str
    # Which options the export takes: "site" (one site or every site the user sees), "target" (CSV).
    options: tuple[str, ...]

    def export(self, *, user: Any, options: dict[str, Any]) -> bytes: ...


@dataclass
class _Registry:
    importers: dict[str, Importer] = field(default_factory=dict)
    exporters: dict[str, Exporter] = field(default_factory=dict)


_registry = _Registry()


def register_importer(importer: Importer) -> Importer:
    _registry.importers[importer.format] = importer
    return importer


def register_exporter(exporter: Exporter) -> Exporter:
    _registry.exporters[exporter.format] = exporter
    return exporter


def importers() -> dict[str, Importer]:
    return dict(_registry.importers)


def exporters() -> dict[str, Exporter]:
    return dict(_registry.exporters)


def importer(format: str) -> Importer:
    try:
        return _registry.importers[format]
    except KeyError:
        known = ", ".join(sorted(_registry.importers)) or "none"
        raise ValueError(f"Unknown import format {format!r}; known: {known}.") from None


def exporter(format: str) -> Exporter:
    try:
        return _registry.exporters[format]
    except KeyError:
        known = ", ".join(sorted(_registry.exporters)) or "none"
        raise ValueError(f"Unknown export format {format!r}; known: {known}.") from None


def format_label(format: str) -> str:
    found = _registry.importers.get(format) or _registry.exporters.get(format)
    return str(found.label) if found else format
