"""One backup or prune at a time per backup folder: an exclusive ``flock`` on ``<folder>/.lock``.

A file lock works the same with SQLite and PostgreSQL, needs no broker, and is released by the kernel
when the process dies, so a killed backup never leaves a lock behind. Two beat entries firing at once,
or a manual ``manage.py backup`` during the nightly one, cannot interleave their writes or have the
prune delete an archive that is being written. (Containers sharing the folder through a volume on one
host share the lock; across hosts a network file system must support ``flock``.)
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".lock"


class BackupBusy(Exception):
    """Another process holds the folder's lock (raised only when not waiting for it)."""


@contextmanager
def backup_lock(directory: Path, *, wait: bool = True) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            raise BackupBusy(f"Another backup is running in {directory}.") from exc
        yield
    finally:
        os.close(descriptor)  # closing the descriptor releases the lock
