"""Reservations through the work order's life: release holds planned parts, issuing consumes, returns
come back, closing or cancelling frees the rest; shortages are recorded and requested, never dropped."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assets.factories import AreaFactory, ResourceFactory
from core.errors import ActionNotAllowed
from inventory import services
from inventory.factories import PartFactory, stock, store_in
from inventory.models import (
    CostEntry,
    CostKind,
    MovementKind,
    PurchaseRequest,
    PurchaseRequestReason,
    Reservation,
    ReservationState,
    StockBalance,
    StockMovement,
)
from inventory.tests.test_stock import assert_ledger_matches_balances
from orders import records
from orders import services as order_services
from orders.factories import planned_order
from orders.models import PlannedPart

pytestmark = pytest.mark.django_db


@pytest.fixture
def pump(site):
    return ResourceFactory(area=AreaFactory(parent=site))


def order_needing(pump, parts):
    order = planned_order(pump)
    for part, quantity in parts:
        PlannedPart.objects.create(order=order, part=part, quantity=Decimal(quantity))
    return order


def release(order, supervisor):
    order_services.order_approve(order=order, user=supervisor)
    return order_services.order_release(order=order, user=supervisor)


def held(part, location):
    row = StockBalance.objects.get(part=part, location=location)
    return row.on_hand, row.reserved


def test_release_reserves_issue_consumes_return_and_close_frees(site, store, pump, supervisor, technician):
    seal = PartFactory(part_number="SEAL-48", unit_cost=Decimal(30))
    stock(seal, store, 5)
    order = release(order_needing(pump, [(seal, 3)]), supervisor)

    reservation = Reservation.objects.get(reference=order.number)
    assert (reservation.location, reservation.requested, reservation.reserved) == (store, 3, 3)
    assert held(seal, store) == (5, 3)

    order_services.order_begin(order=order, user=technician)
    used = records.used_part_record(order=order, part=seal, quantity=2, user=technician)
    assert used.unit_cost == Decimal(30)
    reservation.refresh_from_db()
    assert (reservation.reserved, reservation.issued) == (1, 2)
    assert held(seal, store) == (3, 1)

    services.stock_return(
        part=seal, location=store, quantity=1, user=technician, reference=order.number, authorized=True
    )
    reservation.refresh_from_db()
    assert reservation.issued == 1
    assert held(seal, store) == (4, 1)

    order_services.order_complete(order=order, user=technician)
    order_services.order_accept(order=order, user=supervisor)
    reservation.refresh_from_db()
    assert (reservation.state, reservation.reserved) == (ReservationState.CLOSED, 0)
    assert held(seal, store) == (4, 0)
    assert_ledger_matches_balances()
    [cost] = order_services.order_cost(order)
    assert (cost.parts, cost.labour, cost.external) == (Decimal(30), Decimal(0), Decimal(0))


def test_a_shortage_is_recorded_shown_and_requested(site, store, pump, supervisor):
    filter_ = PartFactory(part_number="FLT-1", reorder_point=Decimal(0), reorder_quantity=Decimal(0))
    stock(filter_, store, 1)
    order = release(order_needing(pump, [(filter_, 4)]), supervisor)

    reservation = Reservation.objects.get(reference=order.number)
    assert (reservation.reserved, reservation.shortage) == (1, 3)
    assert list(Reservation.objects.short()) == [reservation]
    request = PurchaseRequest.objects.get(part=filter_, site=site)
    assert (request.quantity, request.reason, request.reference) == (3, PurchaseRequestReason.SHORTAGE, order.number)

    # The parts arrive: the waiting reservation takes them first.
    stock(filter_, store, 5)
    reservation.refresh_from_db()
    assert (reservation.reserved, reservation.shortage) == (4, 0)
    assert held(filter_, store) == (6, 4)


def test_a_site_without_a_store_still_records_the_shortage(site, pump, supervisor):
    part = PartFactory()
    order = release(order_needing(pump, [(part, 2)]), supervisor)
    reservation = Reservation.objects.get(reference=order.number)
    assert (reservation.location, reservation.reserved, reservation.shortage) == (None, 0, 2)


def test_releasing_twice_does_not_reserve_twice(site, store, storekeeper):
    part = PartFactory()
    stock(part, store, 10)
    for _attempt in range(2):
        services.reservations_make(reference="WO-5", site=site, lines=[(part, Decimal(4))], user=storekeeper)
    assert Reservation.objects.get(reference="WO-5").reserved == 4
    assert held(part, store) == (10, 4)


def test_cancelled_work_frees_its_reservations(site, store, pump, supervisor):
    part = PartFactory()
    stock(part, store, 2)
    order = release(order_needing(pump, [(part, 2)]), supervisor)
    order_services.order_skip(order=order, user=supervisor, reason="pump replaced")
    assert held(part, store) == (2, 0)
    assert Reservation.objects.get(reference=order.number).state == ReservationState.CLOSED


def test_the_order_takes_parts_from_its_reserved_location_and_refuses_what_is_not_there(
    site, store, pump, supervisor, technician
):
    bearing = PartFactory(part_number="BRG-1")
    other = store_in(site, code="EAST")
    stock(bearing, store, 1)
    stock(bearing, other, 3)
    order = release(order_needing(pump, [(bearing, 2)]), supervisor)
    reservation = Reservation.objects.get(reference=order.number)
    assert reservation.location == other  # where most was available
    order_services.order_begin(order=order, user=technician)
    records.used_part_record(order=order, part=bearing, quantity=2, user=technician)
    assert held(bearing, other) == (1, 0)
    with pytest.raises(ActionNotAllowed, match="Only 1 pcs of BRG-1 are available at EAST"):
        records.used_part_record(order=order, part=bearing, quantity=2, user=technician)
    records.used_part_record(order=order, part=bearing, quantity=1, user=technician, location=store)
    assert held(bearing, store) == (0, 0)
    assert_ledger_matches_balances()


def test_closing_posts_labour_and_order_cost_adds_parts_labour_and_external(site, store, pump, supervisor, technician):
    part = PartFactory(unit_cost=Decimal("12.50"), currency="USD")
    stock(part, store, 4)
    order = release(order_needing(pump, [(part, 2)]), supervisor)
    order_services.order_begin(order=order, user=technician)
    records.used_part_record(order=order, part=part, quantity=2, user=technician)
    records.labour_add(order=order, user=technician, hours="2")  # 2 h x 12.50 (the factory's rate)
    services.cost_entry_add(
        site=site,
        reference=order.number,
        description="Crane hire",
        amount="100",
        currency="USD",
        incurred_on=order.created_at.date(),
        user=supervisor,
    )
    [cost] = order_services.order_cost(order)
    assert (cost.parts, cost.labour, cost.external, cost.total) == (25, 25, 100, 150)

    order_services.order_complete(order=order, user=technician)
    order_services.order_accept(order=order, user=supervisor)
    labour = CostEntry.objects.get(kind=CostKind.LABOUR, reference=order.number)
    assert (labour.amount, labour.currency, labour.site) == (Decimal(25), "USD", site)
    assert StockMovement.objects.filter(reference=order.number, kind=MovementKind.ISSUE).count() == 1
