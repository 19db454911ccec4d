"""Resource types: unique names, history, a resource's type (protected), and the API (field, filter, roles)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.urls import reverse

from assets.factories import ResourceFactory, ResourceTypeFactory, SiteFactory
from assets.models import ResourceType
from core.api.testing import token_client
from core.roles import ADMINISTRATOR, INTEGRATOR, TECHNICIAN
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


def test_a_type_name_is_unique_and_has_history():
    kind = ResourceTypeFactory(name="CR 10-4")
    kind.model_number = "CR10-4-A"
    kind.save()
    assert kind.history.count() == 2
    with pytest.raises(IntegrityError):
        ResourceType.objects.create(name="CR 10-4")


def test_a_type_in_use_cannot_be_deleted():
    kind = ResourceTypeFactory()
    ResourceFactory(resource_type=kind)
    with pytest.raises(ProtectedError):
        kind.delete()


def test_the_api_gives_and_filters_the_type_of_resources():
    site = SiteFactory()
    kind = ResourceTypeFactory()
    typed = ResourceFactory(area__parent=site, resource_type=kind)
    ResourceFactory(area__parent=site)
    api = token_client(make_role_user(TECHNICIAN, site=site))
    listed = api.get(reverse("api:resource-list"), {"resource_type": kind.pk}).json()["results"]
    assert [row["id"] for row in listed] == [typed.pk]
    assert listed[0]["resource_type"] == kind.pk
    types = api.get(reverse("api:resourcetype-list")).json()["results"]
    assert [row["name"] for row in types] == [kind.name]


def test_integrators_and_administrators_create_types_technicians_may_not():
    site = SiteFactory()
    body = {"name": "Chlorinator C-200", "manufacturer": "Evoqua", "model_number": "C200"}
    refused = token_client(make_role_user(TECHNICIAN, site=site)).post(reverse("api:resourcetype-list"), body)
    assert refused.status_code == 403
    for role in (INTEGRATOR, ADMINISTRATOR):
        body["name"] = f"Chlorinator {role}"
        made = token_client(make_role_user(role, site=site)).post(reverse("api:resourcetype-list"), body)
        assert made.status_code == 201, made.json()
    duplicate = token_client(make_role_user(ADMINISTRATOR)).post(reverse("api:resourcetype-list"), body)
    assert duplicate.status_code == 400
    assert "name" in duplicate.json()


def test_the_resource_page_names_the_type(client):
    site = SiteFactory()
    resource = ResourceFactory(area__parent=site, resource_type=ResourceTypeFactory(name="Dosing pump DDA"))
    client.force_login(make_role_user(TECHNICIAN, site=site))
    html = client.get(reverse("assets:resource_detail", args=[resource.pk])).content.decode()
    assert "Dosing pump DDA" in html
