"""The store screens through the test client: who may see and act, site scoping, the purchase-order
journey with its refusals, receiving (partial, then the rest), issuing, and query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.roles import ADMINISTRATOR, PLANNER, REQUESTER, TECHNICIAN
from inventory import services
from inventory.factories import ContractFactory, PartFactory, purchase_order_row, stock, store_in
from inventory.models import (
    MovementKind,
    PurchaseOrder,
    PurchaseOrderState,
    PurchaseRequest,
    PurchaseRequestState,
    StockBalance,
    StockMovement,
)
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def _ordered(site, storekeeper, supervisor, lines=2):
    order = purchase_order_row(lines=lines, site=site, user=storekeeper)
    services.purchase_order_submit(order=order, user=storekeeper)
    services.purchase_order_approve(order=order, user=supervisor)
    return services.purchase_order_place(order=order, user=storekeeper)


def _stock_some(store, count):
    for _index in range(count):
        stock(PartFactory(), store, 3, unit_cost="2.50")


# --- Who may come in -----------------------------------------------------------------------------
@pytest.mark.parametrize("role", [TECHNICIAN, REQUESTER, PLANNER])
def test_other_roles_are_refused_every_store_screen(client, site, store, storekeeper, supervisor, role):
    order = _ordered(site, storekeeper, supervisor, lines=1)
    _as(client, make_role_user(role, site=site))
    for name in ("inventory:stock", "inventory:movement_list", "inventory:issue", "inventory:request_list"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("inventory:order_detail", args=[order.pk])).status_code == 403
    line = order.lines.get()
    receive = client.post(
        reverse("inventory:order_receive", args=[order.pk]), {"location": store.pk, f"line_{line.pk}": "1"}
    )
    assert receive.status_code == 403
    assert client.post(reverse("inventory:order_action", args=[order.pk, "close"])).status_code == 403
    line.refresh_from_db()
    assert line.received == 0


def test_screens_need_a_login(client):
    response = client.get(reverse("inventory:stock"))
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_a_supervisor_looks_but_does_not_move_stock(client, site, store, supervisor):
    part = PartFactory()
    stock(part, store, 2)
    _as(client, supervisor)
    assert client.get(reverse("inventory:stock")).status_code == 200
    assert client.get(reverse("inventory:issue")).status_code == 403
    data = {"reference": "WO-1", "part": part.pk, "location": store.pk, "quantity": "1"}
    assert client.post(reverse("inventory:issue"), data).status_code == 403
    assert StockBalance.objects.get(part=part).on_hand == 2


# --- Stock and movements -----------------------------------------------------------------------
def test_stock_shows_only_the_users_sites_with_filters_and_an_empty_state(client, site, store, storekeeper):
    _as(client, storekeeper)
    empty = client.get(reverse("inventory:stock"))
    assert "Nothing is stocked in your sites yet" in empty.content.decode()
    seal = PartFactory(part_number="SEAL-9", description="Shaft seal")
    stock(seal, store, 4)
    elsewhere = store_in(SiteFactory(), code="FAR")
    stock(PartFactory(part_number="FAR-1"), elsewhere, 7)
    page = client.get(reverse("inventory:stock")).content.decode()
    assert "SEAL-9" in page
    assert "MAIN" in page
    assert "FAR-1" not in page
    assert "SEAL-9" not in client.get(reverse("inventory:stock"), {"q": "bearing"}).content.decode()
    filtered = client.get(reverse("inventory:stock"), {"q": "seal", "location": store.pk, "show": "in_stock"})
    assert "SEAL-9" in filtered.content.decode()
    assert "No stock matches these filters" in client.get(reverse("inventory:stock"), {"q": "zzz"}).content.decode()


def test_stock_and_movement_lists_paginate_in_constant_queries(client, site, store, storekeeper):
    _as(client, storekeeper)
    _stock_some(store, 3)
    urls = [reverse("inventory:stock"), reverse("inventory:movement_list")]
    counts = {}
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[url] = len(queries)
    _stock_some(store, 30)
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert len(queries) == counts[url], url
        assert counts[url] <= 10
        assert 'rel="next"' in response.content.decode()


def test_movements_filter_by_kind_and_reference(client, site, store, storekeeper, django_assert_max_num_queries):
    part = PartFactory(part_number="BELT-1")
    stock(part, store, 5)
    services.stock_issue(part=part, location=store, quantity=2, user=storekeeper, reference="WO-77")
    _as(client, storekeeper)
    with django_assert_max_num_queries(10):
        issues = client.get(reverse("inventory:movement_list"), {"kind": MovementKind.ISSUE}).context["movements"]
    assert [m.kind for m in issues] == [MovementKind.ISSUE]
    by_reference = client.get(reverse("inventory:movement_list"), {"q": "WO-77"}).context["movements"]
    assert [m.reference for m in by_reference] == ["WO-77"]


# --- Issuing -----------------------------------------------------------------------------------
def test_issue_to_an_order_and_a_shortage_is_shown(client, site, store, storekeeper, django_assert_max_num_queries):
    part = PartFactory(part_number="FUSE-10", unit="pcs")
    stock(part, store, 3)
    services.reservations_make(reference="WO-5", site=site, lines=[(part, Decimal(2))], user=storekeeper)
    _as(client, storekeeper)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("inventory:issue"))
    assert "WO-5" in page.content.decode()  # held for work, with a prefilled link
    data = {"reference": "WO-5", "part": part.pk, "location": store.pk, "quantity": "2"}
    response = client.post(reverse("inventory:issue"), data, follow=True)
    assert "issued to WO-5" in response.content.decode()
    balance = StockBalance.objects.get(part=part, location=store)
    assert (balance.on_hand, balance.reserved) == (1, 0)
    refused = client.post(reverse("inventory:issue"), {**data, "reference": "WO-6", "quantity": "5"})
    assert refused.status_code == 200
    assert "Only 1 pcs of FUSE-10 are available at MAIN" in refused.content.decode()
    assert StockBalance.objects.get(part=part, location=store).on_hand == 1


def test_issue_from_another_sites_location_is_not_offered(client, site, storekeeper):
    far = store_in(SiteFactory(), code="FAR")
    part = PartFactory()
    stock(part, far, 3)
    _as(client, storekeeper)
    response = client.post(
        reverse("inventory:issue"), {"reference": "WO-1", "part": part.pk, "location": far.pk, "quantity": "1"}
    )
    assert response.status_code == 200
    assert "location" in response.context["form"].errors
    assert StockBalance.objects.get(part=part).on_hand == 3


# --- Purchase requests and orders --------------------------------------------------------------
def test_requests_become_a_purchase_order_and_can_be_cancelled(
    client, site, store, storekeeper, django_assert_max_num_queries
):
    first = services.purchase_request_create(part=PartFactory(), site=site, quantity=4, user=storekeeper)
    second = services.purchase_request_create(part=PartFactory(), site=site, quantity=2, user=storekeeper)
    services.purchase_request_create(part=PartFactory(), site=SiteFactory(), quantity=1, user=None)  # elsewhere
    _as(client, storekeeper)
    client.get(reverse("inventory:request_list"))
    with django_assert_max_num_queries(10):
        listed = client.get(reverse("inventory:request_list")).context["requests"]
    assert {r.pk for r in listed} == {first.pk, second.pk}
    form = client.get(reverse("inventory:order_create"), {"requests": [first.pk]})
    assert form.status_code == 200
    vendor = PurchaseOrder._meta.get_field("vendor").related_model.objects.create(code="ACME", name="Acme")
    response = client.post(
        reverse("inventory:order_create"), {"vendor": vendor.pk, "deliver_to": store.pk, "requests": [first.pk]}
    )
    order = PurchaseOrder.objects.get()
    assert response.url == reverse("inventory:order_detail", args=[order.pk])
    assert order.lines.get().purchase_request == first
    client.post(reverse("inventory:request_cancel", args=[second.pk]))
    second.refresh_from_db()
    assert second.state == PurchaseRequestState.CANCELLED
    assert PurchaseRequest.objects.get(pk=first.pk).state == PurchaseRequestState.ORDERED


def test_order_buttons_follow_role_and_state_and_forbidden_posts_are_refused(
    client, site, store, storekeeper, supervisor
):
    order = purchase_order_row(lines=1, site=site, user=storekeeper)
    _as(client, storekeeper)
    page = client.get(reverse("inventory:order_detail", args=[order.pk]))
    assert page.context["actions"] == ["submit", "cancel"]
    assert "Approve" not in page.content.decode()
    # Not allowed now: a draft cannot be placed (a message, no change).
    response = client.post(reverse("inventory:order_action", args=[order.pk, "place"]), follow=True)
    assert "cannot be placed with the vendor" in response.content.decode()
    client.post(reverse("inventory:order_action", args=[order.pk, "submit"]))
    order.refresh_from_db()
    assert order.state == PurchaseOrderState.SUBMITTED
    # The storekeeper's role may not approve: 403, whatever the button shows.
    assert client.post(reverse("inventory:order_action", args=[order.pk, "approve"])).status_code == 403
    assert client.post(reverse("inventory:order_action", args=[order.pk, "fly"])).status_code == 404
    _as(client, supervisor)
    assert client.get(reverse("inventory:order_detail", args=[order.pk])).context["actions"] == ["approve", "send_back"]
    client.post(reverse("inventory:order_action", args=[order.pk, "approve"]))
    order.refresh_from_db()
    assert order.state == PurchaseOrderState.APPROVED
    assert client.post(reverse("inventory:order_action", args=[order.pk, "place"])).status_code == 403


def test_cancel_needs_a_reason(client, site, storekeeper):
    order = purchase_order_row(lines=1, site=site, user=storekeeper)
    _as(client, storekeeper)
    client.post(reverse("inventory:order_action", args=[order.pk, "cancel"]), {"reason": ""})
    order.refresh_from_db()
    assert order.state == PurchaseOrderState.DRAFT
    client.post(reverse("inventory:order_action", args=[order.pk, "cancel"]), {"reason": "Vendor out of business"})
    order.refresh_from_db()
    assert (order.state, order.cancel_reason) == (PurchaseOrderState.CANCELLED, "Vendor out of business")


def test_lines_are_added_and_removed_on_a_draft(client, site, storekeeper):
    order = purchase_order_row(lines=0, site=site, user=storekeeper)
    part = PartFactory(part_number="ORING")
    _as(client, storekeeper)
    client.post(
        reverse("inventory:order_line_add", args=[order.pk]), {"part": part.pk, "quantity": "6", "unit_price": "1.5"}
    )
    line = order.lines.get()
    assert (line.quantity, line.unit_price) == (6, Decimal("1.5"))
    bad = client.post(reverse("inventory:order_line_add", args=[order.pk]), {"part": part.pk, "quantity": "0"})
    assert bad.status_code == 400
    client.post(reverse("inventory:order_line_remove", args=[order.pk, line.pk]))
    assert not order.lines.exists()


def test_receiving_partly_then_the_rest(client, site, store, storekeeper, supervisor):
    order = _ordered(site, storekeeper, supervisor, lines=2)
    first, second = order.lines.order_by("pk")
    _as(client, storekeeper)
    url = reverse("inventory:order_receive", args=[order.pk])
    too_many = client.post(url, {"location": store.pk, f"line_{first.pk}": "11"})
    assert too_many.status_code == 400
    assert f"line_{first.pk}" in too_many.context["receive_form"].errors
    client.post(url, {"location": order.deliver_to_id, f"line_{first.pk}": "4", f"line_{second.pk}": ""})
    order.refresh_from_db()
    assert order.state == PurchaseOrderState.PARTIALLY_RECEIVED
    assert StockBalance.objects.get(part=first.part, location=order.deliver_to).on_hand == 4
    client.post(url, {"location": order.deliver_to_id, f"line_{first.pk}": "6", f"line_{second.pk}": "10"})
    order.refresh_from_db()
    assert order.state == PurchaseOrderState.RECEIVED
    receipts = StockMovement.objects.filter(purchase_order_line__order=order, kind=MovementKind.RECEIPT)
    assert sorted(m.quantity for m in receipts) == [4, 6, 10]
    page = client.get(reverse("inventory:order_detail", args=[order.pk]))
    assert page.context["receive_form"] is None
    assert page.context["actions"] == ["close"]


def test_orders_of_other_sites_are_404(client, site, storekeeper):
    other_site = SiteFactory()
    order = purchase_order_row(lines=1, site=other_site)
    _as(client, storekeeper)
    assert client.get(reverse("inventory:order_detail", args=[order.pk])).status_code == 404
    assert client.post(reverse("inventory:order_action", args=[order.pk, "submit"])).status_code == 404
    assert order.pk not in {o.pk for o in client.get(reverse("inventory:order_list")).context["orders"]}


def test_order_list_and_detail_in_constant_queries(client, site, store, storekeeper, supervisor):
    _as(client, storekeeper)
    order = _ordered(site, storekeeper, supervisor, lines=1)
    urls = [reverse("inventory:order_list"), reverse("inventory:order_detail", args=[order.pk])]
    before = {}
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        before[url] = len(queries)
    for _index in range(4):
        _ordered(site, storekeeper, supervisor, lines=1)
    for part in PartFactory.create_batch(3):
        PurchaseOrder.objects.filter(pk=order.pk).update(state=PurchaseOrderState.DRAFT)
        services.purchase_order_line_add(order=order, part=part, quantity=1, user=storekeeper)
    PurchaseOrder.objects.filter(pk=order.pk).update(state=PurchaseOrderState.ORDERED)
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) == before[url], url
        assert len(queries) <= 14, url


# --- Contracts ---------------------------------------------------------------------------------
def test_contracts_of_the_users_sites_with_search(client, site, storekeeper, django_assert_max_num_queries):
    pump = ResourceFactory(area=AreaFactory(parent=site), tag="P-100")
    mine = ContractFactory(number="SVC-1", title="Pump service")
    mine.resources.add(pump)
    for _index in range(3):
        ContractFactory().resources.add(ResourceFactory(area=AreaFactory(parent=site)))
    theirs = ContractFactory(number="SVC-FAR")
    theirs.resources.add(ResourceFactory())
    _as(client, storekeeper)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("inventory:contract_list"))
    numbers = {c.number for c in page.context["contracts"]}
    assert "SVC-1" in numbers
    assert "SVC-FAR" not in numbers
    assert "P-100" in page.content.decode()
    found = client.get(reverse("inventory:contract_list"), {"q": "SVC-1"}).context["contracts"]
    assert [c.number for c in found] == ["SVC-1"]


def test_an_administrator_sees_every_site(client, site, store):
    stock(PartFactory(part_number="ADM-1"), store_in(SiteFactory(), code="FAR"), 1)
    _as(client, make_role_user(ADMINISTRATOR))
    assert "ADM-1" in client.get(reverse("inventory:stock")).content.decode()
