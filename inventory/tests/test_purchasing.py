"""Reorder idempotency and the purchase-order machine, per role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.errors import ActionForbidden, ActionNotAllowed
from core.roles import ADMINISTRATOR, TECHNICIAN
from inventory import services
from inventory.factories import PartFactory, VendorFactory, stock
from inventory.models import (
    MovementKind,
    PurchaseOrderState,
    PurchaseRequest,
    PurchaseRequestState,
    StockBalance,
)
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def seal():
    return PartFactory(
        part_number="SEAL",
        unit_cost=Decimal(20),
        minimum_quantity=Decimal(1),
        reorder_point=Decimal(4),
        reorder_quantity=Decimal(10),
    )


def test_falling_below_the_reorder_point_raises_one_request(site, store, storekeeper, seal):
    stock(seal, store, 5)
    assert not PurchaseRequest.objects.exists()
    services.stock_issue(part=seal, location=store, quantity=1, user=storekeeper, reference="WO-1")
    assert not PurchaseRequest.objects.exists()  # 4 available: not below 4
    services.stock_issue(part=seal, location=store, quantity=1, user=storekeeper, reference="WO-1")
    request = PurchaseRequest.objects.get()
    assert (request.quantity, request.state, request.number) == (10, PurchaseRequestState.OPEN, "PR-000001")
    # More movements and the nightly run change nothing: the request already covers the gap.
    services.stock_issue(part=seal, location=store, quantity=1, user=storekeeper, reference="WO-2")
    assert services.reorder_check_all() == 0
    assert services.reorder_check_all() == 0
    request.refresh_from_db()
    assert PurchaseRequest.objects.count() == 1
    assert request.quantity == 10


def test_the_nightly_run_raises_what_movements_did_not(site, store, seal):
    stock(seal, store, 2)  # below the point, but receipts of old data may have skipped the check
    PurchaseRequest.objects.all().delete()
    assert services.reorder_check_all() == 1
    assert services.reorder_check_all() == 0
    assert PurchaseRequest.objects.get().quantity == 10


def test_stock_on_order_counts_so_no_second_request(site, store, storekeeper, seal):
    vendor = VendorFactory(currency="USD")
    stock(seal, store, 3)
    request = PurchaseRequest.objects.get()
    services.purchase_order_create(vendor=vendor, deliver_to=store, user=storekeeper, requests=[request])
    request.refresh_from_db()
    assert request.state == PurchaseRequestState.ORDERED
    services.stock_issue(part=seal, location=store, quantity=1, user=storekeeper, reference="WO-1")
    assert services.reorder_check_all() == 0
    assert PurchaseRequest.objects.open().count() == 0


def test_purchase_order_life_per_role(site, store, storekeeper, supervisor, technician, seal):
    vendor = VendorFactory(currency="USD")
    order = services.purchase_order_create(vendor=vendor, deliver_to=store, user=storekeeper)
    assert (order.state, order.number, order.site) == (PurchaseOrderState.DRAFT, "PO-000001", site)
    with pytest.raises(ActionNotAllowed, match="Add at least one line"):
        services.purchase_order_submit(order=order, user=storekeeper)
    line = services.purchase_order_line_add(order=order, part=seal, quantity=6, unit_price="26", user=storekeeper)
    with pytest.raises(ActionForbidden):
        services.purchase_order_line_add(order=order, part=seal, quantity=1, user=technician)
    services.purchase_order_submit(order=order, user=storekeeper)

    with pytest.raises(ActionForbidden):
        services.purchase_order_approve(order=order, user=storekeeper)  # approval is not the storekeeper's
    with pytest.raises(ActionForbidden):
        services.purchase_order_approve(order=order, user=technician)
    with pytest.raises(ActionNotAllowed):
        services.purchase_order_line_add(order=order, part=seal, quantity=1, user=storekeeper)
    services.purchase_order_approve(order=order, user=supervisor)
    order.refresh_from_db()
    assert (order.state, order.approved_by) == (PurchaseOrderState.APPROVED, supervisor)
    with pytest.raises(ActionNotAllowed):
        services.purchase_order_receive(order=order, user=storekeeper, quantities={line.pk: 1})
    services.purchase_order_place(order=order, user=storekeeper, vendor_reference="SO-7781")

    with pytest.raises(ActionForbidden):
        services.purchase_order_receive(order=order, user=supervisor, quantities={line.pk: 1})
    with pytest.raises(ValidationError) as excinfo:
        services.purchase_order_receive(order=order, user=storekeeper, quantities={line.pk: 7})
    assert f"line_{line.pk}" in excinfo.value.message_dict
    [movement] = services.purchase_order_receive(order=order, user=storekeeper, quantities={line.pk: 4})
    assert (movement.kind, movement.quantity, movement.unit_cost) == (MovementKind.RECEIPT, 4, 26)
    assert movement.reference == order.number
    order.refresh_from_db()
    assert order.state == PurchaseOrderState.PARTIALLY_RECEIVED
    with pytest.raises(ActionNotAllowed, match="close it instead"):
        services.purchase_order_cancel(order=order, user=storekeeper, reason="late")
    services.purchase_order_receive(order=order, user=storekeeper, quantities={line.pk: "2"})
    order.refresh_from_db()
    assert order.state == PurchaseOrderState.RECEIVED
    assert StockBalance.objects.get(part=seal, location=store).on_hand == 6
    services.purchase_order_close(order=order, user=storekeeper)
    order.refresh_from_db()
    assert order.state == PurchaseOrderState.CLOSED
    seal.refresh_from_db()
    assert seal.unit_cost == Decimal(26)  # nothing was on hand before: the price paid


def test_send_back_and_cancel_reopen_requests(site, store, storekeeper, supervisor, seal):
    stock(seal, store, 1)
    request = PurchaseRequest.objects.get()
    order = services.purchase_order_create(
        vendor=VendorFactory(currency="USD"), deliver_to=store, user=storekeeper, requests=[request]
    )
    services.purchase_order_submit(order=order, user=storekeeper)
    services.purchase_order_send_back(order=order, user=supervisor, reason="ask for a discount")
    order.refresh_from_db()
    assert order.state == PurchaseOrderState.DRAFT
    with pytest.raises(ValidationError):
        services.purchase_order_cancel(order=order, user=storekeeper, reason=" ")
    services.purchase_order_cancel(order=order, user=storekeeper, reason="vendor has none")
    order.refresh_from_db()
    request.refresh_from_db()
    assert (order.state, request.state) == (PurchaseOrderState.CANCELLED, PurchaseRequestState.OPEN)


def test_an_administrator_may_approve_and_receive(site, store, storekeeper, seal):
    administrator = make_role_user(ADMINISTRATOR)
    order = services.purchase_order_create(vendor=VendorFactory(currency="USD"), deliver_to=store, user=storekeeper)
    line = services.purchase_order_line_add(order=order, part=seal, quantity=1, user=storekeeper)
    for step in (services.purchase_order_submit, services.purchase_order_approve, services.purchase_order_place):
        step(order=order, user=administrator)
    services.purchase_order_receive(order=order, user=administrator, quantities={line.pk: 1})
    order.refresh_from_db()
    assert order.state == PurchaseOrderState.RECEIVED


def test_lines_must_be_in_the_order_currency(site, store, storekeeper):
    order = services.purchase_order_create(vendor=VendorFactory(currency="USD"), deliver_to=store, user=storekeeper)
    with pytest.raises(ValidationError, match="costed in KES"):
        services.purchase_order_line_add(order=order, part=PartFactory(currency="KES"), quantity=1, user=storekeeper)


def test_a_technician_cannot_create_purchase_orders(store, technician):
    with pytest.raises(ActionForbidden):
        services.purchase_order_create(vendor=VendorFactory(), deliver_to=store, user=technician)
    assert make_role_user(TECHNICIAN).has_perm("inventory.view_stockbalance")
