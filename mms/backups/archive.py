"""The archive: one ``.tar.gz`` holding the database dump, the media files and ``manifest.json``.

Layout::

    database/mms.pgdump | database/mms.sqlite3   the dump (pg_dump custom format, or a SQLite copy)
    media/<path under MEDIA_ROOT>                every regular file of the media folder
    manifest.json                                written last: it lists the sha256 and size of every
                                                 other member, as hashed while it was written

The manifest also records when and by what the archive was made (format version, MMS and Django
versions, database vendor and server version), the migrations applied per app, and every table's row
count and content checksum (``mms.backups.tables``). Reading checks every member against it before
anything is restored.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tarfile
import time
import tomllib
from pathlib import Path, PurePosixPath
from typing import IO, Any

import django
from django.conf import settings

from mms.backups.errors import BackupError

FORMAT = "mms-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_DIR = "database"
MEDIA_DIR = "media"
CHUNK = 1024 * 1024


def mms_version() -> str | None:
    """The version in pyproject.toml (the image copies it along with the code)."""
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None


def runtime_versions() -> dict[str, Any]:
    return {
        "mms_version": mms_version(),
        "django_version": django.get_version(),
        "python_version": sys.version.split()[0],
    }


class _HashingReader:
    """Hands tarfile the bytes of a file while hashing exactly the bytes it takes."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


class ArchiveWriter:
    """Writes the members one by one and remembers their sha256 and size for the manifest."""

    def __init__(self, path: Path) -> None:
        self.tar = tarfile.open(path, "w:gz", compresslevel=6)  # noqa: SIM115 (closed in close())
        self.files: dict[str, dict[str, Any]] = {}

    def add_file(self, source: Path, name: str) -> None:
        with open(source, "rb") as handle:
            stat = os.fstat(handle.fileno())
            info = tarfile.TarInfo(name)
            info.size = stat.st_size
            info.mtime = int(stat.st_mtime)
            info.mode = 0o644
            reader = _HashingReader(handle)
            # tarfile copies exactly info.size bytes (a file that shrank meanwhile raises), so the
            # hash below is the hash of the member as stored.
            self.tar.addfile(info, reader)
        self.files[name] = {"size": reader.size, "sha256": reader.digest.hexdigest()}

    def add_media(self, media_root: Path) -> int:
        """Add every regular file under the media folder (symbolic links are not followed); return how many."""
        if not media_root.is_dir():
            return 0
        count = 0
        for folder, subfolders, names in os.walk(media_root):
            subfolders.sort()
            for name in sorted(names):
                path = Path(folder) / name
                if path.is_symlink() or not path.is_file():
                    continue
                relative = path.relative_to(media_root).as_posix()
                try:
                    self.add_file(path, f"{MEDIA_DIR}/{relative}")
                except FileNotFoundError:
                    continue  # deleted between listing and reading: it is no longer part of the data
                count += 1
        return count

    def add_manifest(self, manifest: dict[str, Any]) -> None:
        data = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size = len(data)
        info.mtime = int(time.time())
        info.mode = 0o644
        self.tar.addfile(info, io.BytesIO(data))

    def close(self) -> None:
        self.tar.close()


def _allowed_member(member: tarfile.TarInfo) -> bool:
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts:
        return False
    if member.isdir():
        return path.parts[0] in {DATABASE_DIR, MEDIA_DIR}
    return member.isfile() and (member.name == MANIFEST_NAME or path.parts[0] in {DATABASE_DIR, MEDIA_DIR})


def extract_verified(archive: Path, staging: Path) -> dict[str, Any]:
    """Unpack the archive into ``staging`` and check every member against the manifest; return the manifest.

    Refuses links, device files and paths outside the archive's folders (tarfile's ``data`` filter on
    top), members the manifest does not list, listed members that are missing, and any size or sha256
    that differs: a truncated, tampered or foreign archive is refused before anything is restored.
    """
    hashes: dict[str, tuple[int, str]] = {}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                if not _allowed_member(member):
                    raise BackupError(f"{archive.name}: unexpected member {member.name!r}; this is not an MMS backup.")
                if member.isdir():
                    continue
                source = tar.extractfile(member)
                if source is None:  # pragma: no cover - regular files always have data
                    raise BackupError(f"{archive.name}: cannot read {member.name!r}.")
                target = staging / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                size = 0
                with source, open(target, "wb") as handle:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        handle.write(chunk)
                os.utime(target, (member.mtime, member.mtime))
                hashes[member.name] = (size, digest.hexdigest())
    except FileNotFoundError as exc:
        raise BackupError(f"No archive at {archive}.") from exc
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{archive.name} cannot be read as a .tar.gz archive ({exc}); it may be truncated.") from exc
    if MANIFEST_NAME not in hashes:
        raise BackupError(f"{archive.name} has no {MANIFEST_NAME}; this is not an MMS backup (or it is truncated).")
    manifest = _load_manifest(staging / MANIFEST_NAME, archive)
    hashes.pop(MANIFEST_NAME)
    problems = []
    listed: dict[str, dict[str, Any]] = manifest["files"]
    for name in sorted(set(listed) | set(hashes)):
        if name not in hashes:
            problems.append(f"{name}: listed in the manifest but missing")
        elif name not in listed:
            problems.append(f"{name}: in the archive but not in the manifest")
        elif hashes[name] != (listed[name]["size"], listed[name]["sha256"]):
            problems.append(f"{name}: size or sha256 differs from the manifest")
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise BackupError(f"{archive.name} fails its checksums, nothing was restored: {shown}.")
    return manifest


def _load_manifest(path: Path, archive: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{archive.name}: {MANIFEST_NAME} is not valid JSON ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive.name}: {MANIFEST_NAME} is not an MMS backup manifest.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{archive.name} has format version {manifest.get('format_version')!r}; this MMS reads version "
            f"{FORMAT_VERSION}. Restore it with the MMS version that made it ({manifest.get('mms_version')})."
        )
    for key, kind in (("files", dict), ("tables", dict), ("database", dict), ("migrations", dict)):
        if not isinstance(manifest.get(key), kind):
            raise BackupError(f"{archive.name}: {MANIFEST_NAME} has no valid {key!r}.")
    return manifest
