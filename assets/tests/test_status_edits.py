"""Down and on hold are downtime (recorded with who and why by the work-order app): the API and the admin
may set in service and retired, but not go down, on hold or back from either by editing the status."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.forms import modelform_factory
from django.urls import reverse

from assets.factories import AreaFactory, ContainerFactory, ResourceFactory, SiteFactory
from assets.models import EntityStatus, Resource, status_edit_error
from core.api.testing import token_client
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        (None, EntityStatus.IN_SERVICE, True),
        (None, EntityStatus.RETIRED, True),
        (None, EntityStatus.DOWN, False),
        (EntityStatus.IN_SERVICE, EntityStatus.RETIRED, True),
        (EntityStatus.RETIRED, EntityStatus.IN_SERVICE, True),
        (EntityStatus.IN_SERVICE, EntityStatus.ON_HOLD, False),
        (EntityStatus.DOWN, EntityStatus.IN_SERVICE, False),
        (EntityStatus.ON_HOLD, EntityStatus.RETIRED, False),
        (EntityStatus.DOWN, EntityStatus.DOWN, True),  # unchanged
    ],
)
def test_which_status_edits_are_allowed(old: str | None, new: str, allowed: bool) -> None:
    assert (status_edit_error(old, new) is None) is allowed


def test_the_api_refuses_down_and_on_hold_with_a_message() -> None:
    site = SiteFactory()
    pump = ResourceFactory(area=AreaFactory(parent=site))
    tank = ContainerFactory(area=pump.area)
    client = token_client(make_role_user("Administrator"))
    url = reverse("api:resource-detail", args=[pump.pk])
    response = client.patch(url, {"status": EntityStatus.DOWN}, format="json")
    assert response.status_code == 400
    assert "downtime" in response.json()["status"][0]
    pump.refresh_from_db()
    assert pump.status == EntityStatus.IN_SERVICE
    assert client.patch(url, {"status": EntityStatus.RETIRED}, format="json").status_code == 200
    tank_url = reverse("api:container-detail", args=[tank.pk])
    assert client.patch(tank_url, {"status": EntityStatus.ON_HOLD}, format="json").status_code == 400
    created = client.post(
        reverse("api:resource-list"),
        {"tag": "P-NEW", "name": "New pump", "area": pump.area_id, "status": EntityStatus.DOWN},
        format="json",
    )
    assert created.status_code == 400


def test_the_admin_form_refuses_leaving_down_by_editing() -> None:
    pump = ResourceFactory(status=EntityStatus.DOWN)
    form_class = modelform_factory(Resource, form=admin.site._registry[Resource].form, fields=["status"])
    form = form_class({"status": EntityStatus.IN_SERVICE}, instance=pump)
    assert not form.is_valid()
    assert "recorded as downtime" in form.errors["status"][0]
    retired = form_class({"status": EntityStatus.RETIRED}, instance=ResourceFactory())
    assert retired.is_valid(), retired.errors
