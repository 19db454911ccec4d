"""Column mappings: the services (create, update, delete, with their rules and permissions), imports
through a saved or an inline mapping with fixed values and patterns, and the screen that makes one from
a sample of the file (permissions, validation, empty states)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assets.models import Resource
from exchange.csvio.mappings import column_mapping_create, column_mapping_delete, column_mapping_update, mappings_for
from exchange.models import Attribute, ColumnMapping
from exchange.tests.csv_support import counts, problems, run_import

pytestmark = pytest.mark.django_db

ASSET_FILE = "Asset ID;Description;Built;Material\nA-1;Main pump;1998;steel\nA-2;Spare pump;;cast iron\n"


def make_mapping(user, **extra):
    values = {
        "target": "resources",
        "name": "Asset register",
        "columns": {"tag": "Asset ID", "name": "Description", "installation_date": "Built"},
        "defaults": {"area": "B1"},
    }
    values.update(extra)
    return column_mapping_create(user=user, **values)


def test_an_import_through_a_saved_mapping(tmp_path, csv_admin, csv_building) -> None:
    mapping = make_mapping(csv_admin)
    report = run_import(tmp_path, csv_admin, ASSET_FILE, "resources", mapping=mapping.pk)
    assert not report.problems
    assert counts(report, "resources", "resource")["created"] == 2
    pump = Resource.objects.get(tag="A-1")
    assert pump.name == "Main pump"
    assert pump.area == csv_building
    assert pump.installation_date.year == 1998
    # The column the mapping names for no field is kept as an attribute.
    assert Attribute.objects.get(object_id=pump.pk).name == "Material"
    assert any("Asset register" in note for note in report.notes)
    assert (
        counts(run_import(tmp_path, csv_admin, ASSET_FILE, "resources", mapping=mapping.pk), "resources", "resource")[
            "unchanged"
        ]
        == 2
    )


def test_inline_columns_fixed_values_and_patterns(tmp_path, csv_admin, csv_building) -> None:
    report = run_import(
        tmp_path,
        csv_admin,
        "Material;Diameter\nsteel;24\nconcrete;36\n",
        "resources",
        columns=json.dumps({"description": "Material"}),
        defaults={"tag": "TL-{row}", "name": "{Material} main {Diameter} in", "area": "B1"},
    )
    assert not report.problems
    assert list(Resource.objects.order_by("tag").values_list("tag", "name")) == [
        ("TL-2", "steel main 24 in"),
        ("TL-3", "concrete main 36 in"),
    ]
    # Columns used only in a pattern still are the record's attributes.
    assert Attribute.objects.filter(name="Diameter").count() == 2


def test_a_mapping_that_does_not_fit_the_file(tmp_path, csv_admin, csv_building) -> None:
    mapping = make_mapping(csv_admin)
    report = run_import(tmp_path, csv_admin, "Asset;Description\nA-1;Pump\n", "resources", mapping=mapping.pk)
    assert (None, "Asset ID") in [(row, column) for row, column, _m in problems(report)]
    report = run_import(tmp_path, csv_admin, ASSET_FILE, "resources", defaults={"tag": "{Nope}-{row}", "area": "B1"})
    assert any("names the column “Nope”" in message for _r, _c, message in problems(report))
    assert not Resource.objects.exists()


def test_mapping_options_are_checked(tmp_path, csv_admin, csv_building) -> None:
    parts_mapping = make_mapping(
        csv_admin, target="parts", columns={"part_number": "No", "description": "D"}, defaults={}
    )
    for options, message in [
        ({"mapping": parts_mapping.pk}, "no saved column mapping"),
        ({"mapping": "x"}, "no saved column mapping"),
        ({"columns": {"colour": "Colour"}}, "has no field colour"),
        ({"columns": "{not json"}, "not JSON"),
    ]:
        report = run_import(tmp_path, csv_admin, ASSET_FILE, "resources", **options)
        assert report.refused
        assert message in report.problems[0].message
    report = run_import(tmp_path, csv_admin, ASSET_FILE, "spaceships")
    assert "no CSV register “spaceships”" in report.problems[0].message


def test_the_services_check_what_they_save(csv_admin, role_user, csv_site) -> None:
    mapping = make_mapping(csv_admin)
    with pytest.raises(ValidationError) as refused:
        make_mapping(csv_admin, name="asset REGISTER")  # the same name, whatever the case
    assert "name" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        make_mapping(csv_admin, name="No area", defaults={})
    assert "column__area" in refused.value.message_dict  # required: a column or a fixed value
    with pytest.raises(ValidationError) as refused:
        make_mapping(csv_admin, name="Bad value", defaults={"area": "B1", "criticality": "extreme"})
    assert "fixed__criticality" in refused.value.message_dict
    with pytest.raises(ValidationError):
        make_mapping(csv_admin, name="", target="resources")
    updated = column_mapping_update(
        mapping=mapping, user=csv_admin, name="Asset register v2", columns=mapping.columns, defaults={"area": "B2"}
    )
    assert updated.defaults == {"area": "B2"}
    assert list(mappings_for("resources")) == [updated]
    technician = role_user("Technician", site=csv_site)
    with pytest.raises(PermissionDenied):
        make_mapping(technician, name="Mine")
    with pytest.raises(PermissionDenied):
        column_mapping_delete(mapping=mapping, user=technician)
    column_mapping_delete(mapping=mapping, user=csv_admin)
    assert not ColumnMapping.objects.exists()


# --- The screen ----------------------------------------------------------------------------------
def sample(content: str = ASSET_FILE, name: str = "assets.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


@pytest.fixture
def planner_client(role_user, csv_site) -> Client:
    client = Client()
    client.force_login(role_user("Planner", site=csv_site))
    return client


@pytest.fixture
def admin_client(csv_admin) -> Client:
    client = Client()
    client.force_login(csv_admin)
    return client


def test_the_screens_need_the_mapping_permissions(client, role_user, csv_site) -> None:
    url = reverse("exchange:csv_mapping_new")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(role_user("Technician", site=csv_site))
    assert client.get(url).status_code == 403
    assert client.get(reverse("exchange:csv_mappings")).status_code == 403
    assert client.post(url, {"step": "save", "target": "resources", "headers": "[]", "name": "x"}).status_code == 403


def test_the_list_has_an_empty_state(admin_client) -> None:
    response = admin_client.get(reverse("exchange:csv_mappings"))
    assert response.status_code == 200
    assert "No column mapping is saved yet" in response.content.decode()


def test_make_a_mapping_from_a_sample_of_the_file(admin_client, csv_admin, csv_building, tmp_path) -> None:
    url = reverse("exchange:csv_mapping_new")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"step": "sample", "target": "resources", "file": sample()})
    assert response.status_code == 200
    page = response.content.decode()
    # The file's headers with their first values, and a choice of them for every field.
    assert "Asset ID" in page
    assert "Main pump" in page
    form = response.context["form"]
    assert form["column__tag"].field.choices[1:] == [(h, h) for h in ["Asset ID", "Description", "Built", "Material"]]
    # Headers that name a field are chosen for it; the others are the user's to choose.
    assert form.initial["column__description"] == "Description"
    assert "column__tag" not in form.initial
    response = admin_client.post(
        url,
        {
            "step": "save",
            "target": "resources",
            "headers": json.dumps(["Asset ID", "Description", "Built", "Material"]),
            "name": "Pumps",
            "column__tag": "Asset ID",
            "column__name": "Description",
            "column__installation_date": "Built",
            "fixed__area": "B1",
        },
    )
    assert response.status_code == 302
    mapping = ColumnMapping.objects.get(name="Pumps")
    assert mapping.columns == {"tag": "Asset ID", "name": "Description", "installation_date": "Built"}
    assert mapping.defaults == {"area": "B1"}
    assert mapping.created_by == csv_admin
    listed = admin_client.get(reverse("exchange:csv_mappings")).content.decode()
    assert "Pumps" in listed
    # It imports the file as the user chose.
    report = run_import(tmp_path, csv_admin, ASSET_FILE, "resources", mapping=mapping.pk)
    assert counts(report, "resources", "resource")["created"] == 2


def test_the_mapping_form_says_what_is_missing(admin_client, csv_building) -> None:
    url = reverse("exchange:csv_mapping_new")
    headers = json.dumps(["Asset ID", "Description"])
    response = admin_client.post(
        url, {"step": "save", "target": "resources", "headers": headers, "name": "", "column__tag": "Asset ID"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    response = admin_client.post(
        url, {"step": "save", "target": "resources", "headers": headers, "name": "Half", "column__tag": "Asset ID"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "column__name" in errors
    assert "column__area" in errors
    # A column the file does not have cannot be chosen; a lost sample sends back to step 1.
    response = admin_client.post(
        url, {"step": "save", "target": "resources", "headers": headers, "name": "X", "column__tag": "Other"}
    )
    assert response.status_code == 400
    assert "column__tag" in response.context["form"].errors
    assert admin_client.post(url, {"step": "save", "target": "resources", "headers": "{"}).status_code == 302
    assert not ColumnMapping.objects.exists()


def test_a_sample_that_is_not_a_csv_file_is_refused(admin_client) -> None:
    url = reverse("exchange:csv_mapping_new")
    response = admin_client.post(url, {"step": "sample", "target": "resources", "file": sample("x", name="a.xlsx")})
    assert response.status_code == 400
    assert "cannot be read as this format" in response.content.decode()
    latin = SimpleUploadedFile("a.csv", "Tag;Nom\nP-1;Pompe à eau\n".encode("latin-1"))
    response = admin_client.post(url, {"step": "sample", "target": "resources", "file": latin})
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()


def test_saved_mappings_are_offered_and_changed(admin_client, csv_admin, csv_building) -> None:
    mapping = make_mapping(csv_admin)
    url = reverse("exchange:csv_mapping_new")
    response = admin_client.post(
        url, {"step": "sample", "target": "resources", "file": sample(), "start_from": mapping.pk}
    )
    assert response.context["form"].initial["column__tag"] == "Asset ID"
    assert response.context["form"].initial["fixed__area"] == "B1"
    response = admin_client.post(url, {"step": "sample", "target": "parts", "file": sample(), "start_from": mapping.pk})
    assert response.status_code == 400  # a mapping of another register
    edit = reverse("exchange:csv_mapping_edit", args=[mapping.pk])
    response = admin_client.post(edit, {"step": "sample", "file": sample()})
    assert response.context["form"].initial["name"] == "Asset register"
    saved = admin_client.post(
        edit,
        {
            "step": "save",
            "headers": json.dumps(["Asset ID", "Description", "Built", "Material"]),
            "name": "Asset register",
            "column__tag": "Asset ID",
            "column__name": "Description",
            "column__description": "Material",
            "fixed__area": "B1",
        },
    )
    assert saved.status_code == 302
    mapping.refresh_from_db()
    assert mapping.columns == {"tag": "Asset ID", "name": "Description", "description": "Material"}
    assert admin_client.post(reverse("exchange:csv_mapping_delete", args=[mapping.pk])).status_code == 302
    assert not ColumnMapping.objects.exists()
