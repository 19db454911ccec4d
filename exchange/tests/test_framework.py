"""The import service, file checks, screens, API and commands over the registry, with a small importer
of this test's own (``code;name`` lines -> sites) so they are proved apart from any real format."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from assets.factories import SiteFactory
from assets.models import Area, AreaKind
from core.roles import ADMINISTRATOR, PLANNER, TECHNICIAN
from exchange import registry, services
from exchange.files import FileRefused, check_text, check_workbook
from exchange.models import ImportMode, ImportOutcome, ImportRun
from exchange.refs import save_record
from exchange.registry import ImportJob
from exchange.report import ImportReport

pytestmark = pytest.mark.django_db


class SitesImporter:
    """``code;name`` per line -> a site; a line without both is a problem of that row."""

    format = "testsites"
    label = "Test sites"
    extensions = ("txt",)
    options: tuple[str, ...] = ()
    permission = "assets.add_area"
    description = ""

    def check_file(self, path: Path, original_name: str) -> str:
        return check_text(path, self.extensions, original_name)

    def clean_options(self, options: dict[str, Any], user: Any) -> dict[str, Any]:
        return options

    def run(self, job: ImportJob) -> None:
        lines = job.path.read_text().splitlines()
        job.report.read("sites", len(lines))
        for number, line in enumerate(lines, start=1):
            code, _, name = line.partition(";")
            if not name.strip():
                job.report.problem("sites", number, "name", "A site needs a name.")
                continue
            area = Area.objects.filter(code=code).first() or Area(kind=AreaKind.SITE, code=code, time_zone="UTC")
            try:
                action = save_record(area, {"name": name.strip()})
            except ValidationError as error:
                job.report.problem("sites", number, "code", "; ".join(error.messages))
                continue
            job.report.tally("sites", "site", action)


class SitesExporter:
    format = "testsites"
    label = "Test sites"
    extension = "txt"
    content_type = "text/plain"
    permission = "assets.view_area"
    options = ("site",)

    def export(self, *, user: Any, options: dict[str, Any]) -> bytes:
        sites = Area.objects.sites().order_by("code")
        if options.get("site"):
            sites = sites.filter(pk=options["site"])
        return "".join(f"{site.code};{site.name}\n" for site in sites).encode()


@pytest.fixture(autouse=True)
def test_format() -> Iterator[None]:
    saved_importers, saved_exporters = dict(registry._registry.importers), dict(registry._registry.exporters)
    registry.register_importer(SitesImporter())
    registry.register_exporter(SitesExporter())
    yield
    registry._registry.importers.clear()
    registry._registry.importers.update(saved_importers)
    registry._registry.exporters.clear()
    registry._registry.exporters.update(saved_exporters)


@pytest.fixture
def admin_user(role_user: Any) -> Any:
    return role_user(ADMINISTRATOR)


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def run(tmp_path: Path, user: Any, content: bytes, mode: str, name: str = "sites.txt") -> ImportReport:
    path = write(tmp_path, name, content)
    return services.import_file(format="testsites", path=path, original_name=name, user=user, mode=mode)


# --- the service ---------------------------------------------------------------------------------
def test_dry_run_counts_and_writes_nothing(tmp_path: Path, admin_user: Any) -> None:
    report = run(tmp_path, admin_user, b"S1;North\nS2;South\n", ImportMode.DRY_RUN)
    assert not report.problems, report.problems
    assert report.outcome["sites"]["site"]["created"] == 2
    assert report.rows == {"sites": 2}
    assert not report.written
    assert not Area.objects.exists()


def test_import_writes_and_a_second_import_changes_nothing(tmp_path: Path, admin_user: Any) -> None:
    report = run(tmp_path, admin_user, b"S1;North\nS2;South\n", ImportMode.ALL_OR_NOTHING)
    assert report.written
    assert report.total("created") == 2
    history = Area.history.count()
    again = run(tmp_path, admin_user, b"S1;North\nS2;South\n", ImportMode.ALL_OR_NOTHING)
    assert again.total("unchanged") == 2
    assert again.total("created") == again.total("updated") == 0
    assert Area.history.count() == history
    changed = run(tmp_path, admin_user, b"S1;North yard\nS2;South\n", ImportMode.ALL_OR_NOTHING)
    assert changed.total("updated") == 1
    assert Area.objects.get(code="S1").name == "North yard"
    assert Area.history.count() == history + 1


def test_a_problem_writes_nothing_unless_valid_rows_are_asked_for(tmp_path: Path, admin_user: Any) -> None:
    content = b"S1;North\nS2;\nS3;East\n"
    report = run(tmp_path, admin_user, content, ImportMode.ALL_OR_NOTHING)
    assert not report.written
    assert [(p.sheet, p.row, p.column) for p in report.problems] == [("sites", 2, "name")]
    assert not Area.objects.exists()  # S1 was saved inside the transaction, and rolled back
    report = run(tmp_path, admin_user, content, ImportMode.VALID_ROWS)
    assert report.written
    assert report.skipped_rows() == [("sites", 2)]
    assert set(Area.objects.values_list("code", flat=True)) == {"S1", "S3"}


def test_a_row_refused_by_the_model_is_a_problem_of_its_row(tmp_path: Path, admin_user: Any) -> None:
    report = run(tmp_path, admin_user, b"S1;North\n" + b"X" * 60 + b";Too long a code\n", ImportMode.DRY_RUN)
    assert [(p.row, p.column) for p in report.problems] == [(2, "code")]


def test_the_user_needs_the_importers_permission(tmp_path: Path, role_user: Any) -> None:
    planner = role_user(PLANNER)  # may import (exchange.add_importrun) but not add areas
    with pytest.raises(services.ActionForbidden):
        run(tmp_path, planner, b"S1;North\n", ImportMode.DRY_RUN)


# --- file checks ---------------------------------------------------------------------------------
def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Name", "Value"])
    for number in range(200):
        book.active.append([f"row {number}", number])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_whole_workbook_passes(tmp_path: Path) -> None:
    assert check_workbook(write(tmp_path, "book.xlsx", xlsx_bytes())) == "xlsx"


def test_a_truncated_workbook_is_refused(tmp_path: Path) -> None:
    content = xlsx_bytes()
    with pytest.raises(FileRefused, match="damaged or incomplete"):
        check_workbook(write(tmp_path, "book.xlsx", content[: len(content) // 2]))


def test_a_zip_bomb_is_refused_by_unpacking(tmp_path: Path, settings: Any) -> None:
    settings.IMPORT_MAX_UNPACKED_BYTES = 2 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    assert len(buffer.getvalue()) < 100_000  # small on disk
    with pytest.raises(FileRefused, match="zip bomb"):
        check_workbook(write(tmp_path, "bomb.xlsx", buffer.getvalue()))


def test_a_zip_bomb_that_lies_about_its_size_is_refused(tmp_path: Path, settings: Any) -> None:
    settings.IMPORT_MAX_UNPACKED_BYTES = 2 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", b"\0" * (1024 * 1024))
        archive.writestr("b.xml", b"\0" * (1024 * 1024))
        archive.writestr("c.xml", b"\0" * (1024 * 1024))
    content = bytearray(buffer.getvalue())
    # Rewrite each member's declared size (central directory) to 10 bytes: the headers now lie.
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
        infos = archive.infolist()
    for info in infos:
        marker = content.find(b"PK\x01\x02", 0)
        while marker != -1:
            name_length = int.from_bytes(content[marker + 28 : marker + 30], "little")
            if content[marker + 46 : marker + 46 + name_length] == info.filename.encode():
                content[marker + 24 : marker + 28] = (10).to_bytes(4, "little")
            marker = content.find(b"PK\x01\x02", marker + 4)
    with pytest.raises(FileRefused):
        check_workbook(write(tmp_path, "liar.xlsx", bytes(content)))


def test_a_50_mb_file_is_refused_without_reading_it(tmp_path: Path, admin_user: Any) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    report = services.import_file(
        format="testsites", path=path, original_name="big.txt", user=admin_user, mode=ImportMode.ALL_OR_NOTHING
    )
    assert report.refused
    assert not report.written
    assert "50.0 MB" in report.problems[0].message


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("book.xlsx", b"Name;Value\n", "not a zip archive"),
        ("book.xls", b"PK\x03\x04rest", "not an Excel 97-2003"),
        ("book.pdf", b"%PDF-1.4", "cannot be read as this format"),
        ("empty.xlsx", b"", "empty"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    with pytest.raises(FileRefused, match=message):
        check_workbook(write(tmp_path, name, content))


def test_a_spreadsheet_is_not_taken_for_a_text_file(tmp_path: Path, admin_user: Any) -> None:
    report = run(tmp_path, admin_user, xlsx_bytes(), ImportMode.ALL_OR_NOTHING, name="sites.txt")
    assert report.refused
    assert "not a .txt text file" in report.problems[0].message


# --- runs, the screen, the API and the commands --------------------------------------------------
def upload(content: bytes, name: str = "sites.txt") -> services.Upload:
    return services.Upload(name, io.BytesIO(content))


def test_a_dry_run_followed_by_the_import(admin_user: Any) -> None:
    dry = services.import_run(format="testsites", upload=upload(b"S1;North\n"), user=admin_user)
    assert dry.outcome == ImportOutcome.CHECKED
    assert not Area.objects.exists()
    done = services.import_confirm(run=dry, user=admin_user, mode=ImportMode.ALL_OR_NOTHING)
    assert done.outcome == ImportOutcome.WRITTEN
    assert done.follows == dry
    assert done.file.name == dry.file.name
    assert Area.objects.get(code="S1").name == "North"
    with pytest.raises(ValueError, match="Only a dry run"):
        services.import_confirm(run=done, user=admin_user, mode=ImportMode.ALL_OR_NOTHING)
    with pytest.raises(ValueError, match="already imported"):
        services.import_confirm(run=dry, user=admin_user, mode=ImportMode.ALL_OR_NOTHING)


def test_the_screen_runs_a_dry_run_then_the_import_of_the_valid_rows(client: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("exchange:home"))
    assert page.status_code == 200
    assert b'id="no-runs"' in page.content
    file = io.BytesIO(b"S1;North\nS2;\n")
    file.name = "sites.txt"
    response = client.post(reverse("exchange:home"), {"format": "testsites", "file": file, "mode": "dry_run"})
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exchange:run", args=[run.pk])
    page = client.get(reverse("exchange:run", args=[run.pk]))
    assert b"A site needs a name." in page.content
    assert b'id="confirm-valid-rows"' in page.content
    assert b'id="confirm-import"' not in page.content
    response = client.post(reverse("exchange:run_confirm", args=[run.pk]), {"mode": "valid_rows"})
    follow = ImportRun.objects.exclude(pk=run.pk).get()
    assert response["Location"] == reverse("exchange:run", args=[follow.pk])
    assert follow.outcome == ImportOutcome.WRITTEN_WITH_SKIPS
    assert list(Area.objects.values_list("code", flat=True)) == ["S1"]
    page = client.get(reverse("exchange:run", args=[follow.pk]))
    assert b'id="skipped-rows"' in page.content
    # The dry run now says it was imported, and offers no second import.
    page = client.get(reverse("exchange:run", args=[run.pk]))
    assert b'id="followed-by"' in page.content
    assert b'id="confirm-valid-rows"' not in page.content


def test_the_screen_shows_field_errors(client: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("exchange:home"), {"format": "nope", "mode": "dry_run"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"format", "file"}
    assert not ImportRun.objects.exists()


def test_who_may_use_the_screens(client: Any, role_user: Any, admin_user: Any) -> None:
    site = SiteFactory()
    client.force_login(role_user(TECHNICIAN, site=site))
    assert client.get(reverse("exchange:home")).status_code == 403
    planner = role_user(PLANNER, site=site)
    client.force_login(planner)
    assert client.get(reverse("exchange:home")).status_code == 200
    others = services.import_run(format="testsites", upload=upload(b"S1;North\n"), user=admin_user)
    assert client.get(reverse("exchange:run", args=[others.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("exchange:home")).status_code == 302


def test_the_runs_list_is_paged_in_a_bounded_number_of_queries(
    client: Any, admin_user: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(25):
        ImportRun.objects.create(format="testsites", original_name="x.txt", created_by=admin_user)
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("exchange:home"))
    assert page.content.count(b'id="run-') == 20
    assert b'rel="next"' in page.content


def test_export_from_the_screen(client: Any, admin_user: Any) -> None:
    site = SiteFactory(code="S9", name="Ninth")
    client.force_login(admin_user)
    response = client.get(reverse("exchange:export"), {"format": "testsites", "site": site.pk})
    assert response.status_code == 200
    assert response.content == b"S9;Ninth\n"
    assert "attachment" in response["Content-Disposition"]
    response = client.get(reverse("exchange:export"), {"format": "nope"})
    assert response.status_code == 302


def test_the_api_imports_confirms_and_exports(client: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    file = io.BytesIO(b"S1;North\n")
    file.name = "sites.txt"
    response = client.post("/api/v1/imports/", {"format": "testsites", "file": file})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mode"] == "dry_run"
    assert body["report"]["outcome"]["sites"]["site"]["created"] == 1
    response = client.post(f"/api/v1/imports/{body['id']}/import/", {"mode": "all"}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["outcome"] == "written"
    response = client.post(f"/api/v1/imports/{body['id']}/import/", {"mode": "all"}, content_type="application/json")
    assert response.status_code == 400
    assert "already imported" in response.json()["detail"]
    assert client.get("/api/v1/imports/").json()["count"] == 2
    assert client.get("/api/v1/exports/testsites/").content == b"S1;North\n"
    assert client.get("/api/v1/exports/nope/").status_code == 404
    assert client.get("/api/v1/exports/testsites/", {"site": "999999"}).status_code == 400


def test_the_api_refuses_bad_requests_in_json(client: Any, admin_user: Any, role_user: Any) -> None:
    client.force_login(admin_user)
    response = client.post("/api/v1/imports/", {"format": "nope"})
    assert response.status_code == 400
    assert set(response.json()) == {"format", "file"}
    client.force_login(role_user(TECHNICIAN, site=SiteFactory()))
    file = io.BytesIO(b"S1;North\n")
    file.name = "sites.txt"
    assert client.post("/api/v1/imports/", {"format": "testsites", "file": file}).status_code == 403


def test_the_commands(tmp_path: Path, admin_user: Any, capsys: Any) -> None:
    path = write(tmp_path, "sites.txt", b"S1;North\nS2;South\n")
    call_command("import_data", "testsites", str(path), "--user", admin_user.username, "--dry-run")
    assert "sites (2 rows) -> site: 2 new" in capsys.readouterr().out
    assert not Area.objects.exists()
    call_command("import_data", "testsites", str(path), "--user", admin_user.username)
    assert Area.objects.count() == 2
    bad = write(tmp_path, "bad.txt", b"S3;\n")
    with pytest.raises(CommandError, match="Problems found"):
        call_command("import_data", "testsites", str(bad), "--user", admin_user.username)
    assert "sites, row 1, column name: A site needs a name." in capsys.readouterr().err
    with pytest.raises(CommandError, match="Unknown import format"):
        call_command("import_data", "nope", str(path), "--user", admin_user.username)
    out = tmp_path / "out.txt"
    call_command("export_data", "testsites", "--user", admin_user.username, "-o", str(out))
    assert out.read_bytes() == b"S1;North\nS2;South\n"


# --- large files: the worker imports them ----------------------------------------------------------
def test_a_large_file_waits_for_the_worker_which_imports_it_once(
    admin_user: Any, settings: Any, django_capture_on_commit_callbacks: Any, client: Any
) -> None:
    from exchange import tasks

    settings.IMPORT_INLINE_MAX_BYTES = 5
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.import_run(
            format="testsites", upload=upload(b"S1;North\n"), user=admin_user, mode=ImportMode.ALL_OR_NOTHING
        )
    assert len(callbacks) == 1  # the job is sent once the run is committed
    assert run.outcome == ImportOutcome.WAITING
    assert not Area.objects.exists()
    client.force_login(admin_user)
    page = client.get(reverse("exchange:run", args=[run.pk]))
    assert b'id="run-waiting"' in page.content
    assert b'hx-trigger="every 2s"' in page.content
    assert tasks.run_import(run.pk) == ImportOutcome.WRITTEN
    assert tasks.run_import(run.pk) == "already claimed"  # delivered twice: imported once
    assert Area.objects.count() == 1
    page = client.get(reverse("exchange:run", args=[run.pk]))
    assert b'id="run-waiting"' not in page.content


def test_an_error_in_the_worker_ends_the_run_as_failed_with_nothing_written(admin_user: Any, monkeypatch: Any) -> None:
    from exchange import tasks

    def explode(self: SitesImporter, job: ImportJob) -> None:
        Area.objects.create(kind=AreaKind.SITE, code="HALF", name="Half written", time_zone="UTC")
        raise RuntimeError("disk on fire")

    run = services.import_run(
        format="testsites",
        upload=upload(b"S1;North\n"),
        user=admin_user,
        mode=ImportMode.ALL_OR_NOTHING,
        background=True,
    )
    monkeypatch.setattr(SitesImporter, "run", explode)
    with pytest.raises(RuntimeError):
        tasks.run_import(run.pk)
    run.refresh_from_db()
    assert run.outcome == ImportOutcome.FAILED
    assert "disk on fire" in run.report["error"]
    assert not Area.objects.exists()
    with pytest.raises(ValueError, match="Only a dry run"):
        services.import_confirm(run=run, user=admin_user, mode=ImportMode.ALL_OR_NOTHING)
