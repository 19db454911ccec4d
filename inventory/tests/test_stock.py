"""The stock ledger: every movement keeps the balance equal to the ledger, never negative; costs average."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from assets.factories import SiteFactory
from core.errors import ActionForbidden, ActionNotAllowed
from inventory import services
from inventory.factories import PartFactory, bin_in, stock, store_in
from inventory.models import MovementKind, Part, StockBalance, StockMovement

pytestmark = pytest.mark.django_db


def assert_ledger_matches_balances() -> None:
    """The invariant: each balance's on hand is the sum of its ledger rows; nothing is negative."""
    for balance in StockBalance.objects.all():
        total = StockMovement.objects.filter(part=balance.part, location=balance.location).aggregate(
            total=Sum("quantity")
        )["total"] or Decimal(0)
        assert balance.on_hand == total, balance
        assert 0 <= balance.reserved <= balance.on_hand, balance


def balance(part, location) -> StockBalance:
    return StockBalance.objects.get(part=part, location=location)


def test_receipt_issue_return_adjust_transfer_keep_the_ledger(store, storekeeper):
    part = PartFactory(unit_cost=Decimal(10), currency="USD")
    shelf = bin_in(store, code="MAIN-A1")
    services.stock_receive(part=part, location=store, quantity="10", unit_cost="10", user=storekeeper)
    services.stock_issue(part=part, location=store, quantity="3", user=storekeeper, reference="WO-000001")
    services.stock_return(part=part, location=store, quantity="1", user=storekeeper, reference="WO-000001")
    services.stock_adjust(part=part, location=store, quantity="-2", reason="stock take", user=storekeeper)
    out, into = services.stock_transfer(part=part, source=store, target=shelf, quantity="4", user=storekeeper)

    assert (balance(part, store).on_hand, balance(part, shelf).on_hand) == (Decimal(2), Decimal(4))
    assert (out.counterpart, into.counterpart) == (into, out)
    kinds = list(StockMovement.objects.order_by("id").values_list("kind", "quantity"))
    assert kinds == [
        (MovementKind.RECEIPT, Decimal(10)),
        (MovementKind.ISSUE, Decimal(-3)),
        (MovementKind.RETURN, Decimal(1)),
        (MovementKind.ADJUSTMENT, Decimal(-2)),
        (MovementKind.TRANSFER, Decimal(-4)),
        (MovementKind.TRANSFER, Decimal(4)),
    ]
    assert_ledger_matches_balances()


def test_an_issue_beyond_what_is_available_is_refused_and_changes_nothing(store, storekeeper):
    part = PartFactory(part_number="BRG-6309")
    stock(part, store, 2)
    with pytest.raises(ActionNotAllowed, match=r"Only 2 pcs of BRG-6309 are available at MAIN"):
        services.stock_issue(part=part, location=store, quantity=3, user=storekeeper, reference="WO-1")
    assert balance(part, store).on_hand == 2
    assert StockMovement.objects.count() == 1


def test_the_database_refuses_negative_stock_even_without_the_service(store):
    part = PartFactory()
    stock(part, store, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(part=part).update(on_hand=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(part=part).update(reserved=2)


def test_adjustments_need_a_reason_and_cannot_eat_reserved_stock(store, storekeeper, site):
    part = PartFactory()
    stock(part, store, 3)
    with pytest.raises(ValidationError) as excinfo:
        services.stock_adjust(part=part, location=store, quantity=-1, reason=" ", user=storekeeper)
    assert "reason" in excinfo.value.message_dict
    services.reservations_make(reference="WO-9", site=site, lines=[(part, Decimal(2))], user=storekeeper)
    with pytest.raises(ActionNotAllowed, match="2 are reserved for work"):
        services.stock_adjust(part=part, location=store, quantity=-2, reason="broken", user=storekeeper)
    services.stock_adjust(part=part, location=store, quantity=-1, reason="broken", user=storekeeper)
    assert balance(part, store).on_hand == 2
    assert_ledger_matches_balances()


def test_returns_cannot_exceed_what_the_work_took(store, storekeeper):
    part = PartFactory()
    stock(part, store, 5)
    services.stock_issue(part=part, location=store, quantity=2, user=storekeeper, reference="WO-7")
    with pytest.raises(ActionNotAllowed, match="cannot return 3"):
        services.stock_return(part=part, location=store, quantity=3, user=storekeeper, reference="WO-7")


def test_moving_average_unit_cost_on_receipt(store, storekeeper, site):
    part = PartFactory(unit_cost=Decimal(0), currency="USD")
    other_store = store_in(site, code="EAST")
    stock(part, store, 10, "4.00")  # nothing on hand: the receipt's cost
    part.refresh_from_db()
    assert part.unit_cost == Decimal("4.0000")
    stock(part, other_store, 30, "8.00")  # (10 x 4 + 30 x 8) / 40 = 7
    part.refresh_from_db()
    assert part.unit_cost == Decimal("7.0000")
    issue = services.stock_issue(part=part, location=store, quantity=5, user=storekeeper, reference="WO-1")
    assert issue.unit_cost == Decimal(7)  # issues leave at the average
    stock(part, store, 5, "1.00")  # (35 x 7 + 5 x 1) / 40 = 6.25
    part.refresh_from_db()
    assert part.unit_cost == Decimal("6.2500")
    stock(part, store, 3, "1.00")  # (40 x 6.25 + 3) / 43 = 5.883720... -> 5.8837
    part.refresh_from_db()
    assert part.unit_cost == Decimal("5.8837")
    # The ledger's value reconciles with stock at the average, within rounding of a cent per row.
    value = StockMovement.objects.aggregate(total=Sum("quantity"))["total"] * part.unit_cost
    assert value == Decimal(43) * Decimal("5.8837")


def test_a_technician_cannot_move_stock_directly_and_nobody_outside_the_site(store, technician, storekeeper):
    part = PartFactory()
    with pytest.raises(ActionForbidden):
        services.stock_receive(part=part, location=store, quantity=1, user=technician)
    elsewhere = store_in(SiteFactory())
    with pytest.raises(ActionForbidden):
        services.stock_receive(part=part, location=elsewhere, quantity=1, user=storekeeper)
    assert not StockMovement.objects.exists()


def test_transfers_take_only_available_stock(store, storekeeper, site):
    part = PartFactory()
    shelf = bin_in(store)
    stock(part, store, 3)
    services.reservations_make(reference="WO-2", site=site, lines=[(part, Decimal(2))], user=storekeeper)
    with pytest.raises(ActionNotAllowed, match="Only 1 pcs"):
        services.stock_transfer(part=part, source=store, target=shelf, quantity=2, user=storekeeper)
    with pytest.raises(ValidationError):
        services.stock_transfer(part=part, source=store, target=store, quantity=1, user=storekeeper)


def test_parts_are_costed_in_their_own_currency(store):
    part = PartFactory(currency="KES", unit_cost=Decimal(100))
    movement = stock(part, store, 1)
    assert (movement.currency, movement.unit_cost) == ("KES", Decimal(100))
    assert Part.objects.get(pk=part.pk).unit_cost == Decimal(100)
