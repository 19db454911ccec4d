"""Backups and restore, on whichever database the suite runs (SQLite by default, PostgreSQL in CI).

The round trip restores into a second, empty database: a fresh PostgreSQL database made with CREATE
DATABASE (the ``mms`` role may create databases), or a new SQLite file, configured as an extra
connection alias. The archive's own data is real: a site, a pump with readings, a released work order
(with its history rows), the role groups and permissions the migrations made, and media files.
"""

from __future__ import annotations

import io
import json
import tarfile
import threading
import tomllib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connections
from django.db.utils import load_backend
from django_celery_beat.models import PeriodicTask

from assets.factories import ContainerFactory, CounterFactory, ReadingFactory, ResourceFactory
from assets.models import Reading
from core.roles import ROLES, SUPERVISOR, sync_roles
from mms.backups import (
    BackupError,
    backup_create,
    backup_prune,
    backup_restore,
    backup_scheduled,
    backup_verify,
    table_states,
)
from mms.backups import postgres as postgres_backend
from mms.backups import sqlite as sqlite_backend
from mms.backups.archive import ArchiveWriter
from mms.backups.lock import backup_lock
from mms.backups.retention import archive_name
from mms.schedules import ensure_periodic_tasks
from mms.tasks import backup as backup_task
from orders.factories import released_order
from orders.models import WorkOrder
from people.factories import make_role_user

RESTORE_ALIAS = "restore_target"
MEDIA = {
    "attachments/2026/pump-datasheet.pdf": bytes(range(256)) * 40,
    "photos/bomba-centrífuga.jpg": b"\xff\xd8\xff\xe0" + b"\x00" * 1000,
    "empty.txt": b"",
}


@pytest.fixture
def folders(settings, tmp_path: Path) -> Path:
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def with_roles(transactional_db: None) -> None:
    # Transactional tests flush every table, the role groups included: make them again.
    if Group.objects.filter(name__in=ROLES).count() < len(ROLES):
        sync_roles(apps)


@pytest.fixture
def history(with_roles: None, folders: Path) -> WorkOrder:
    resource = ResourceFactory()
    counter = CounterFactory(resource=resource)
    for value in (100, 250, 412):
        ReadingFactory(counter=counter, value=value)
    ContainerFactory(area=resource.area)  # "m³": text beyond ASCII
    supervisor = make_role_user(SUPERVISOR, site=resource.area.site)
    order = released_order(resource, supervisor)
    for name, data in MEDIA.items():
        path = folders / "media" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return order


@pytest.fixture
def restore_target(tmp_path: Path):
    """An extra, empty database under the alias ``restore_target``, in this thread only.

    The connection is put in place without a settings entry: Django's test case allows such connections
    (a configured alias would have to be one of the test's databases, which it would then flush).
    """
    default = connections["default"]
    settings_dict = dict(default.settings_dict)
    created = None
    if default.vendor == "postgresql":
        created = f"{default.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
        with default._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{created}"')
        settings_dict["NAME"] = created
    else:
        settings_dict["NAME"] = str(tmp_path / "restored.sqlite3")
    connections[RESTORE_ALIAS] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, RESTORE_ALIAS)
    yield RESTORE_ALIAS
    connections[RESTORE_ALIAS].close()
    del connections[RESTORE_ALIAS]
    if created:
        with default._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def media_tree(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def rewrite_archive(archive: Path, target: Path, change) -> Path:
    """Copy an archive member by member, letting ``change(name, data)`` return other bytes for a member."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as copy:
        for member in source:
            data = source.extractfile(member).read() if member.isfile() else b""
            data = change(member.name, data)
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


# --- Round trip -----------------------------------------------------------------------------------


def test_backup_then_restore_into_an_empty_database_gives_every_table_back(
    history: WorkOrder, restore_target: str, settings, folders: Path
) -> None:
    before = table_states()
    archive = backup_create()

    assert archive.parent == folders / "backups"
    assert archive.name.startswith("mms-backup-")
    assert archive.name.endswith(".tar.gz")
    manifest = backup_verify(archive)
    assert manifest["database"]["vendor"] == connections["default"].vendor
    assert manifest["tables"] == {name: state.as_dict() for name, state in before.items()}
    assert manifest["tables"][WorkOrder._meta.db_table]["rows"] == 1
    assert manifest["tables"][Reading._meta.db_table]["rows"] == 3
    assert manifest["migrations"]["mms"]
    assert manifest["migrations"]["orders"]
    with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
        assert manifest["mms_version"] == tomllib.load(handle)["project"]["version"]
    assert manifest["media_files"] == len(MEDIA)
    assert {f"media/{name}" for name in MEDIA} < set(manifest["files"])

    settings.MEDIA_ROOT = folders / "media-restored"
    report = backup_restore(archive, using=restore_target)

    after = table_states(restore_target)
    assert set(after) == set(before)
    for table, state in before.items():
        assert after[table] == state, table  # row count and content checksum, table by table
    assert report.ok
    assert report.tables == len(before)
    assert report.rows == sum(state.rows for state in before.values())
    assert report.media_files == len(MEDIA)
    assert media_tree(folders / "media-restored") == MEDIA
    restored = WorkOrder.objects.using(restore_target).get()
    assert (restored.number, restored.title, restored.execution_state) == (
        history.number,
        history.title,
        history.execution_state,
    )


def test_checksum_sees_a_changed_value_with_the_same_row_count(history: WorkOrder) -> None:
    table = Reading._meta.db_table
    before = table_states()[table]
    reading = Reading.objects.order_by("pk").first()
    Reading.objects.filter(pk=reading.pk).update(value=reading.value + 1)
    after = table_states()[table]
    assert after.rows == before.rows == 3
    assert after.checksum != before.checksum
    Reading.objects.filter(pk=reading.pk).update(value=reading.value)
    assert table_states()[table] == before


# --- Refusals -------------------------------------------------------------------------------------


def test_a_non_empty_database_is_refused_unless_forced(
    history: WorkOrder, restore_target: str, settings, folders: Path
) -> None:
    archive = backup_create()
    archived = table_states()
    settings.MEDIA_ROOT = folders / "media-restored"
    backup_restore(archive, using=restore_target)
    Reading.objects.using(restore_target).filter(pk=Reading.objects.order_by("pk").first().pk).delete()
    changed = table_states(restore_target)
    (folders / "media-restored" / "stray.txt").write_text("not in the archive")

    with pytest.raises(BackupError, match=r"Nothing was restored: the database .* has rows in .* media folder"):
        backup_restore(archive, using=restore_target)
    assert table_states(restore_target) == changed  # untouched

    report = backup_restore(archive, using=restore_target, force=True)
    assert report.ok
    assert table_states(restore_target) == archived
    assert media_tree(folders / "media-restored") == MEDIA  # the stray file is gone


def test_a_media_folder_with_files_is_refused_and_the_database_left_empty(
    history: WorkOrder, restore_target: str
) -> None:
    archive = backup_create()  # MEDIA_ROOT still holds the files just archived
    with pytest.raises(BackupError, match=r"the media folder .* holds 3 file\(s\)"):
        backup_restore(archive, using=restore_target)
    backend = sqlite_backend if connections[restore_target].vendor == "sqlite" else postgres_backend
    assert backend.non_empty_tables(connections[restore_target]) == []


def test_the_default_database_with_its_migrations_is_not_empty(with_roles: None, folders: Path) -> None:
    archive = backup_create()
    with pytest.raises(BackupError, match="has rows in"):
        backup_restore(archive)


def test_a_tampered_truncated_or_foreign_archive_is_refused_before_anything_changes(
    history: WorkOrder, restore_target: str, settings, folders: Path
) -> None:
    archive = backup_create()
    settings.MEDIA_ROOT = folders / "media-restored"
    tampered = rewrite_archive(
        archive,
        folders / "tampered.tar.gz",
        lambda name, data: data.replace(b"\x00", b"\x01") if name == "media/photos/bomba-centrífuga.jpg" else data,
    )
    with pytest.raises(BackupError, match=r"fails its checksums.*media/photos/bomba-centrífuga.jpg"):
        backup_restore(tampered, using=restore_target)
    backend = sqlite_backend if connections[restore_target].vendor == "sqlite" else postgres_backend
    assert backend.non_empty_tables(connections[restore_target]) == []
    assert not (folders / "media-restored").exists()

    truncated = folders / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(BackupError, match="truncated"):
        backup_restore(truncated, using=restore_target)

    other = "postgresql" if connections["default"].vendor == "sqlite" else "sqlite"

    def other_vendor(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["database"]["vendor"] = other
        return json.dumps(manifest).encode()

    foreign = rewrite_archive(archive, folders / "foreign.tar.gz", other_vendor)
    with pytest.raises(BackupError, match=f"holds a {other} database"):
        backup_restore(foreign, using=restore_target)
    assert backend.non_empty_tables(connections[restore_target]) == []


# --- Writing --------------------------------------------------------------------------------------


def test_a_failed_backup_leaves_no_half_written_archive(history: WorkOrder, folders: Path, monkeypatch) -> None:
    earlier = backup_create()

    def disk_full(self, media_root):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ArchiveWriter, "add_media", disk_full)
    with pytest.raises(OSError, match="No space left"):
        backup_create()
    assert sorted(path.name for path in (folders / "backups").iterdir()) == [".lock", earlier.name]
    assert backup_verify(earlier)["tables"]


def test_pg_dump_gets_the_password_in_its_environment_only(with_roles: None, folders: Path, monkeypatch) -> None:
    if connections["default"].vendor != "postgresql":
        pytest.skip("pg_dump runs on PostgreSQL only (CI runs the suite on PostgreSQL too).")
    seen = []
    real_run = postgres_backend.subprocess.run

    def spy(command, **kwargs):
        seen.append((command, kwargs["env"]))
        return real_run(command, **kwargs)

    monkeypatch.setattr(postgres_backend.subprocess, "run", spy)
    backup_create()
    settings_dict = connections["default"].settings_dict
    [(command, env)] = seen
    assert env["PGPASSWORD"] == settings_dict["PASSWORD"]
    assert env["PGUSER"] == settings_dict["USER"]
    # Nothing but these on the command line: no password, no connection URL.
    assert "--format=custom" in command
    assert f"--dbname={settings_dict['NAME']}" in command
    assert all(
        argument.startswith(("--format=", "--no-password", "--snapshot=", "--file=", "--dbname="))
        for argument in command[1:]
    )


def test_management_commands(history: WorkOrder, folders: Path) -> None:
    out = io.StringIO()
    call_command("backup", "--output-dir", str(folders / "elsewhere"), stdout=out)
    archive = Path(out.getvalue().strip())
    assert archive.parent == folders / "elsewhere"
    assert archive.exists()

    out = io.StringIO()
    call_command("restore", str(archive), "--check", stdout=out)
    assert "match the manifest" in out.getvalue()
    with pytest.raises(CommandError, match="Nothing was restored"):
        call_command("restore", str(archive))


# --- Retention and the nightly task ---------------------------------------------------------------


def fake_archives(directory: Path, *times: str) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for stamp in times:
        path = directory / archive_name(datetime.fromisoformat(stamp).replace(tzinfo=UTC))
        path.write_bytes(b"")
        paths[stamp] = path
    return paths


def test_retention_keeps_the_newest_of_n_days_and_m_iso_weeks(tmp_path: Path) -> None:
    paths = fake_archives(
        tmp_path,
        "2026-12-04T15:00:00",  # Fri, ISO week 49 (a manual backup)
        "2026-12-04T01:30:00",  # Fri, week 49
        "2026-12-03T01:30:00",  # Thu, week 49
        "2026-12-02T01:30:00",  # Wed, week 49
        "2026-11-29T01:30:00",  # Sun, week 48
        "2026-11-25T01:30:00",  # Wed, week 48
        "2026-11-20T01:30:00",  # Fri, week 47
        "2026-11-10T01:30:00",  # Tue, week 46
        "2026-10-01T01:30:00",  # Thu, week 40
    )
    (tmp_path / "notes.txt").write_text("not an archive")
    # 3 days: the newest of Dec 4 (15:00), Dec 3, Dec 2. 3 weeks: the newest of week 49 (Dec 4 15:00,
    # kept already), 48 (Nov 29) and 47 (Nov 20). Deleted: Dec 4 01:30, Nov 25, Nov 10; Oct 1 is kept
    # because the caller asks to keep it.
    deleted = backup_prune(3, 3, directory=tmp_path, keep=(paths["2026-10-01T01:30:00"],))
    assert sorted(deleted) == sorted(
        [paths["2026-12-04T01:30:00"], paths["2026-11-25T01:30:00"], paths["2026-11-10T01:30:00"]]
    )
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.endswith(".tar.gz")) == sorted(
        paths[stamp].name
        for stamp in (
            "2026-12-04T15:00:00",
            "2026-12-03T01:30:00",
            "2026-12-02T01:30:00",
            "2026-11-29T01:30:00",
            "2026-11-20T01:30:00",
            "2026-10-01T01:30:00",
        )
    )
    assert (tmp_path / "notes.txt").exists()

    # Keeping nothing still keeps the newest archive.
    backup_prune(0, 0, directory=tmp_path)
    assert sorted(path.name for path in tmp_path.glob("*.tar.gz")) == [paths["2026-12-04T15:00:00"].name]


def test_nightly_task_backs_up_then_prunes(history: WorkOrder, settings, folders: Path) -> None:
    settings.BACKUP_KEEP_DAILY = 2
    settings.BACKUP_KEEP_WEEKLY = 0
    now = datetime.now(UTC).replace(microsecond=0)
    old = fake_archives(
        folders / "backups",
        *[(now - timedelta(days=days)).replace(tzinfo=None).isoformat() for days in (2, 3, 10)],
    )
    backup_task()  # as the worker runs it

    remaining = sorted((folders / "backups").glob("*.tar.gz"))
    # Two days kept: today's new archive and the newest of the day before that has one (2 days ago).
    assert len(remaining) == 2
    assert old[(now - timedelta(days=2)).replace(tzinfo=None).isoformat()] in remaining
    [new] = [path for path in remaining if path not in old.values()]
    assert backup_verify(new)["tables"][WorkOrder._meta.db_table]["rows"] == 1

    ensure_periodic_tasks()
    entry = PeriodicTask.objects.get(task="mms.backup")
    assert (entry.crontab.hour, entry.crontab.minute) == ("1", "30")


def test_two_backups_at_once_do_not_interleave(history: WorkOrder, folders: Path, monkeypatch) -> None:
    backend = sqlite_backend if connections["default"].vendor == "sqlite" else postgres_backend
    real_dump = backend.dump
    dumping, release = threading.Event(), threading.Event()

    def slow_dump(connection, work_dir):
        dumping.set()
        assert release.wait(30)
        return real_dump(connection, work_dir)

    monkeypatch.setattr(backend, "dump", slow_dump)
    results = []

    def first() -> None:
        try:
            results.append(backup_scheduled())
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    assert dumping.wait(30)
    # The first run holds the folder's lock while it dumps: a second run at the same moment skips.
    assert backup_scheduled() is None
    release.set()
    thread.join(60)
    [scheduled] = results
    assert scheduled is not None
    assert [path.name for path in (folders / "backups").glob("*.tar.gz")] == [scheduled.archive.name]
    assert backup_verify(scheduled.archive)["media_files"] == len(MEDIA)


def test_a_held_lock_makes_the_nightly_run_skip(with_roles: None, folders: Path) -> None:
    with backup_lock(folders / "backups"):
        assert backup_scheduled() is None
    assert list((folders / "backups").glob("*.tar.gz")) == []
    assert backup_scheduled() is not None


def test_libpq_environment_carries_the_connection_and_drops_inherited_pg_variables(monkeypatch) -> None:
    monkeypatch.setenv("PGDATABASE", "someone_elses")
    monkeypatch.setenv("PATH", "/usr/bin")
    env = postgres_backend.libpq_environment(
        {
            "HOST": "db.internal",
            "PORT": 5433,
            "USER": "mms",
            "PASSWORD": "s3cret",
            "OPTIONS": {"sslmode": "verify-full", "sslrootcert": "/etc/ssl/ca.pem", "isolation_level": 1},
        }
    )
    assert {key: value for key, value in env.items() if key.startswith("PG")} == {
        "PGHOST": "db.internal",
        "PGPORT": "5433",
        "PGUSER": "mms",
        "PGPASSWORD": "s3cret",
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": "/etc/ssl/ca.pem",
        "PGAPPNAME": "mms-backup",
    }
    assert env["PATH"] == "/usr/bin"


def test_retention_refuses_negative_numbers(tmp_path: Path) -> None:
    fake_archives(tmp_path, "2026-12-04T01:30:00")
    with pytest.raises(ValueError, match="0 or more"):
        backup_prune(-1, 4, directory=tmp_path)
