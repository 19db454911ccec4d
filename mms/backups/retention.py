"""Which archives to keep: the newest of each of the last N days and of the last M ISO weeks.

Days and weeks are counted in UTC (the time in the archive's name), and only days and weeks that have
an archive count, as in borg's and restic's ``--keep-daily``/``--keep-weekly``: when backups stop for a
while, pruning never deletes the last good archives because their days are "too old".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ARCHIVE_PREFIX = "mms-backup-"
ARCHIVE_SUFFIX = ".tar.gz"
NAME_PATTERN = re.compile(r"^mms-backup-(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<serial>\d+))?\.tar\.gz$")


@dataclass(frozen=True, order=True)
class DatedArchive:
    """An archive file with the UTC time its name carries (serial: a second archive in the same second)."""

    created_at: datetime
    serial: int
    path: Path


def archive_name(created_at: datetime, serial: int = 0) -> str:
    stamp = created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{ARCHIVE_PREFIX}{stamp}{f'-{serial}' if serial else ''}{ARCHIVE_SUFFIX}"


def parse_archive_name(path: Path) -> DatedArchive | None:
    match = NAME_PATTERN.match(path.name)
    if match is None:
        return None
    created_at = datetime.strptime(match["stamp"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return DatedArchive(created_at=created_at, serial=int(match["serial"] or 0), path=path)


def dated_archives(directory: Path) -> list[DatedArchive]:
    """The archives in a folder, newest first; files with other names are never touched."""
    found = [parse_archive_name(path) for path in directory.iterdir() if path.is_file()] if directory.is_dir() else []
    return sorted((archive for archive in found if archive is not None), reverse=True)


def archives_to_keep(archives: Iterable[DatedArchive], keep_daily: int, keep_weekly: int) -> set[Path]:
    """The newest archive of each of the ``keep_daily`` latest days and ``keep_weekly`` latest ISO weeks."""
    if keep_daily < 0 or keep_weekly < 0:
        raise ValueError("keep_daily and keep_weekly must be 0 or more")
    newest_first = sorted(archives, reverse=True)
    kept: set[Path] = set()
    days: set[object] = set()
    weeks: set[object] = set()
    for archive in newest_first:
        day = archive.created_at.date()
        if day not in days and len(days) < keep_daily:
            days.add(day)
            kept.add(archive.path)
        week = archive.created_at.isocalendar()[:2]
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.add(week)
            kept.add(archive.path)
    return kept
