"""Checks an uploaded file passes before any importer reads it: a size limit, the format its content
(not its name) shows, and for zipped formats (``.xlsx``, ``.ods``) a bound on what it unpacks to, measured
by unpacking (a zip bomb can lie about sizes in its headers). Each failure is one clear sentence."""

from __future__ import annotations

import zipfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other Office 97-2003 files)
ZIP_MAGIC = b"PK\x03\x04"
CHUNK = 1 << 20


class FileRefused(Exception):
    """The file cannot be imported at all; the message says why, for the person who uploaded it."""


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 25 * 1024 * 1024))


def max_unpacked_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", 300 * 1024 * 1024))


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"


def check_size(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise FileRefused(_("The file is empty."))
    if size > max_bytes():
        raise FileRefused(
            _("The file is %(size)s; the limit for an import is %(limit)s. Split it, or ask an administrator.")
            % {"size": _mb(size), "limit": _mb(max_bytes())}
        )


def check_extension(path: Path, extensions: tuple[str, ...], original_name: str = "") -> str:
    """The file's extension (lower case, no dot), which must be one of ``extensions``."""
    name = original_name or path.name
    extension = Path(name).suffix.lower().lstrip(".")
    if extension not in extensions:
        raise FileRefused(
            _("A file ending in .%(ext)s cannot be read as this format; use one of: %(allowed)s.")
            % {"ext": extension or "?", "allowed": ", ".join(f".{e}" for e in extensions)}
        )
    return extension


def check_zip(path: Path, kind: str) -> None:
    """``path`` is a whole zip archive (``kind`` names the format for messages) that unpacks to no more
    than the limit: every member is read through, so damaged, truncated and bomb files are refused here
    rather than in the middle of an import."""
    with path.open("rb") as handle:
        if handle.read(4) != ZIP_MAGIC:
            raise FileRefused(_("This is not a %(kind)s file (its content is not a zip archive).") % {"kind": kind})
    limit = max_unpacked_bytes()
    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            declared = sum(info.file_size for info in archive.infolist())
            if declared > limit:
                raise FileRefused(_zip_bomb_message(kind, declared, limit))
            for info in archive.infolist():
                with archive.open(info) as member:
                    while chunk := member.read(CHUNK):
                        total += len(chunk)
                        if total > limit:
                            raise FileRefused(_zip_bomb_message(kind, total, limit))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as error:
        raise FileRefused(
            _("The %(kind)s file is damaged or incomplete (%(error)s). Save it again and upload the whole file.")
            % {"kind": kind, "error": error}
        ) from error


def _zip_bomb_message(kind: str, size: int, limit: int) -> str:
    return _(
        "The %(kind)s file unpacks to more than %(limit)s (at least %(size)s): it is refused as a possible zip "
        "bomb. A real register of that size should be split."
    ) % {"kind": kind, "size": _mb(size), "limit": _mb(limit)}


def check_ole2(path: Path, kind: str) -> None:
    with path.open("rb") as handle:
        if handle.read(8) != OLE2_MAGIC:
            raise FileRefused(
                _("This is not a %(kind)s file (its content is not an Excel 97-2003 workbook).") % {"kind": kind}
            )


def check_workbook(path: Path, original_name: str = "") -> str:
    """A spreadsheet (``.xlsx``, ``.xlsm``, ``.xls`` or ``.ods``) that may be opened: its extension."""
    check_size(path)
    extension = check_extension(path, ("xlsx", "xlsm", "xls", "ods"), original_name)
    if extension == "xls":
        check_ole2(path, ".xls")
    else:
        check_zip(path, f".{extension}")
    return extension


def check_text(path: Path, extensions: tuple[str, ...], original_name: str = "") -> str:
    """A text file (CSV, IFC, GeoJSON) within the size limit: its extension."""
    check_size(path)
    extension = check_extension(path, extensions, original_name)
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith((ZIP_MAGIC, OLE2_MAGIC)):
        raise FileRefused(
            _("This file is a spreadsheet or an archive, not a .%(ext)s text file: save it as .%(ext)s first.")
            % {"ext": extension}
        )
    return extension
