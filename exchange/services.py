"""The data-exchange actions: import a file (dry run, all or nothing, or the valid rows), follow a dry run
with the real import, and export. Screens, the API and the commands call these and nothing else."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionForbidden
from core.jobs import enqueue_on_commit
from core.scoping import is_administrator, visible_site_ids
from exchange import registry
from exchange.files import FileRefused
from exchange.models import ImportMode, ImportOutcome, ImportRun
from exchange.registry import ImportJob
from exchange.report import ImportReport


class _RollBack(Exception):
    """Leaves the import's transaction without writing anything."""


def _require(user: Any, permission: str) -> None:
    if not (user.has_perm("exchange.add_importrun") and (not permission or user.has_perm(permission))):
        raise ActionForbidden(_("You may not import this kind of data."))


def import_file(
    *, format: str, path: Path, original_name: str, user: Any, options: dict[str, Any] | None = None, mode: str
) -> ImportReport:
    """Import ``path`` as ``format`` in one transaction and say what it did (or, on a dry run, would do).

    Nothing is written on a dry run, when the file is refused, or when any row has a problem and ``mode``
    is not ``valid_rows``; with ``valid_rows`` the rows with problems are skipped and listed."""
    importer = registry.importer(format)
    _require(user, importer.permission)
    report = ImportReport(format, dry_run=mode == ImportMode.DRY_RUN, valid_rows=mode == ImportMode.VALID_ROWS)
    try:
        extension = importer.check_file(path, original_name)
        cleaned = importer.clean_options(dict(options or {}), user)
    except FileRefused as error:
        report.refuse(str(error))
        return report
    except (ValueError, PermissionDenied) as error:
        report.refuse(str(error) or _("You may not import this."))
        return report
    sites = visible_site_ids(user)
    job = ImportJob(
        path=path,
        original_name=original_name,
        user=user,
        options=cleaned,
        report=report,
        extension=extension,
        site_ids=None if sites is None else frozenset(sites),
    )
    try:
        with transaction.atomic():
            importer.run(job)
            if report.refused or report.dry_run or (report.has_problems and not report.valid_rows):
                raise _RollBack
            report.written = True
    except _RollBack:
        pass
    except FileRefused as error:
        report.written = False
        report.refuse(str(error))
    except IntegrityError as error:
        report.written = False
        report.refuse(
            _("Another change to the same records was saved while this import ran (%(error)s); run it again.")
            % {"error": str(error).splitlines()[0][:200]}
        )
    return report


def _outcome(report: ImportReport) -> str:
    if report.refused:
        return ImportOutcome.REFUSED
    if report.written:
        return ImportOutcome.WRITTEN_WITH_SKIPS if report.has_problems else ImportOutcome.WRITTEN
    return ImportOutcome.PROBLEMS if report.has_problems else ImportOutcome.CHECKED


def inline_max_bytes() -> int:
    """Files up to this size are imported while the screen or API waits; larger ones by the worker."""
    return int(getattr(settings, "IMPORT_INLINE_MAX_BYTES", 512 * 1024))


def _start(run: ImportRun, user: Any, background: bool | None) -> ImportRun:
    if background is None:
        background = run.size > inline_max_bytes()
    if background:
        enqueue_on_commit("exchange.run_import", run.pk)
        return run
    return _run(run, user)


def import_run_queued(*, run_id: int) -> ImportRun | None:
    """What the worker does with a queued run: claim it (a second worker, or the same job delivered twice,
    finds it claimed and does nothing), import, keep the report. An error ends it as failed (the import's
    transaction is rolled back, so nothing was written)."""
    claimed = ImportRun.objects.filter(pk=run_id, outcome=ImportOutcome.WAITING).update(outcome=ImportOutcome.RUNNING)
    if not claimed:
        return None
    run = ImportRun.objects.select_related("created_by").get(pk=run_id)
    try:
        return _run(run, run.created_by)
    except Exception as error:
        run.outcome = ImportOutcome.FAILED
        run.report = {**(run.report or {}), "error": f"{type(error).__name__}: {error}"[:1000]}
        run.finished_at = timezone.now()
        run.save(update_fields=["outcome", "report", "finished_at", "updated_at"])
        raise


def _run(run: ImportRun, user: Any) -> ImportRun:
    if user is None:
        raise ActionForbidden(_("The run has no user to import as."))
    with run.file.open("rb") as stored, tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(run.original_name).name
        with path.open("wb") as copy:
            for chunk in stored.chunks():
                copy.write(chunk)
        report = import_file(
            format=run.format, path=path, original_name=run.original_name, user=user, options=run.options, mode=run.mode
        )
    run.report = report.as_dict()
    run.outcome = _outcome(report)
    run.finished_at = timezone.now()
    run.save(update_fields=["report", "outcome", "finished_at", "updated_at"])
    return run


@dataclass
class Upload:
    """A file to import: an upload from a form or the API, or an open file of a command."""

    name: str
    content: UploadedFile | IO[bytes]


def import_run(
    *,
    format: str,
    upload: Upload,
    user: Any,
    options: dict[str, Any] | None = None,
    mode: str = ImportMode.DRY_RUN,
    background: bool | None = None,
) -> ImportRun:
    """Keep the uploaded file with a new run, import it in ``mode`` and keep the report on the run.

    ``background``: queue the run for the worker (``None``: when the file is larger than
    ``IMPORT_INLINE_MAX_BYTES``); the run then says "waiting" until the worker has done it."""
    importer = registry.importer(format)
    _require(user, importer.permission)
    if mode not in ImportMode.values:
        raise ValueError(f"Unknown mode {mode!r}.")
    run = ImportRun(
        format=format,
        original_name=Path(upload.name).name[:255] or "upload",
        options=dict(options or {}),
        mode=mode,
        created_by=user if getattr(user, "pk", None) else None,
    )
    content = upload.content if isinstance(upload.content, File) else File(upload.content, name=run.original_name)
    run.size = content.size or 0
    run.file.save(run.original_name, content, save=False)
    run.save()
    return _start(run, user, background)


def import_confirm(*, run: ImportRun, user: Any, mode: str, background: bool | None = None) -> ImportRun:
    """Follow the dry run ``run`` with the real import of the same file and options."""
    if run.mode != ImportMode.DRY_RUN:
        raise ValueError(_("Only a dry run can be followed by an import."))
    if run.outcome in (ImportOutcome.WAITING, ImportOutcome.RUNNING, ImportOutcome.REFUSED, ImportOutcome.FAILED):
        raise ValueError(_("Only a finished dry run of a readable file can be followed by an import."))
    if mode not in (ImportMode.ALL_OR_NOTHING, ImportMode.VALID_ROWS):
        raise ValueError(_("Choose to import everything or the valid rows."))
    importer = registry.importer(run.format)
    _require(user, importer.permission)
    # Two clicks (or two people) at once: the dry run's row is locked, so the second one sees the first
    # import and is refused instead of importing the file again.
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        earlier = locked.followed_by.order_by("pk").first()
        if earlier is not None:
            raise ValueError(_("This dry run was already imported (run %(run)s).") % {"run": earlier.pk})
        follow = ImportRun.objects.create(
            format=run.format,
            file=run.file.name,
            original_name=run.original_name,
            size=run.size,
            options=run.options,
            mode=mode,
            follows=run,
            created_by=user if getattr(user, "pk", None) else None,
        )
    return _start(follow, user, background)


def runs_visible_to(user: Any) -> QuerySet[ImportRun]:
    """Administrators see every run; others see their own."""
    runs = ImportRun.objects.select_related("created_by")
    return runs if user.is_superuser or is_administrator(user) else runs.filter(created_by=user)


def export_file(*, format: str, user: Any, options: dict[str, Any] | None = None) -> tuple[bytes, str, str]:
    """The export as (content, file name, content type)."""
    exporter = registry.exporter(format)
    if exporter.permission and not user.has_perm(exporter.permission):
        raise ActionForbidden(_("You may not export this kind of data."))
    content = exporter.export(user=user, options=dict(options or {}))
    stamp = timezone.localdate().isoformat()
    target = (options or {}).get("target")
    name = f"mms-{format}{'-' + str(target) if target else ''}-{stamp}.{exporter.extension}"
    return content, name, exporter.content_type
