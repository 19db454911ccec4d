"""Problems of an IFC model's content, each on its entity's row (sheet = the IFC class, row = the STEP
id, column = the IFC attribute): nothing written unless the user imports the valid rows, and then the
rows that depend on a skipped one are skipped too. Tags, and how many queries an import makes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ifcopenshell.api as api
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.factories import ResourceFactory
from assets.models import Area, AreaKind, Resource
from core.roles import ADMINISTRATOR
from exchange.models import Attribute, ExternalRef, ImportMode
from exchange.services import import_file
from exchange.tests.ifc_builder import PUMP, Builder, clinic
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


def run(path: Path, user: Any, mode: str = ImportMode.ALL_OR_NOTHING, **options: Any) -> Any:
    return import_file(format="ifc", path=path, original_name=path.name, user=user, options=options, mode=mode)


@pytest.fixture
def admin() -> Any:
    return make_role_user(ADMINISTRATOR)


def flawed_model() -> tuple[Builder, dict[str, Any]]:
    builder, items = clinic(pumps=3)
    b = builder
    pumps = items["pumps"]
    pumps[2].GlobalId = pumps[0].GlobalId  # copied, GlobalId and all, by a careless script
    items["loose"] = b.element(PUMP, "Loose pump", None, tag="P-LOOSE")  # contained nowhere
    items["orphan"] = api.run("root.create_entity", b.file, ifc_class="IfcSpace", name="Lost room")  # in no storey
    # A storey straight under the site (no building), with a space holding a pump.
    items["mezzanine"] = b.part(items["site"], "IfcBuildingStorey", "Mezzanine")
    items["loft"] = b.space(items["mezzanine"], "M01")
    items["loft_pump"] = b.element(PUMP, "Loft pump", items["loft"], tag="P-LOFT")
    bad_date = b.element(PUMP, "Dated pump", items["plant"], tag="P-DATE")
    b.pset(bad_date, "Pset_ManufacturerOccurrence", {"AcquisitionDate": "31/12/2020"})
    items["bad_date"] = bad_date
    return builder, items


def where(report: Any) -> set[tuple[str, int | None, str]]:
    return {(p.sheet, p.row, p.column) for p in report.problems}


def test_each_problem_names_the_entity_class_its_step_id_and_the_attribute(tmp_path: Path, admin: Any) -> None:
    builder, items = flawed_model()
    report = run(builder.write(tmp_path / "flawed.ifc"), admin)

    pumps = items["pumps"]
    assert where(report) == {
        ("IfcPump", pumps[2].id(), "GlobalId"),
        ("IfcPump", items["loose"].id(), "ContainedInStructure"),
        ("IfcSpace", items["orphan"].id(), "Decomposes"),
        ("IfcBuildingStorey", items["mezzanine"].id(), "Decomposes"),
        ("IfcSpace", items["loft"].id(), "Decomposes"),
        ("IfcPump", items["loft_pump"].id(), "ContainedInStructure"),
        ("IfcPump", items["bad_date"].id(), "Pset_ManufacturerOccurrence.AcquisitionDate"),
    }
    messages = {(p.sheet, p.row): p.message for p in report.problems}
    assert f"#{pumps[0].id()}" in messages[("IfcPump", pumps[2].id())]
    assert "no IfcRelContainedInSpatialStructure" in messages[("IfcPump", items["loose"].id())]
    assert "not part of the project's spatial structure" in messages[("IfcSpace", items["orphan"].id())]
    assert "Building" in messages[("IfcBuildingStorey", items["mezzanine"].id())]
    assert f"#{items['mezzanine'].id()}" in messages[("IfcSpace", items["loft"].id())]
    assert "'31/12/2020' is not a date" in messages[("IfcPump", items["bad_date"].id())]
    # All or nothing: nothing was written.
    assert not report.written
    assert not Area.objects.exists()
    assert not Resource.objects.exists()
    assert not ExternalRef.objects.exists()
    assert not Attribute.objects.exists()


def test_importing_the_valid_rows_skips_the_others_and_what_depends_on_them(tmp_path: Path, admin: Any) -> None:
    builder, items = flawed_model()
    report = run(builder.write(tmp_path / "flawed.ifc"), admin, mode=ImportMode.VALID_ROWS)

    assert report.written
    assert set(Resource.objects.values_list("tag", flat=True)) == {"P-001", "P-002", "AT-1", "TS-1", "BED-1"}
    assert not Area.objects.filter(name__in=["Mezzanine", "M01", "Lost room"]).exists()
    assert Area.objects.filter(kind=AreaKind.SPACE).count() == 2
    assert ("IfcPump", items["loft_pump"].id()) in report.skipped_rows()
    assert len(report.skipped_rows()) == 7


def test_an_element_keeps_its_tag_unless_another_has_it(tmp_path: Path, admin: Any) -> None:
    ResourceFactory(tag="TAKEN")
    b = Builder("IFC4")
    storey = b.storey(b.building(b.site()))
    twins = [b.element(PUMP, f"Twin {n}", storey, tag="TWIN") for n in (1, 2)]
    taken = b.element(PUMP, "Taken", storey, tag="TAKEN")
    long = b.element(PUMP, "Long", storey, tag="X" * 60)
    untagged = b.element(PUMP, "Untagged", storey)
    own = b.element(PUMP, "Own", storey, tag="OWN-1")
    path = b.write(tmp_path / "tags.ifc")

    report = run(path, admin)

    assert report.written, report.problems
    tags = dict(
        Resource.objects.filter(name__in=["Twin 1", "Twin 2", "Taken", "Long", "Untagged", "Own"]).values_list(
            "name", "tag"
        )
    )
    for element in (*twins, taken, long, untagged):
        assert tags[element.Name] == f"IFC-{element.GlobalId}"
    assert tags[own.Name] == "OWN-1"
    assert run(path, admin).total("updated") == 0  # generated tags are stable


def test_an_import_makes_as_many_queries_for_many_elements_as_for_few(tmp_path: Path, admin: Any) -> None:
    def queries(pumps: int, name: str) -> tuple[int, int]:
        builder, _items = clinic(pumps=pumps)
        path = builder.write(tmp_path / name)
        with CaptureQueriesContext(connection) as first:
            assert run(path, admin).written
        with CaptureQueriesContext(connection) as again:
            assert run(path, admin).written
        return len(first), len(again)

    few, few_again = queries(3, "few.ifc")
    many, many_again = queries(150, "many.ifc")

    # 147 more pumps (and 882 more attributes) cost a few more batches, not a query each.
    assert many - few <= 10, (few, many)
    assert many_again - few_again <= 2, (few_again, many_again)
    assert few_again <= 20  # an unchanged model: look-ups, and nothing written


def test_a_site_position_out_of_range_is_a_problem_of_the_site(tmp_path: Path, admin: Any) -> None:
    b = Builder("IFC4")
    site = b.site("Campus", latitude=(95, 0, 0), longitude=(10, 0, 0))
    b.element(PUMP, "Pump", b.storey(b.building(site)), tag="P-1")

    report = run(b.write(tmp_path / "far.ifc"), admin, mode=ImportMode.VALID_ROWS)

    assert [(p.sheet, p.row, p.column) for p in report.problems[:1]] == [("IfcSite", site.id(), "RefLatitude")]
    assert not Area.objects.exists()  # the building, its storey and the pump depend on the site
    assert len(report.skipped_rows()) == 4


def test_a_site_at_zero_zero_has_no_position(tmp_path: Path, admin: Any) -> None:
    b = Builder("IFC4")
    b.storey(b.building(b.site("Campus", latitude=(0, 0, 0), longitude=(0, 0, 0))))

    assert run(b.write(tmp_path / "zero.ifc"), admin).written
    assert Area.objects.get(kind=AreaKind.SITE).latitude is None


def test_a_space_contained_in_its_storey_instead_of_aggregated_is_read_as_its_part(tmp_path: Path, admin: Any) -> None:
    b = Builder("IFC2X3")
    storey = b.storey(b.building(b.site()), "Level 1")
    space = api.run("root.create_entity", b.file, ifc_class="IfcSpace", name="C01")
    relation = api.run("root.create_entity", b.file, ifc_class="IfcRelContainedInSpatialStructure")
    relation.RelatingStructure, relation.RelatedElements = storey, [space]
    b.element(PUMP, "Pump", space, tag="P-1")

    report = run(b.write(tmp_path / "contained.ifc"), admin)

    assert report.written, report.problems
    assert Area.objects.get(kind=AreaKind.SPACE, name="C01").parent.name == "Level 1"
    assert Resource.objects.get(tag="P-1").area.name == "C01"
    assert any("IfcRelContainedInSpatialStructure instead of IfcRelAggregates" in note for note in report.notes)
