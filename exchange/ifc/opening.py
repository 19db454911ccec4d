"""Opening an IFC file: the checks a STEP file (ISO 10303-21) must pass before its model is read, the
unpacking of ``.ifczip`` archives, and ifcopenshell's parser messages turned into sentences that name
the line (ifcopenshell counts bytes; people count lines) or the entity where the file is broken.

A file ifcopenshell parses with errors is refused as a whole: it drops an instance it cannot read (an
unknown entity, a reference to a missing instance) and goes on, so the model it gives is not the file."""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ifcopenshell
from django.conf import settings
from django.utils.translation import gettext as _

from exchange.files import CHUNK, FileRefused

MAGIC = b"ISO-10303-21;"
END = b"END-ISO-10303-21;"
HEAD_BYTES = 64 * 1024
TAIL_BYTES = 4 * 1024
ERRORS_SHOWN = 3
WARNINGS_SHOWN = 5

# Schema names ifcopenshell reads, and the names some writers put in FILE_SCHEMA for the same schema
# (corrigenda and addenda, or the bare "IFC4X3" of early IFC 4.3 exporters).
SCHEMA_ALIASES = {
    "IFC2X3_TC1": "IFC2X3",
    "IFC2X3_FINAL": "IFC2X3",
    "IFC4_ADD1": "IFC4",
    "IFC4_ADD2": "IFC4",
    "IFC4_ADD2_TC1": "IFC4",
    "IFC4X3": "IFC4X3_ADD2",
    "IFC4X3_RC4": "IFC4X3_ADD2",
    "IFC4X3_TC1": "IFC4X3_ADD2",
    "IFC4X3_ADD1": "IFC4X3_ADD2",
}
READ_SCHEMAS = "IFC2X3, IFC4, IFC4X3"
_COMMENT = re.compile(rb"/\*.*?\*/", re.DOTALL)
_SCHEMA = re.compile(rb"FILE_SCHEMA\s*\(\s*\(\s*'([^']*)'", re.IGNORECASE)
_OFFSET = re.compile(r"\s+at offset (\d+)")


def max_model_bytes() -> int:
    """The largest IFC text read (after unpacking an ``.ifczip``): ifcopenshell holds the whole model in
    memory, about ten times the file's size."""
    return int(getattr(settings, "IMPORT_MAX_IFC_BYTES", 100 * 1024 * 1024))


@dataclass
class OpenedModel:
    """The parsed file, what it said of itself, and what the parser warned about (kept as notes)."""

    file: Any  # ifcopenshell.file
    schema: str
    declared_schema: str
    notes: list[str] = field(default_factory=list)


def unpack_ifczip(path: Path, folder: Path) -> Path:
    """The one ``.ifc`` model of an ``.ifczip`` archive (already checked by ``exchange.files.check_zip``),
    copied into ``folder`` under a name of our own: names inside an archive are never used as paths."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            models = [info for info in members if info.filename.lower().endswith(".ifc")]
            if not models:
                if any(info.filename.lower().endswith(".ifcxml") for info in members):
                    raise FileRefused(_("The .ifczip holds an ifcXML model; MMS reads IFC models in STEP form (.ifc)."))
                raise FileRefused(_("The .ifczip holds no .ifc model."))
            if len(models) > 1:
                raise FileRefused(
                    _("The .ifczip holds %(count)s .ifc models (%(names)s); zip one model per file.")
                    % {"count": len(models), "names": ", ".join(info.filename for info in models[:5])}
                )
            if models[0].file_size > max_model_bytes():
                raise FileRefused(_model_too_big(models[0].file_size))
            target = folder / "model.ifc"
            written = 0
            with archive.open(models[0]) as source, target.open("wb") as copy:
                while chunk := source.read(CHUNK):
                    written += len(chunk)
                    if written > max_model_bytes():
                        raise FileRefused(_model_too_big(written))
                    copy.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as error:
        raise FileRefused(
            _("The .ifczip file is damaged or incomplete (%(error)s). Save it again and upload the whole file.")
            % {"error": error}
        ) from error
    return target


def _model_too_big(size: int) -> str:
    return _("The IFC model is %(size).1f MB unpacked; the limit is %(limit).1f MB. Split the model.") % {
        "size": size / 1_048_576,
        "limit": max_model_bytes() / 1_048_576,
    }


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(HEAD_BYTES)
    data = data.removeprefix(b"\xef\xbb\xbf")
    return _COMMENT.sub(b"", data).lstrip()


def _ends_complete(path: Path) -> bool:
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - TAIL_BYTES))
        tail = handle.read()
    tail = _COMMENT.sub(b"", tail).rstrip(b" \t\r\n\x00\x1a")
    return tail.endswith(END)


def count_lines(path: Path) -> int:
    lines = 0
    last = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            lines += chunk.count(b"\n")
            last = chunk
    return lines + (0 if last.endswith(b"\n") else 1)


def lines_at(path: Path, offsets: Iterable[int]) -> dict[int, int]:
    """The 1-based line of each byte offset, in one pass over the file."""
    wanted = sorted(set(offsets))
    found: dict[int, int] = {}
    if not wanted:
        return found
    position, line, index = 0, 1, 0
    with path.open("rb") as handle:
        while index < len(wanted) and (chunk := handle.read(CHUNK)):
            end = position + len(chunk)
            while index < len(wanted) and wanted[index] < end:
                line_here = line + chunk.count(b"\n", 0, wanted[index] - position)
                found[wanted[index]] = line_here
                index += 1
            line += chunk.count(b"\n")
            position = end
    for offset in wanted[index:]:
        found[offset] = line
    return found


def check_step(path: Path) -> str:
    """Refuse what is not a whole IFC STEP file; return the schema its header declares."""
    if path.stat().st_size > max_model_bytes():
        raise FileRefused(_model_too_big(path.stat().st_size))
    head = _head(path)
    if not head.startswith(MAGIC):
        raise FileRefused(
            _("This is not an IFC file: it does not begin with ISO-10303-21; (an IFC model in STEP form does).")
        )
    match = _SCHEMA.search(head)
    if not match:
        raise FileRefused(_("The IFC file's header has no FILE_SCHEMA, so its schema (IFC2X3, IFC4...) is unknown."))
    if not _ends_complete(path):
        raise FileRefused(
            _(
                "The IFC file is incomplete: it stops at line %(line)s without the closing END-ISO-10303-21; "
                "(it was cut off while saving or uploading). Upload the whole file."
            )
            % {"line": count_lines(path)}
        )
    return match.group(1).decode("ascii", "replace").strip().upper()


def _with_schema(path: Path, declared: str, schema: str, folder: Path) -> Path:
    """A copy of ``path`` whose header names ``schema`` instead of the alias ``declared``."""
    target = folder / "model-schema.ifc"
    with path.open("rb") as source, target.open("wb") as copy:
        head = source.read(HEAD_BYTES)
        head = re.sub(
            rb"(FILE_SCHEMA\s*\(\s*\(\s*')" + re.escape(declared.encode()) + rb"'",
            lambda m: m.group(1) + schema.encode() + b"'",
            head,
            count=1,
            flags=re.IGNORECASE,
        )
        copy.write(head)
        shutil.copyfileobj(source, copy, CHUNK)
    return target


def _new_logger() -> Any:
    wrapper = ifcopenshell.ifcopenshell_wrapper
    if not hasattr(wrapper, "logger"):
        return None
    logger = wrapper.logger()
    logger.verbosity(wrapper.logger.LOG_WARNING)
    logger.output_format(wrapper.logger.FMT_INMEMORY)
    return logger


def _messages(logger: Any, path: Path) -> tuple[list[str], list[str]]:
    """(errors, warnings) the parser logged, with byte offsets given as lines."""
    if logger is None:
        return [], []
    logged = [(int(m.severity), str(m.message)) for m in logger.log_messages()]
    offsets = [int(found.group(1)) for _severity, text in logged for found in _OFFSET.finditer(text)]
    lines = lines_at(path, offsets)

    def located(text: str) -> str:
        return _OFFSET.sub(lambda found: " " + _("(line %(line)s)") % {"line": lines[int(found.group(1))]}, text)

    error_level = ifcopenshell.ifcopenshell_wrapper.logger.LOG_ERROR
    errors = [located(text) for severity, text in logged if severity >= error_level]
    # Duplicate GlobalIds are reported per entity by the importer, with the entity's own row.
    warnings = [
        located(text) for severity, text in logged if severity < error_level and "non-unique GlobalId" not in text
    ]
    return errors, warnings


def _listed(messages: list[str], shown: int) -> str:
    text = "; ".join(messages[:shown])
    if len(messages) > shown:
        text += " " + _("(and %(count)s more)") % {"count": len(messages) - shown}
    return text


def open_model(path: Path, folder: Path) -> OpenedModel:
    """Parse the IFC file at ``path`` (``folder`` is a scratch folder for a rewritten copy), or refuse it
    with the lines and entities the parser could not read."""
    declared = check_step(path)
    schema = SCHEMA_ALIASES.get(declared, declared)
    notes: list[str] = []
    source = path
    if schema != declared:
        source = _with_schema(path, declared, schema, folder)
        notes.append(
            _("The file declares the schema %(declared)s; it was read as %(schema)s.")
            % {"declared": declared, "schema": schema}
        )
    logger = _new_logger()
    try:
        model = ifcopenshell.open(source, format=".ifc", logger=logger) if logger else ifcopenshell.open(source, ".ifc")
    except ifcopenshell.SchemaError as error:
        raise FileRefused(
            _("The file is written in the %(schema)s schema; MMS reads %(known)s. Export the model in one of those.")
            % {"schema": declared or "?", "known": READ_SCHEMAS}
        ) from error
    except (ifcopenshell.Error, RuntimeError, OSError) as error:
        errors, _warnings = _messages(logger, source)
        raise FileRefused(
            _("The IFC file cannot be read (%(error)s).") % {"error": _listed(errors, ERRORS_SHOWN) or str(error)}
        ) from error
    errors, warnings = _messages(logger, source)
    if errors:
        raise FileRefused(
            _(
                "The IFC file has errors, so nothing of it was imported: %(errors)s. Correct the file (or export "
                "it again) and upload it once more."
            )
            % {"errors": _listed(errors, ERRORS_SHOWN)}
        )
    if warnings:
        notes.append(_("The IFC parser warned: %(warnings)s.") % {"warnings": _listed(warnings, WARNINGS_SHOWN)})
    projects = model.by_type("IfcProject")
    if len(projects) != 1:
        raise FileRefused(
            _("The IFC file has %(count)s IfcProject entities; a model has exactly one.") % {"count": len(projects)}
        )
    return OpenedModel(file=model, schema=str(model.schema), declared_schema=declared, notes=notes)
