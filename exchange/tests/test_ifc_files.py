"""IFC files that cannot be imported are refused with a sentence naming the line or entity ifcopenshell
stopped at, and nothing is written; ``.ifczip`` archives are unpacked safely; schema names some writers
use for IFC 4.3 are read as it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from assets.models import Area, Resource
from core.roles import ADMINISTRATOR
from exchange.models import Attribute, ExternalRef, ImportMode
from exchange.services import import_file
from exchange.tests.ifc_builder import Builder, clinic
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Any:
    return make_role_user(ADMINISTRATOR)


@pytest.fixture
def model_text(tmp_path: Path) -> str:
    builder, _items = clinic()
    return builder.write(tmp_path / "source.ifc").read_text()


def run(path: Path, user: Any, name: str | None = None) -> Any:
    return import_file(
        format="ifc", path=path, original_name=name or path.name, user=user, options={}, mode=ImportMode.VALID_ROWS
    )


def refused(path: Path, user: Any, name: str | None = None) -> str:
    """The one message of a refused import, after checking that nothing was written."""
    report = run(path, user, name)
    assert report.refused, report.problems
    assert not report.written
    assert not Area.objects.exists()
    assert not Resource.objects.exists()
    assert not ExternalRef.objects.exists()
    assert not Attribute.objects.exists()
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert (problem.sheet, problem.row, problem.column) == ("", None, "")
    return problem.message


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def write(tmp_path: Path, text: str, name: str = "model.ifc") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_file_cut_off_in_the_middle_of_a_line_is_refused(tmp_path: Path, admin: Any, model_text: str) -> None:
    cut = model_text[: len(model_text) // 2]
    message = refused(write(tmp_path, cut), admin)
    assert "incomplete" in message
    assert f"line {cut.count(chr(10)) + 1}" in message


def test_a_file_cut_off_between_lines_is_refused(tmp_path: Path, admin: Any, model_text: str) -> None:
    lines = model_text.splitlines(keepends=True)
    message = refused(write(tmp_path, "".join(lines[:20])), admin)
    assert "incomplete" in message
    assert "line 20" in message


def test_a_syntax_error_is_refused_with_its_line(tmp_path: Path, admin: Any, model_text: str) -> None:
    broken = model_text.replace("'Pump 1'", "'Pump 1", 1)
    message = refused(write(tmp_path, broken), admin)
    # The parser notices the open string where the next quote closes it: on that line or just after.
    found = re.search(r"line (\d+)", message)
    assert found, message
    assert line_of(broken, "'Pump 1") <= int(found.group(1)) <= line_of(broken, "'Pump 1") + 3


def test_an_unknown_entity_is_refused_with_its_name_and_line(tmp_path: Path, admin: Any, model_text: str) -> None:
    broken = model_text.replace("IFCSPACE(", "IFCSPAZE(", 1)
    message = refused(write(tmp_path, broken), admin)
    assert "IFCSPAZE" in message
    assert f"line {line_of(broken, 'IFCSPAZE(')}" in message


def test_a_reference_to_a_missing_entity_is_refused(tmp_path: Path, admin: Any, model_text: str) -> None:
    start = model_text.index("IFCRELAGGREGATES(")
    end = model_text.index(";", start)
    relation = model_text[start:end]
    broken = model_text[:start] + relation[: relation.rindex("#")] + "#999999));" + model_text[end + 1 :]
    message = refused(write(tmp_path, broken), admin)
    assert "#999999" in message
    assert f"line {line_of(broken, '#999999')}" in message


def test_what_is_not_an_ifc_file_is_refused(tmp_path: Path, admin: Any, model_text: str) -> None:
    assert "not an IFC file" in refused(write(tmp_path, "Tag;Name\nP-1;Pump\n"), admin)
    no_schema = model_text.replace("FILE_SCHEMA(('IFC4'));", "")
    assert "FILE_SCHEMA" in refused(write(tmp_path, no_schema), admin)
    assert "empty" in refused(write(tmp_path, ""), admin)
    assert ".txt" in refused(write(tmp_path, model_text, "model.txt"), admin)
    archive = tmp_path / "model.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("model.ifc", model_text)
    assert "archive" in refused(archive, admin, "model.ifc")


@pytest.mark.parametrize("schema", ["IFC9", "IFC2X2_FINAL"])
def test_an_unknown_schema_is_refused_with_its_name(tmp_path: Path, admin: Any, model_text: str, schema: str) -> None:
    message = refused(write(tmp_path, model_text.replace("FILE_SCHEMA(('IFC4'))", f"FILE_SCHEMA(('{schema}'))")), admin)
    assert schema in message
    assert "IFC2X3, IFC4, IFC4X3" in message


def test_a_model_needs_exactly_one_project(tmp_path: Path, admin: Any, model_text: str) -> None:
    second = "#999999=IFCPROJECT('3vB2YO$MX4xv5uCqZZG05x',$,'Other',$,$,$,$,$,$);\nENDSEC;\nEND-ISO-10303-21;\n"
    two = model_text[: model_text.rindex("ENDSEC;")] + second
    assert "2 IfcProject" in refused(write(tmp_path, two), admin)


def test_the_early_ifc4x3_schema_name_is_read_as_ifc4x3(tmp_path: Path, admin: Any) -> None:
    builder, _items = clinic("IFC4X3")
    text = builder.write(tmp_path / "source.ifc").read_text().replace("'IFC4X3_ADD2'", "'IFC4X3'")

    report = run(write(tmp_path, text), admin)

    assert report.written, report.problems
    assert any("IFC4X3" in note for note in report.notes)
    assert Resource.objects.filter(tag="P-001").exists()


def test_an_ifczip_is_unpacked_under_a_name_of_our_own(tmp_path: Path, admin: Any, model_text: str) -> None:
    archive = tmp_path / "clinic.ifczip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("../../outside.ifc", model_text)
        handle.writestr("readme.txt", "the clinic")

    report = run(archive, admin)

    assert report.written, report.problems
    assert Resource.objects.filter(tag="P-001").exists()
    assert not (tmp_path.parent.parent / "outside.ifc").exists()


def test_an_ifczip_without_one_ifc_model_is_refused(tmp_path: Path, admin: Any, model_text: str) -> None:
    two = tmp_path / "two.ifczip"
    with zipfile.ZipFile(two, "w") as handle:
        handle.writestr("a.ifc", model_text)
        handle.writestr("b.ifc", model_text)
    xml = tmp_path / "xml.ifczip"
    with zipfile.ZipFile(xml, "w") as handle:
        handle.writestr("model.ifcXML", "<ifcXML/>")
    truncated = tmp_path / "cut.ifczip"
    with zipfile.ZipFile(truncated, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("model.ifc", model_text)
    truncated.write_bytes(truncated.read_bytes()[:-200])
    inner_cut = tmp_path / "inner-cut.ifczip"
    with zipfile.ZipFile(inner_cut, "w") as handle:
        handle.writestr("model.ifc", model_text[: len(model_text) // 2])

    assert "2 .ifc models" in refused(two, admin)
    assert "ifcXML" in refused(xml, admin)
    assert "damaged or incomplete" in refused(truncated, admin)
    assert "incomplete" in refused(inner_cut, admin)


def test_an_ifczip_bomb_is_refused(tmp_path: Path, admin: Any, settings: Any) -> None:
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    bomb = tmp_path / "bomb.ifczip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("model.ifc", "ISO-10303-21;\n" + " " * (5 * 1024 * 1024))
    assert "zip bomb" in refused(bomb, admin)


def test_an_ifc2x3_file_and_an_ifc4_file_of_one_project_are_not_confused(tmp_path: Path, admin: Any) -> None:
    """Keys are scoped by the project's GlobalId: two models with equal names stay apart."""
    first = Builder("IFC2X3", project="Clinic")
    storey = first.storey(first.building(first.site()))
    first.element("IfcFlowMovingDevice", "Pump", storey, tag="P-1")
    second = Builder("IFC4", project="Clinic")
    storey4 = second.storey(second.building(second.site()))
    second.element("IfcPump", "Pump", storey4, tag="P-1")

    assert run(first.write(tmp_path / "a.ifc"), admin).written
    report = run(second.write(tmp_path / "b.ifc"), admin)

    assert report.written
    assert Resource.objects.count() == 2
    assert set(ExternalRef.objects.values_list("scope", flat=True)) == {
        first.project.GlobalId,
        second.project.GlobalId,
    }
