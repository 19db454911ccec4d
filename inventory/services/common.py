"""Helpers the inventory services share: quantities and money from user input, permission and site
checks, locked balance rows and the ledger row writer.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Area, site_of
from core.errors import ActionForbidden, ActionNotAllowed
from core.scoping import visible_site_ids
from inventory.models import (
    MovementKind,
    Part,
    PurchaseOrderLine,
    PurchaseOrderState,
    Reservation,
    StockBalance,
    StockLocation,
    StockMovement,
)

QUANTUM = Decimal("0.001")
COST_QUANTUM = Decimal("0.0001")
ZERO = Decimal(0)
MAX_QUANTITY = Decimal("1e9")
# Purchase orders that may still bring stock: counted as "on order" by the reorder check.
OPEN_PO_STATES = [
    PurchaseOrderState.DRAFT,
    PurchaseOrderState.SUBMITTED,
    PurchaseOrderState.APPROVED,
    PurchaseOrderState.ORDERED,
    PurchaseOrderState.PARTIALLY_RECEIVED,
]
# How the value of parts leaves stock for work (issues, direct uses) or comes back (returns).
CONSUMING_KINDS = [MovementKind.ISSUE, MovementKind.DIRECT, MovementKind.RETURN]
STOCK_PERMISSION = "inventory.add_stockmovement"
EXPIRING_WARRANTY_DAYS = 30


# --- Helpers -----------------------------------------------------------------------------------
def quantity_of(value: Any, field_name: str = "quantity") -> Decimal:
    """A positive quantity from user input ("2", "1,5", Decimal), rounded to the ledger's precision."""
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: _("Enter a number.")}) from None
    if not number.is_finite() or number <= 0 or number >= MAX_QUANTITY:
        raise ValidationError({field_name: _("The quantity must be more than 0.")})
    rounded = number.quantize(QUANTUM, ROUND_HALF_UP)
    if rounded <= 0:
        raise ValidationError({field_name: _("The quantity must be more than 0.")})
    return rounded


def money_of(value: Any, field_name: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: _("Enter an amount.")}) from None
    if not number.is_finite() or number < 0 or number >= MAX_QUANTITY * 1000:
        raise ValidationError({field_name: _("Enter an amount of 0 or more.")})
    return number


def _user_or_none(user: Any) -> User | None:
    return user if getattr(user, "is_authenticated", False) else None


def check_site(user: Any, site_id: int | None, what: str | None = None) -> None:
    """The user belongs to the site (the system, ``user=None``, may act everywhere)."""
    if user is None:
        return
    site_ids = visible_site_ids(user)
    if site_ids is not None and site_id not in site_ids:
        raise ActionForbidden(what or _("You do not have access to this site's stores."))


def _require(user: Any, permission: str, message: str) -> None:
    if user is not None and not user.has_perm(permission):
        raise ActionForbidden(message)


def _require_stock(user: Any, authorized: bool) -> None:
    if not authorized:
        _require(user, STOCK_PERMISSION, _("Only storekeepers may move stock."))


def _locked_balance(part: Part, location: StockLocation) -> StockBalance:
    """The balance row of a part at a location, created if missing, locked until the transaction ends."""
    StockBalance.objects.get_or_create(part=part, location=location)
    return StockBalance.objects.select_for_update().get(part=part, location=location)


def _save_balance(balance: StockBalance) -> None:
    StockBalance.objects.filter(pk=balance.pk).update(
        on_hand=balance.on_hand, reserved=balance.reserved, updated_at=timezone.now()
    )


def _site_id(location: StockLocation) -> int:
    assert location.site_id is not None  # set by StockLocation.save()
    return location.site_id


def _site(location: StockLocation) -> Area:
    assert location.site is not None  # set by StockLocation.save()
    return location.site


def _usable_location(location: StockLocation, user: Any) -> None:
    if not location.active:
        raise ValidationError({"location": _("%(location)s is no longer in use.") % {"location": location.code}})
    check_site(user, location.site_id)


def _record(
    *,
    kind: str,
    part: Part,
    location: StockLocation | None,
    site_id: int,
    quantity: Decimal,
    unit_cost: Decimal,
    user: Any,
    reference: str = "",
    reason: str = "",
    reservation: Reservation | None = None,
    purchase_order_line: PurchaseOrderLine | None = None,
    occurred_at: datetime.datetime | None = None,
    counterpart: StockMovement | None = None,
) -> StockMovement:
    return StockMovement.objects.create(
        counterpart=counterpart,
        kind=kind,
        part=part,
        location=location,
        site_id=site_id,
        quantity=quantity,
        unit_cost=unit_cost.quantize(COST_QUANTUM, ROUND_HALF_UP),
        currency=part.currency,
        reference=reference.strip()[:50],
        reason=reason.strip()[:300],
        reservation=reservation,
        purchase_order_line=purchase_order_line,
        occurred_at=occurred_at or timezone.now(),
        recorded_by=_user_or_none(user),
    )


def _short_of(part: Part, location: StockLocation, balance: StockBalance, wanted: Decimal) -> ActionNotAllowed:
    return ActionNotAllowed(
        _(
            "Only %(available)s %(unit)s of %(part)s are available at %(location)s "
            "(%(on_hand)s on hand, %(reserved)s reserved for work); %(wanted)s asked for."
        )
        % {
            "available": balance.available.normalize(),
            "unit": part.unit,
            "part": part.part_number,
            "location": location.code,
            "on_hand": balance.on_hand.normalize(),
            "reserved": balance.reserved.normalize(),
            "wanted": wanted.normalize(),
        }
    )


# --- Used by other apps ------------------------------------------------------------------------
def site_for(area: Area) -> Area:
    return site_of(area)
