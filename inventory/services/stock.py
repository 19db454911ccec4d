"""Stock movements: receipt, issue, direct use, return, adjustment (a count) and transfer.

Every movement locks the balance rows it touches and changes them in the same transaction as the
ledger row.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Area
from core.errors import ActionNotAllowed
from inventory.models import (
    MovementKind,
    Part,
    PurchaseOrderLine,
    Reservation,
    ReservationState,
    StockBalance,
    StockLocation,
    StockMovement,
)
from inventory.services.common import (
    COST_QUANTUM,
    MAX_QUANTITY,
    QUANTUM,
    ZERO,
    _locked_balance,
    _record,
    _require,
    _require_stock,
    _save_balance,
    _short_of,
    _site,
    _site_id,
    _usable_location,
    check_site,
    money_of,
    quantity_of,
)
from inventory.services.reorder import reorder_check
from people.signature_models import SignatureMeaning
from people.signatures import counting_failed_signatures, sign


# --- Movements ---------------------------------------------------------------------------------
def _moving_average(part: Part, quantity: Decimal, unit_cost: Decimal) -> Decimal:
    """The part's unit cost after receiving ``quantity`` at ``unit_cost`` (weighted by all stock on hand)."""
    on_hand = StockBalance.objects.filter(part=part).aggregate(total=Sum("on_hand"))["total"] or ZERO
    if on_hand <= 0:
        return unit_cost.quantize(COST_QUANTUM, ROUND_HALF_UP)
    total = on_hand * part.unit_cost + quantity * unit_cost
    return (total / (on_hand + quantity)).quantize(COST_QUANTUM, ROUND_HALF_UP)


def _add_stock(
    *,
    kind: str,
    part: Part,
    location: StockLocation,
    quantity: Decimal,
    unit_cost: Decimal,
    user: Any,
    reference: str = "",
    reason: str = "",
    purchase_order_line: PurchaseOrderLine | None = None,
    occurred_at: datetime.datetime | None = None,
) -> StockMovement:
    """Stock comes in at a cost: the part's moving-average cost follows, waiting reservations are filled."""
    # The part row lock serialises receipts of one part, so the average is computed on settled stock.
    # NO KEY: ledger rows inserted meanwhile (by issues) take a key-share lock on the part; must not wait.
    part = Part.objects.select_for_update(no_key=True).get(pk=part.pk)
    average = _moving_average(part, quantity, unit_cost)
    waiting = list(
        Reservation.objects.select_for_update()
        .filter(part=part, site_id=location.site_id, state=ReservationState.OPEN)
        .filter(Q(location=location) | Q(location__isnull=True))
        .filter(requested__gt=F("reserved") + F("issued"))
        .order_by("created_at", "id")
    )
    balance = _locked_balance(part, location)
    movement = _record(
        kind=kind,
        part=part,
        location=location,
        site_id=_site_id(location),
        quantity=quantity,
        unit_cost=unit_cost,
        user=user,
        reference=reference,
        reason=reason,
        purchase_order_line=purchase_order_line,
        occurred_at=occurred_at,
    )
    balance.on_hand += quantity
    # Work waiting for this part gets it first, oldest reservation first.
    for reservation in waiting:
        take = min(reservation.shortage, balance.available)
        if take <= 0:
            break
        balance.reserved += take
        reservation.reserved += take
        reservation.location = location
        reservation.save(update_fields=["reserved", "location", "updated_at"])
    _save_balance(balance)
    if average != part.unit_cost:
        Part.objects.filter(pk=part.pk).update(unit_cost=average, updated_at=timezone.now())
    return movement


@transaction.atomic
def stock_receive(
    *,
    part: Part,
    location: StockLocation,
    quantity: Any,
    user: Any,
    unit_cost: Any = None,
    reference: str = "",
    purchase_order_line: PurchaseOrderLine | None = None,
    occurred_at: datetime.datetime | None = None,
    authorized: bool = False,
) -> StockMovement:
    """Goods arrive at a location at a unit cost (in the part's currency; default: its current cost)."""
    _require_stock(user, authorized)
    _usable_location(location, user)
    amount = quantity_of(quantity)
    cost = part.unit_cost if unit_cost is None else money_of(unit_cost, "unit_cost")
    movement = _add_stock(
        kind=MovementKind.RECEIPT,
        part=part,
        location=location,
        quantity=amount,
        unit_cost=cost,
        user=user,
        reference=reference,
        purchase_order_line=purchase_order_line,
        occurred_at=occurred_at,
    )
    reorder_check(part=part, site=_site(location))
    return movement


def _open_reservation(reference: str, part: Part) -> Reservation | None:
    if not reference:
        return None
    return Reservation.objects.select_for_update().filter(reference=reference, part=part, state="open").first()


def _trim(reservation: Reservation, balance: StockBalance | None) -> None:
    """A reservation holds no more than what the work still needs (the rest goes back to available)."""
    still_needed = max(reservation.requested - reservation.issued, ZERO)
    excess = reservation.reserved - still_needed
    if excess > 0 and balance is not None:
        balance.reserved -= excess
        reservation.reserved -= excess


@transaction.atomic
def stock_issue(
    *,
    part: Part,
    location: StockLocation,
    quantity: Any,
    user: Any,
    reference: str,
    occurred_at: datetime.datetime | None = None,
    authorized: bool = False,
) -> StockMovement:
    """Take parts from a location for a piece of work (``reference``), first from what it reserved there.

    Refused (``ActionNotAllowed``) when the location does not have them available: parts reserved for
    other work stay theirs.
    """
    _require_stock(user, authorized)
    _usable_location(location, user)
    if not reference.strip():
        raise ValidationError({"reference": _("Say what the parts are for (e.g. the work order number).")})
    amount = quantity_of(quantity)
    reservation = _open_reservation(reference.strip(), part)
    balance = _locked_balance(part, location)
    held_here = reservation.reserved if reservation is not None and reservation.location_id == location.pk else ZERO
    from_reserved = min(amount, held_here)
    if amount - from_reserved > balance.available:
        raise _short_of(part, location, balance, amount)
    part = Part.objects.get(pk=part.pk)  # the current moving-average cost
    movement = _record(
        kind=MovementKind.ISSUE,
        part=part,
        location=location,
        site_id=_site_id(location),
        quantity=-amount,
        unit_cost=part.unit_cost,
        user=user,
        reference=reference,
        reservation=reservation,
        occurred_at=occurred_at,
    )
    balance.on_hand -= amount
    balance.reserved -= from_reserved
    if reservation is not None:
        reservation.reserved -= from_reserved
        reservation.issued += amount
        if reservation.location_id == location.pk:
            _trim(reservation, balance)
        elif reservation.location is not None and reservation.reserved > 0:
            # Taken elsewhere: what is still held at the reservation's own location may be too much now.
            elsewhere = _locked_balance(part, reservation.location)
            _trim(reservation, elsewhere)
            _save_balance(elsewhere)
        reservation.save(update_fields=["reserved", "issued", "updated_at"])
    _save_balance(balance)
    reorder_check(part=part, site=_site(location))
    return movement


@transaction.atomic
def stock_direct_use(*, part: Part, site: Area, quantity: Any, user: Any, reference: str) -> StockMovement:
    """Record a part used in a site that does not stock it (bought locally): its cost, no balance."""
    check_site(user, site.pk)
    amount = quantity_of(quantity)
    return _record(
        kind=MovementKind.DIRECT,
        part=part,
        location=None,
        site_id=site.pk,
        quantity=-amount,
        unit_cost=part.unit_cost,
        user=user,
        reference=reference,
    )


def net_issued(reference: str, part: Part) -> Decimal:
    """How many of a part the work took from stock, less what it returned."""
    total = (
        StockMovement.objects.filter(
            reference=reference, part=part, kind__in=[MovementKind.ISSUE, MovementKind.RETURN]
        ).aggregate(total=Sum("quantity"))["total"]
        or ZERO
    )
    return -total


@transaction.atomic
def stock_return(
    *,
    part: Part,
    location: StockLocation,
    quantity: Any,
    user: Any,
    reference: str,
    occurred_at: datetime.datetime | None = None,
    authorized: bool = False,
) -> StockMovement:
    """Unused parts come back from a piece of work, at the cost they were issued at."""
    _require_stock(user, authorized)
    _usable_location(location, user)
    reference = reference.strip()
    amount = quantity_of(quantity)
    reservation = _open_reservation(reference, part)
    taken = net_issued(reference, part) if reference else ZERO
    if amount > taken:
        raise ActionNotAllowed(
            _("%(reference)s took %(taken)s %(unit)s of %(part)s from stock; it cannot return %(amount)s.")
            % {
                "reference": reference or _("This work"),
                "taken": taken.normalize(),
                "unit": part.unit,
                "part": part.part_number,
                "amount": amount.normalize(),
            }
        )
    issues = StockMovement.objects.filter(reference=reference, part=part, kind=MovementKind.ISSUE).aggregate(
        issued=Sum("quantity"), issued_value=Sum(F("quantity") * F("unit_cost"))
    )
    cost = (issues["issued_value"] / issues["issued"]) if issues["issued"] else part.unit_cost
    movement = _add_stock(
        kind=MovementKind.RETURN,
        part=part,
        location=location,
        quantity=amount,
        unit_cost=cost,
        user=user,
        reference=reference,
        occurred_at=occurred_at,
    )
    if reservation is not None:
        reservation.issued = max(reservation.issued - amount, ZERO)
        reservation.save(update_fields=["issued", "updated_at"])
    return movement


def adjustment_threshold() -> Decimal | None:
    """The value above which an adjustment is signed (``SIGNATURE_STOCK_ADJUSTMENT_THRESHOLD``), or None."""
    raw = str(settings.SIGNATURE_STOCK_ADJUSTMENT_THRESHOLD or "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ImproperlyConfigured(f"SIGNATURE_STOCK_ADJUSTMENT_THRESHOLD must be a number, not {raw!r}") from None


def adjustment_needs_signature(part: Part, quantity: Decimal) -> bool:
    """Whether changing the count of ``part`` by ``quantity`` is worth more than the signing threshold."""
    threshold = adjustment_threshold()
    return threshold is not None and abs(quantity) * part.unit_cost > threshold


@counting_failed_signatures
@transaction.atomic
def stock_adjust(
    *,
    part: Part,
    location: StockLocation,
    quantity: Any,
    reason: str,
    user: Any,
    password: str | None = None,
    otp_token: str | None = None,
    meaning: str = "",
    statement: str = "",
) -> StockMovement:
    """Correct the count at a location (``quantity`` signed: +2 found, -1 broken), with a reason.

    An adjustment worth more than ``SIGNATURE_STOCK_ADJUSTMENT_THRESHOLD`` is signed electronically
    (``people.signatures.sign``: the password or authenticator code again); without a right signature
    the count does not change.
    """
    _require(user, "inventory.change_stockbalance", _("Only storekeepers may adjust stock."))
    _usable_location(location, user)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the count changes (e.g. stock take, damaged).")})
    try:
        delta = Decimal(str(quantity).strip().replace(",", ".")).quantize(QUANTUM, ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ValidationError({"quantity": _("Enter a number.")}) from None
    if delta == 0 or abs(delta) >= MAX_QUANTITY:
        raise ValidationError({"quantity": _("Enter how many more (+) or fewer (-) there are.")})
    balance = _locked_balance(part, location)
    if balance.on_hand + delta < balance.reserved:
        raise ActionNotAllowed(
            _(
                "%(location)s would have %(after)s %(unit)s of %(part)s but %(reserved)s are reserved for work: "
                "move or free those reservations first."
            )
            % {
                "location": location.code,
                "after": (balance.on_hand + delta).normalize(),
                "unit": part.unit,
                "part": part.part_number,
                "reserved": balance.reserved.normalize(),
            }
        )
    movement = _record(
        kind=MovementKind.ADJUSTMENT,
        part=part,
        location=location,
        site_id=_site_id(location),
        quantity=delta,
        unit_cost=part.unit_cost,
        user=user,
        reason=reason,
    )
    balance.on_hand += delta
    _save_balance(balance)
    if adjustment_needs_signature(part, delta):
        sign(
            movement,
            user,
            password=password,
            otp_token=otp_token,
            meaning=meaning or SignatureMeaning.PERFORMED,
            statement=statement,
            action="stock adjustment",
        )
    reorder_check(part=part, site=_site(location))
    return movement


@transaction.atomic
def stock_transfer(
    *, part: Part, source: StockLocation, target: StockLocation, quantity: Any, user: Any, reason: str = ""
) -> tuple[StockMovement, StockMovement]:
    """Move available parts from one location to another (two ledger rows pointing at each other)."""
    _require_stock(user, False)
    _usable_location(source, user)
    _usable_location(target, user)
    if source.pk == target.pk:
        raise ValidationError({"target": _("Choose another location to move the parts to.")})
    amount = quantity_of(quantity)
    # Lock both balances in location order: two opposite transfers cannot deadlock.
    first, second = sorted([source, target], key=lambda location: location.pk)
    balances = {first.pk: _locked_balance(part, first), second.pk: _locked_balance(part, second)}
    out_balance, in_balance = balances[source.pk], balances[target.pk]
    if amount > out_balance.available:
        raise _short_of(part, source, out_balance, amount)
    outgoing = _record(
        kind=MovementKind.TRANSFER,
        part=part,
        location=source,
        site_id=_site_id(source),
        quantity=-amount,
        unit_cost=part.unit_cost,
        user=user,
        reason=reason or _("to %(location)s") % {"location": target.code},
    )
    incoming = _record(
        kind=MovementKind.TRANSFER,
        part=part,
        location=target,
        site_id=_site_id(target),
        quantity=amount,
        unit_cost=part.unit_cost,
        user=user,
        reason=reason or _("from %(location)s") % {"location": source.code},
        counterpart=outgoing,
    )
    StockMovement.objects.filter(pk=outgoing.pk).update(counterpart=incoming)
    outgoing.counterpart = incoming
    out_balance.on_hand -= amount
    in_balance.on_hand += amount
    _save_balance(out_balance)
    _save_balance(in_balance)
    reorder_check(part=part, site=_site(source))
    if target.site_id != source.site_id:
        reorder_check(part=part, site=_site(target))
    return outgoing, incoming
