"""Spare parts lists: one owner (resource or type), once per part, the resource page's panel (own rows
win over the type's, stock of the resource's site only, a constant number of queries, hidden without
view_part), and the API (scoped to the user's sites, changed only by roles that may)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.factories import ResourceFactory, ResourceTypeFactory, SiteFactory
from core.api.testing import token_client
from core.errors import ActionForbidden
from core.roles import PLANNER, REQUESTER, STOREKEEPER, SUPERVISOR, TECHNICIAN
from core.testing import assert_clean_refuses, assert_database_refuses
from inventory import services
from inventory.factories import PartFactory, stock, store_in
from inventory.models import SparePart
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pump_type():
    return ResourceTypeFactory(name="CR 10-4")


@pytest.fixture
def pump(site, pump_type):
    return ResourceFactory(area__parent=site, tag="P-101", resource_type=pump_type)


def url(name, *args):
    return reverse(f"api:{name}", args=args)


# --- Rules of one row ----------------------------------------------------------------------------
def test_a_row_belongs_to_exactly_one_resource_or_type(pump, pump_type):
    part = PartFactory()
    neither = SparePart(part=part, quantity=Decimal(1))
    both = SparePart(part=part, quantity=Decimal(1), resource=pump, resource_type=pump_type)
    for row in (neither, both):
        assert_clean_refuses(row, "resource")
        assert_database_refuses(row)
    SparePart(part=part, quantity=Decimal(1), resource=pump).full_clean()
    SparePart(part=part, quantity=Decimal(1), resource_type=pump_type).full_clean()


def test_the_quantity_is_more_than_zero(pump):
    row = SparePart(part=PartFactory(), quantity=Decimal(0), resource=pump)
    assert_clean_refuses(row, "quantity")
    assert_database_refuses(row)


def test_a_part_is_listed_once_per_resource_and_once_per_type(pump, pump_type):
    part = PartFactory()
    SparePart.objects.create(part=part, quantity=Decimal(1), resource=pump)
    SparePart.objects.create(part=part, quantity=Decimal(2), resource_type=pump_type)  # both levels: allowed
    for owner in ({"resource": pump}, {"resource_type": pump_type}):
        again = SparePart(part=part, quantity=Decimal(3), **owner)
        with pytest.raises(ValidationError):
            again.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            again.save()


# --- Services --------------------------------------------------------------------------------------
def test_the_services_add_change_and_remove_with_permissions(site, pump, storekeeper, technician):
    part = PartFactory()
    with pytest.raises(ActionForbidden):
        services.spare_part_add(part=part, quantity="2", user=technician, resource=pump)
    spare = services.spare_part_add(part=part, quantity="2", user=storekeeper, resource=pump, note=" seal kit ")
    assert (spare.quantity, spare.note) == (Decimal(2), "seal kit")
    with pytest.raises(ValidationError) as duplicate:
        services.spare_part_add(part=part, quantity="1", user=storekeeper, resource=pump)
    assert "already on the resource's spare parts list" in str(duplicate.value)
    services.spare_part_change(spare_part=spare, user=storekeeper, quantity="4")
    assert SparePart.objects.get(pk=spare.pk).quantity == 4
    with pytest.raises(ActionForbidden):
        services.spare_part_remove(spare_part=spare, user=technician)
    services.spare_part_remove(spare_part=spare, user=storekeeper)
    assert not SparePart.objects.exists()


def test_an_inactive_part_or_another_sites_resource_is_refused(pump, storekeeper):
    with pytest.raises(ValidationError):
        services.spare_part_add(part=PartFactory(active=False), quantity="1", user=storekeeper, resource=pump)
    elsewhere = ResourceFactory(area__parent=SiteFactory())
    with pytest.raises(ActionForbidden):
        services.spare_part_add(part=PartFactory(), quantity="1", user=storekeeper, resource=elsewhere)


# --- The resource page's panel ---------------------------------------------------------------------
def list_for(pump, pump_type, site, store):
    """Type rows for SEAL and FILTER, the pump's own row for SEAL (3 instead of 1) and for BEARING."""
    seal = PartFactory(part_number="SEAL-1", description="Mechanical seal", unit="pcs", picture="parts/seal.jpg")
    bearing = PartFactory(part_number="BRG-6205", description="Ball bearing")
    oil = PartFactory(part_number="OIL-46", description="Hydraulic oil", unit="l")
    SparePart.objects.create(part=seal, quantity=Decimal(1), resource_type=pump_type)
    SparePart.objects.create(part=oil, quantity=Decimal("2.5"), resource_type=pump_type)
    SparePart.objects.create(part=seal, quantity=Decimal(3), resource=pump, note="keep one at the pump house")
    SparePart.objects.create(part=bearing, quantity=Decimal(2), resource=pump)
    shelf = store_in(site, code="SHELF-B")
    stock(seal, store, 4)
    stock(seal, shelf, 1)
    stock(seal, store_in(SiteFactory(), code="FAR-1"), 50)  # another site's store: not counted
    return seal, bearing, oil


def test_the_panel_lists_own_and_type_rows_with_the_sites_stock(client, site, store, pump, pump_type, technician):
    list_for(pump, pump_type, site, store)
    lines = {line.part.part_number: line for line in services.spare_parts_for(pump)}
    assert list(lines) == ["BRG-6205", "OIL-46", "SEAL-1"]
    assert (lines["SEAL-1"].spare.quantity, lines["SEAL-1"].from_type) == (3, False)  # the own row wins
    assert (lines["OIL-46"].spare.quantity, lines["OIL-46"].from_type) == (Decimal("2.5"), True)
    assert lines["SEAL-1"].on_hand == 5
    assert lines["SEAL-1"].kept_at == [("MAIN", 4), ("SHELF-B", 1)]
    assert (lines["BRG-6205"].on_hand, lines["BRG-6205"].kept_at) == (0, [])

    client.force_login(technician)
    html = client.get(reverse("assets:resource_detail", args=[pump.pk])).content.decode()
    panel = html[html.index('id="spare-parts"') :]
    for text in ("Mechanical seal", "Ball bearing", "Hydraulic oil", 'src="/media/parts/seal.jpg"', 'loading="lazy"'):
        assert text in panel
    assert "3 pcs needed" in panel
    assert "2.5 l needed" in panel
    assert "5 pcs on hand at this site" in panel
    assert "MAIN (4), SHELF-B (1)" in panel
    assert "FAR-1" not in panel
    assert "55 pcs" not in panel
    assert "keep one at the pump house" in panel


def test_a_resource_without_type_or_rows_says_so(client, site, technician):
    bare = ResourceFactory(area__parent=site)
    assert services.spare_parts_for(bare) == []
    client.force_login(technician)
    html = client.get(reverse("assets:resource_detail", args=[bare.pk])).content.decode()
    assert "No spare parts are listed for this resource or its type." in html


def test_the_panel_takes_the_same_queries_for_few_or_many_parts(site, store, pump, pump_type):
    def queries() -> int:
        resource = type(pump).objects.select_related("area").get(pk=pump.pk)
        with CaptureQueriesContext(connection) as captured:
            services.spare_parts_for(resource)
        return len(captured)

    part = PartFactory()
    SparePart.objects.create(part=part, quantity=Decimal(1), resource=pump)
    stock(part, store, 2)
    few = queries()
    for number in range(12):
        extra = PartFactory()
        owner = {"resource": pump} if number % 2 else {"resource_type": pump_type}
        SparePart.objects.create(part=extra, quantity=Decimal(1), **owner)
        stock(extra, store, 1)
    assert queries() == few == 2


def test_the_resource_page_with_many_spare_parts_stays_within_its_queries(
    client, site, store, pump, pump_type, technician, django_assert_max_num_queries
):
    client.force_login(technician)
    page = reverse("assets:resource_detail", args=[pump.pk])
    client.get(page)
    with CaptureQueriesContext(connection) as before:
        client.get(page)
    for _number in range(10):
        part = PartFactory()
        SparePart.objects.create(part=part, quantity=Decimal(1), resource_type=pump_type)
        stock(part, store, 1)
    with django_assert_max_num_queries(len(before) + 2):  # the panel's two queries, however many parts
        assert client.get(page).status_code == 200


def test_the_panel_is_hidden_without_view_part(client, site, store, pump, pump_type):
    list_for(pump, pump_type, site, store)
    requester = make_role_user(REQUESTER, site=site)
    assert not requester.has_perm("inventory.view_part")
    client.force_login(requester)
    html = client.get(reverse("assets:resource_detail", args=[pump.pk])).content.decode()
    assert 'id="spare-parts"' not in html
    assert "SEAL-1" not in html


# --- API -------------------------------------------------------------------------------------------
def test_the_api_lists_own_rows_of_visible_resources_and_every_type_row(site, pump, pump_type, technician):
    part = PartFactory()
    mine = SparePart.objects.create(part=part, quantity=Decimal(1), resource=pump)
    typed = SparePart.objects.create(part=part, quantity=Decimal(1), resource_type=pump_type)
    elsewhere = SparePart.objects.create(
        part=part, quantity=Decimal(1), resource=ResourceFactory(area__parent=SiteFactory())
    )
    api = token_client(technician)
    listed = api.get(url("sparepart-list")).json()["results"]
    assert {row["id"] for row in listed} == {mine.pk, typed.pk}
    assert api.get(url("sparepart-detail", elsewhere.pk)).status_code == 404
    assert api.get(url("sparepart-detail", mine.pk)).json()["resource"] == pump.pk
    by_resource = api.get(url("sparepart-list"), {"resource": pump.pk}).json()["results"]
    assert [row["id"] for row in by_resource] == [mine.pk]


def test_the_api_list_takes_a_bounded_number_of_queries(pump, pump_type, technician, django_assert_max_num_queries):
    for number in range(15):
        owner = {"resource": pump} if number % 2 else {"resource_type": pump_type}
        SparePart.objects.create(part=PartFactory(), quantity=Decimal(1), **owner)
    api = token_client(technician)
    api.get(url("sparepart-list"))  # the token and permissions are cached per request anyway
    with django_assert_max_num_queries(6):
        response = api.get(url("sparepart-list"))
    assert response.json()["count"] == 15


def test_storekeepers_and_planners_change_lists_others_may_not(site, pump, pump_type):
    part = PartFactory()
    for role in (TECHNICIAN, SUPERVISOR, REQUESTER):
        refused = token_client(make_role_user(role, site=site)).post(
            url("sparepart-list"), {"resource": pump.pk, "part": part.pk, "quantity": "1"}
        )
        assert refused.status_code == 403, role
    storekeeper = token_client(make_role_user(STOREKEEPER, site=site))
    made = storekeeper.post(url("sparepart-list"), {"resource": pump.pk, "part": part.pk, "quantity": "2"})
    assert made.status_code == 201, made.json()
    planner = token_client(make_role_user(PLANNER, site=site))
    typed = planner.post(url("sparepart-list"), {"resource_type": pump_type.pk, "part": part.pk, "quantity": "1"})
    assert typed.status_code == 201, typed.json()
    changed = planner.patch(url("sparepart-detail", made.json()["id"]), {"quantity": "5"})
    assert changed.status_code == 200
    assert Decimal(changed.json()["quantity"]) == 5
    moved = planner.patch(url("sparepart-detail", made.json()["id"]), {"part": PartFactory().pk})
    assert moved.status_code == 400
    supervisor = token_client(make_role_user(SUPERVISOR, site=site))
    assert supervisor.delete(url("sparepart-detail", typed.json()["id"])).status_code == 403
    assert storekeeper.delete(url("sparepart-detail", typed.json()["id"])).status_code == 204
    assert list(SparePart.objects.values_list("quantity", flat=True)) == [5]


def test_the_api_refuses_another_sites_resource_and_bad_rows(site, pump, pump_type, storekeeper):
    api = token_client(storekeeper)
    part = PartFactory()
    elsewhere = ResourceFactory(area__parent=SiteFactory())
    foreign = api.post(url("sparepart-list"), {"resource": elsewhere.pk, "part": part.pk, "quantity": "1"})
    assert foreign.status_code == 400
    assert "resource" in foreign.json()
    both = api.post(
        url("sparepart-list"), {"resource": pump.pk, "resource_type": pump_type.pk, "part": part.pk, "quantity": "1"}
    )
    assert both.status_code == 400
    zero = api.post(url("sparepart-list"), {"resource": pump.pk, "part": part.pk, "quantity": "0"})
    assert zero.status_code == 400
    assert api.post(url("sparepart-list"), {"resource": pump.pk, "part": part.pk, "quantity": "1"}).status_code == 201
    again = api.post(url("sparepart-list"), {"resource": pump.pk, "part": part.pk, "quantity": "1"})
    assert again.status_code == 400
    assert not SparePart.objects.filter(resource=elsewhere).exists()


def test_the_admin_deletes_selected_rows_through_the_service(rf, pump, pump_type):
    from django.contrib import admin

    admin_user = make_role_user("Administrator")
    first = services.spare_part_add(resource=pump, part=PartFactory(), quantity=Decimal(1), user=admin_user)
    second = services.spare_part_add(resource_type=pump_type, part=PartFactory(), quantity=Decimal(2), user=admin_user)
    request = rf.post("/")
    request.user = admin_user
    admin.site._registry[SparePart].delete_queryset(request, SparePart.objects.filter(pk__in=[first.pk, second.pk]))
    assert not SparePart.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert SparePart.history.filter(id=first.pk, history_type="-").exists()
