"""Business actions on stock, reservations, purchasing, contracts and costs: one service per action.

Screens, the API, the admin and Celery tasks call these and nothing else changes stock. Every movement
locks the balance rows it touches (``select_for_update``) and changes them in the same transaction as
the ledger row, so on hand and reserved always equal the ledger and never go below zero (the database
refuses it too). Locks are taken in one order: the part (receipts only), reservations, then balances
sorted by location, so two services never wait on each other in a circle.

``user=None`` means the system (a scheduled task). ``authorized=True`` is passed by the order services,
which have already checked that the user may record work on the order (a technician holds no stock
permissions of their own). Errors: ``ActionForbidden`` (403), ``ActionNotAllowed`` (409, a message for
the user), ``ValidationError`` with field errors (400).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from assets.models import Area, Resource
from core.errors import ActionForbidden, ActionNotAllowed
from core.notifications import notify
from core.numbering import number_allocate
from core.scoping import visible_site_ids
from inventory.models import (
    Budget,
    Contract,
    ContractKind,
    CostEntry,
    CostKind,
    MovementKind,
    Part,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderState,
    PurchaseRequest,
    PurchaseRequestReason,
    PurchaseRequestState,
    Reservation,
    ReservationState,
    StockBalance,
    StockLocation,
    StockMovement,
    Vendor,
    site_of,
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


@transaction.atomic
def stock_adjust(*, part: Part, location: StockLocation, quantity: Any, reason: str, user: Any) -> StockMovement:
    """Correct the count at a location (``quantity`` signed: +2 found, -1 broken), with a reason."""
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


# --- Reservations ------------------------------------------------------------------------------
def default_location(part: Part, site: Area) -> StockLocation | None:
    """Where to reserve a part in a site: the location with the most available, else the first store."""
    balance = (
        StockBalance.objects.filter(part=part, location__site=site, location__active=True)
        .annotate(free=F("on_hand") - F("reserved"))
        .filter(free__gt=0)
        .select_related("location")
        .order_by("-free", "location__code")
        .first()
    )
    if balance is not None:
        return balance.location
    return StockLocation.objects.stores().active().filter(site=site).order_by("code").first()


@transaction.atomic
def reservations_make(
    *,
    reference: str,
    site: Area,
    lines: Iterable[tuple[Part, Decimal]],
    user: Any,
    location: StockLocation | None = None,
    authorized: bool = False,
) -> list[Reservation]:
    """Hold parts for a piece of work: at ``location``, or where the site has them available.

    What cannot be held is recorded as the reservation's shortage (never dropped) and raises a
    purchase request. Making them again for the same reference changes nothing.
    """
    if not authorized:
        _require(user, "inventory.add_reservation", _("Only storekeepers may reserve stock."))
    check_site(user, site.pk)
    if location is not None:
        _usable_location(location, user)
        if location.site_id != site.pk:
            raise ValidationError({"location": _("Reserve at a location of the work's site.")})
    wanted: dict[int, tuple[Part, Decimal]] = {}
    for part, quantity in lines:
        before = wanted.get(part.pk, (part, ZERO))[1]
        wanted[part.pk] = (part, before + Decimal(quantity))
    made = []
    for part_id in sorted(wanted):
        part, quantity = wanted[part_id]
        if _open_reservation(reference, part) is not None:
            continue
        where = location or default_location(part, site)
        reservation = Reservation(
            reference=reference,
            part=part,
            site=site,
            location=where,
            requested=quantity,
            created_by=_user_or_none(user),
        )
        if where is not None:
            balance = _locked_balance(part, where)
            reservation.reserved = max(min(quantity, balance.available), ZERO)
            balance.reserved += reservation.reserved
            _save_balance(balance)
        reservation.save()
        made.append(reservation)
        if reservation.shortage > 0:
            reorder_check(part=part, site=site, reference=reference)
    return made


@transaction.atomic
def reservations_free(*, reference: str, user: Any = None) -> int:
    """The work is over: what its reservations still hold goes back to available; they close."""
    reservations = list(
        Reservation.objects.select_for_update(of=("self",))
        .filter(reference=reference, state=ReservationState.OPEN)
        .select_related("part", "location")
        .order_by("location_id", "part_id")
    )
    now = timezone.now()
    for reservation in reservations:
        if reservation.reserved > 0 and reservation.location is not None:
            balance = _locked_balance(reservation.part, reservation.location)
            balance.reserved -= reservation.reserved
            _save_balance(balance)
        reservation.reserved, reservation.state, reservation.closed_at = ZERO, ReservationState.CLOSED, now
        reservation.save(update_fields=["reserved", "state", "closed_at", "updated_at"])
    for site_id, part in {(r.site_id, r.part) for r in reservations if r.issued < r.requested}:
        reorder_check(part=part, site=Area.objects.get(pk=site_id))
    return len(reservations)


@transaction.atomic
def reservation_move(*, reservation: Reservation, location: StockLocation, user: Any) -> Reservation:
    """Hold a reservation at another location of its site (e.g. where the parts arrived)."""
    _require(user, "inventory.change_reservation", _("Only storekeepers may move reservations."))
    reservation = (
        Reservation.objects.select_for_update(of=("self",)).select_related("part", "location").get(pk=reservation.pk)
    )
    check_site(user, reservation.site_id)
    _usable_location(location, user)
    if reservation.state != ReservationState.OPEN:
        raise ActionNotAllowed(_("This reservation is closed."))
    if location.site_id != reservation.site_id:
        raise ValidationError({"location": _("Reserve at a location of the work's site.")})
    if reservation.location_id == location.pk:
        return reservation
    locations = sorted([loc for loc in (reservation.location, location) if loc is not None], key=lambda x: x.pk)
    balances = {loc.pk: _locked_balance(reservation.part, loc) for loc in locations}
    if reservation.location is not None:
        old = balances[reservation.location.pk]
        old.reserved -= reservation.reserved
        _save_balance(old)
    new = balances[location.pk]
    still_needed = max(reservation.requested - reservation.issued, ZERO)
    reservation.reserved = max(min(still_needed, new.available), ZERO)
    new.reserved += reservation.reserved
    _save_balance(new)
    reservation.location = location
    reservation.save(update_fields=["reserved", "location", "updated_at"])
    reorder_check(part=reservation.part, site=reservation.site)
    return reservation


# --- Reorder -----------------------------------------------------------------------------------
@dataclass
class StockPosition:
    """A part's stock in a site: what is there, held, missing, and coming."""

    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO
    shortage: Decimal = ZERO
    on_order: Decimal = ZERO
    requested: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    @property
    def projected(self) -> Decimal:
        """Available, less what work still lacks, plus what is on order or requested."""
        return self.available - self.shortage + self.on_order + self.requested


def stock_position(part: Part, site: Area) -> StockPosition:
    balances = StockBalance.objects.filter(part=part, location__site=site).aggregate(
        on_hand=Sum("on_hand"), reserved=Sum("reserved")
    )
    shortage = sum(
        (
            r.shortage
            for r in Reservation.objects.open().filter(part=part, site=site).only("requested", "reserved", "issued")
        ),
        ZERO,
    )
    on_order = PurchaseOrderLine.objects.filter(part=part, order__site=site, order__state__in=OPEN_PO_STATES).aggregate(
        total=Sum(F("quantity") - F("received"))
    )["total"]
    requested = PurchaseRequest.objects.open().filter(part=part, site=site).aggregate(total=Sum("quantity"))["total"]
    return StockPosition(
        on_hand=balances["on_hand"] or ZERO,
        reserved=balances["reserved"] or ZERO,
        shortage=shortage,
        on_order=on_order or ZERO,
        requested=requested or ZERO,
    )


@transaction.atomic
def reorder_check(
    *, part: Part, site: Area, reference: str = "", user: Any = None, demand: Decimal = ZERO
) -> PurchaseRequest | None:
    """Raise (or top up) the one open purchase request of a part in a site when its projected stock
    falls below the reorder point (or work lacks it). Idempotent: run again, nothing changes.

    ``demand``: what work not yet reserved will take (the order action "purchase request" before release).
    Returns the open request when one was raised or topped up, else None.
    """
    if not part.active:
        return None
    part = Part.objects.get(pk=part.pk)
    position = stock_position(part, site)
    projected = position.projected - demand
    if projected >= part.reorder_point:
        return None
    need = (part.reorder_point - projected).quantize(QUANTUM, ROUND_HALF_UP)
    existing = PurchaseRequest.objects.select_for_update().open().filter(part=part, site=site).first()
    if existing is not None:
        existing.quantity += need
        existing.save(update_fields=["quantity", "updated_at"])
        return existing
    reason = PurchaseRequestReason.SHORTAGE if position.shortage + demand > 0 else PurchaseRequestReason.REORDER
    request = PurchaseRequest(
        number=number_allocate("PR-"),
        part=part,
        site=site,
        quantity=max(need, part.reorder_quantity),
        reason=reason,
        reference=reference[:50],
        requested_by=_user_or_none(user),
    )
    try:
        # Two movements of the same part at once: the unique constraint lets one request in.
        with transaction.atomic():
            request.save()
    except IntegrityError:
        return PurchaseRequest.objects.open().filter(part=part, site=site).first()
    return request


def reorder_candidates() -> set[tuple[int, int]]:
    """(part, site) pairs whose stock may be below the reorder point or whose work lacks parts."""
    low = (
        StockBalance.objects.filter(part__active=True)
        .values("part_id", "location__site_id", "part__reorder_point")
        .annotate(free=Sum(F("on_hand") - F("reserved")))
        .filter(free__lt=F("part__reorder_point"))
    )
    pairs = {(row["part_id"], row["location__site_id"]) for row in low}
    pairs |= set(Reservation.objects.short().values_list("part_id", "site_id"))
    return pairs


def reorder_check_all() -> int:
    """The nightly reorder run: check every candidate (part, site); return how many requests it touched."""
    touched = 0
    pairs = reorder_candidates()
    parts = Part.objects.in_bulk({part_id for part_id, _site in pairs})
    sites = Area.objects.in_bulk({site_id for _part, site_id in pairs})
    for part_id, site_id in sorted(pairs):
        if reorder_check(part=parts[part_id], site=sites[site_id]) is not None:
            touched += 1
    return touched


# --- Purchase requests -------------------------------------------------------------------------
@transaction.atomic
def purchase_request_create(
    *, part: Part, site: Area, quantity: Any, user: Any, note: str = "", reference: str = ""
) -> PurchaseRequest:
    """Ask for a part to be bought for a site; adds to the open request of that part if there is one."""
    _require(user, "inventory.add_purchaserequest", _("Only storekeepers may request purchases."))
    check_site(user, site.pk)
    amount = quantity_of(quantity)
    existing = PurchaseRequest.objects.select_for_update().open().filter(part=part, site=site).first()
    if existing is not None:
        existing.quantity += amount
        existing.note = (existing.note + " " + note.strip()).strip()[:300]
        existing.save(update_fields=["quantity", "note", "updated_at"])
        return existing
    return PurchaseRequest.objects.create(
        number=number_allocate("PR-"),
        part=part,
        site=site,
        quantity=amount,
        reason=PurchaseRequestReason.MANUAL,
        reference=reference.strip()[:50],
        note=note.strip()[:300],
        requested_by=_user_or_none(user),
    )


@transaction.atomic
def purchase_request_cancel(*, request: PurchaseRequest, user: Any) -> PurchaseRequest:
    _require(user, "inventory.change_purchaserequest", _("Only storekeepers may cancel purchase requests."))
    request = PurchaseRequest.objects.select_for_update().get(pk=request.pk)
    check_site(user, request.site_id)
    if request.state != PurchaseRequestState.OPEN:
        raise ActionNotAllowed(_("Only an open purchase request can be cancelled."))
    request.state = PurchaseRequestState.CANCELLED
    request.save(update_fields=["state", "updated_at"])
    return request


# --- Purchase orders ---------------------------------------------------------------------------
def _check_currency(part: Part, currency: str) -> None:
    if part.currency != currency:
        raise ValidationError(
            {
                "part": _("%(part)s is costed in %(part_currency)s; this purchase order is in %(currency)s.")
                % {"part": part.part_number, "part_currency": part.currency, "currency": currency}
            }
        )


@transaction.atomic
def purchase_order_create(
    *,
    vendor: Vendor,
    deliver_to: StockLocation,
    user: Any,
    currency: str = "",
    requests: Iterable[PurchaseRequest] = (),
    notes: str = "",
) -> PurchaseOrder:
    """A draft purchase order to a vendor, delivered to a store; open purchase requests become its lines."""
    _require(user, "inventory.add_purchaseorder", _("Only storekeepers may create purchase orders."))
    _usable_location(deliver_to, user)
    if not vendor.active:
        raise ValidationError({"vendor": _("%(vendor)s is no longer active.") % {"vendor": vendor}})
    order = PurchaseOrder(
        number=number_allocate("PO-"),
        vendor=vendor,
        site_id=deliver_to.site_id,
        deliver_to=deliver_to,
        currency=currency or vendor.currency,
        notes=notes,
        created_by=_user_or_none(user),
    )
    order.full_clean(exclude=["number", "site", "state"])
    order.save()
    for request in requests:
        purchase_order_line_add(
            order=order, part=request.part, quantity=request.quantity, user=user, purchase_request=request
        )
    return order


def _locked_order(order: PurchaseOrder, user: Any) -> PurchaseOrder:
    order = PurchaseOrder.objects.select_for_update(of=("self",)).select_related("deliver_to").get(pk=order.pk)
    check_site(user, order.site_id, _("You do not have access to this purchase order."))
    return order


@transaction.atomic
def purchase_order_line_add(
    *,
    order: PurchaseOrder,
    part: Part,
    quantity: Any,
    user: Any,
    unit_price: Any = None,
    purchase_request: PurchaseRequest | None = None,
) -> PurchaseOrderLine:
    """Add a part to a draft (price default: the part's current cost); a request on it becomes ordered."""
    _require(user, "inventory.change_purchaseorder", _("Only storekeepers may change purchase orders."))
    order = _locked_order(order, user)
    if not order.is_editable:
        raise ActionNotAllowed(_("Lines can be changed while the purchase order is a draft."))
    _check_currency(part, order.currency)
    amount = quantity_of(quantity)
    price = part.unit_cost if unit_price in (None, "") else money_of(unit_price, "unit_price")
    if purchase_request is not None:
        purchase_request = PurchaseRequest.objects.select_for_update().get(pk=purchase_request.pk)
        if purchase_request.state != PurchaseRequestState.OPEN:
            raise ActionNotAllowed(
                _("%(number)s is already on a purchase order or cancelled.") % {"number": purchase_request.number}
            )
        if purchase_request.site_id != order.site_id or purchase_request.part_id != part.pk:
            raise ValidationError({"purchase_request": _("The request is for another part or site.")})
    line = order.lines.filter(part=part).first()
    if line is not None:
        if purchase_request is not None and line.purchase_request_id is not None:
            raise ValidationError({"part": _("%(part)s is already on this order.") % {"part": part.part_number}})
        line.quantity += amount
        line.unit_price = price
        line.purchase_request = line.purchase_request or purchase_request
        line.save()
    else:
        line = PurchaseOrderLine.objects.create(
            order=order, part=part, quantity=amount, unit_price=price, purchase_request=purchase_request
        )
    if purchase_request is not None:
        purchase_request.state = PurchaseRequestState.ORDERED
        purchase_request.save(update_fields=["state", "updated_at"])
    PurchaseOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    return line


@transaction.atomic
def purchase_order_line_remove(*, line: PurchaseOrderLine, user: Any) -> None:
    _require(user, "inventory.change_purchaseorder", _("Only storekeepers may change purchase orders."))
    order = _locked_order(line.order, user)
    if not order.is_editable:
        raise ActionNotAllowed(_("Lines can be changed while the purchase order is a draft."))
    _reopen_request(line)
    line.delete()


def _reopen_request(line: PurchaseOrderLine) -> None:
    """A request whose line goes away is open again (or cancelled if another open one took its place)."""
    request = line.purchase_request
    if request is None:
        return
    taken = PurchaseRequest.objects.open().filter(part_id=request.part_id, site_id=request.site_id).exists()
    request.state = PurchaseRequestState.CANCELLED if taken else PurchaseRequestState.OPEN
    request.save(update_fields=["state", "updated_at"])


TRANSITION_WORDS = {
    "submit": _("submitted"),
    "approve": _("approved"),
    "send_back": _("sent back"),
    "place": _("placed with the vendor"),
    "close": _("closed"),
    "cancel": _("cancelled"),
}


def _po_transition(order: PurchaseOrder, user: Any, name: str) -> PurchaseOrder:
    method = getattr(order, name)
    if user is not None and not may_transition(user, method):
        raise ActionForbidden(_("Your role may not do that to a purchase order."))
    if not can_proceed(method):
        if name == "submit" and order.state == PurchaseOrderState.DRAFT:
            raise ActionNotAllowed(_("Add at least one line before submitting."))
        if name == "cancel" and order.state in (PurchaseOrderState.ORDERED, PurchaseOrderState.PARTIALLY_RECEIVED):
            raise ActionNotAllowed(_("Part of this order was received: close it instead of cancelling."))
        raise ActionNotAllowed(
            _("A purchase order that is %(state)s cannot be %(action)s.")
            % {"state": order.get_state_display().lower(), "action": TRANSITION_WORDS.get(name, name)}
        )
    method()
    return order


def may_transition(user: Any, bound_transition: Any) -> bool:
    """The user's roles allow the transition from the current state (its conditions aside: a screen shows
    the button, the service checks the conditions when it is pressed). True where the state has none."""
    meta = bound_transition._django_fsm
    instance = bound_transition.__self__
    state = meta.field.get_state(instance)
    if meta.get_transition(state) is None:
        return True  # not possible now: ActionNotAllowed says why
    return bool(meta.has_transition_perm(instance, state, user))


def _save_order(order: PurchaseOrder, user: Any, reason: str) -> PurchaseOrder:
    order._change_reason = reason[:100]  # type: ignore[attr-defined]
    order._history_user = _user_or_none(user)  # type: ignore[attr-defined]
    order.save()
    return order


@transaction.atomic
def purchase_order_submit(*, order: PurchaseOrder, user: Any) -> PurchaseOrder:
    """Ask an approver (Supervisor or Administrator) to approve the spending."""
    order = _po_transition(_locked_order(order, user), user, "submit")
    order.submitted_at = timezone.now()
    return _save_order(order, user, "submit")


@transaction.atomic
def purchase_order_approve(*, order: PurchaseOrder, user: Any) -> PurchaseOrder:
    """Approve the spending (Supervisors and Administrators)."""
    order = _po_transition(_locked_order(order, user), user, "approve")
    order.approved_by, order.approved_at = _user_or_none(user), timezone.now()
    return _save_order(order, user, "approve")


@transaction.atomic
def purchase_order_send_back(*, order: PurchaseOrder, user: Any, reason: str = "") -> PurchaseOrder:
    """Return a submitted order to its draft for changes."""
    order = _po_transition(_locked_order(order, user), user, "send_back")
    return _save_order(order, user, f"sent back: {reason.strip()}" if reason.strip() else "sent back")


@transaction.atomic
def purchase_order_place(*, order: PurchaseOrder, user: Any, vendor_reference: str = "") -> PurchaseOrder:
    """The approved order went to the vendor."""
    order = _po_transition(_locked_order(order, user), user, "place")
    order.ordered_at = timezone.now()
    order.vendor_reference = vendor_reference.strip()[:100] or order.vendor_reference
    return _save_order(order, user, "ordered")


@transaction.atomic
def purchase_order_close(*, order: PurchaseOrder, user: Any) -> PurchaseOrder:
    """Nothing more will come (after a full or partial delivery)."""
    order = _po_transition(_locked_order(order, user), user, "close")
    order.closed_at = timezone.now()
    _save_order(order, user, "close")
    for line in order.lines.select_related("part").filter(received__lt=F("quantity")):
        reorder_check(part=line.part, site=order.site)  # what did not come may need asking for again
    return order


@transaction.atomic
def purchase_order_cancel(*, order: PurchaseOrder, user: Any, reason: str) -> PurchaseOrder:
    """Nothing will be bought; its purchase requests are open again."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the purchase order is cancelled.")})
    order = _po_transition(_locked_order(order, user), user, "cancel")
    order.cancel_reason = reason.strip()[:300]
    order.closed_at = timezone.now()
    _save_order(order, user, f"cancel: {reason.strip()}")
    for line in order.lines.select_related("purchase_request"):
        _reopen_request(line)
    return order


@transaction.atomic
def purchase_order_receive(
    *,
    order: PurchaseOrder,
    user: Any,
    quantities: dict[int, Any],
    location: StockLocation | None = None,
    occurred_at: datetime.datetime | None = None,
) -> list[StockMovement]:
    """Goods arrived: one receipt movement per line at the line's price, into ``location`` (default: the
    order's store). The order becomes partially received or received."""
    _require(user, "inventory.receive_purchaseorder", _("Only storekeepers may receive deliveries."))
    order = _locked_order(order, user)
    if order.state not in (PurchaseOrderState.ORDERED, PurchaseOrderState.PARTIALLY_RECEIVED):
        raise ActionNotAllowed(
            _("Deliveries are received once the order is placed (it is %(state)s).")
            % {"state": order.get_state_display().lower()}
        )
    target = location or order.deliver_to
    if target.site_id != order.site_id:
        raise ValidationError({"location": _("Receive into a location of the order's site.")})
    lines = {line.pk: line for line in order.lines.select_for_update(of=("self",)).select_related("part")}
    errors: dict[str, list[str]] = defaultdict(list)
    arrived: list[tuple[PurchaseOrderLine, Decimal]] = []
    for line_id, raw in quantities.items():
        if raw in (None, "") or str(raw).strip() in ("", "0"):
            continue
        line = lines.get(int(line_id))
        if line is None:
            raise ValidationError({"lines": _("That line is not on this purchase order.")})
        try:
            amount = quantity_of(raw, f"line_{line.pk}")
        except ValidationError as error:
            errors[f"line_{line.pk}"].extend(error.messages)
            continue
        if amount > line.outstanding:
            errors[f"line_{line.pk}"].append(
                _("Only %(outstanding)s %(unit)s of %(part)s are still to come.")
                % {"outstanding": line.outstanding.normalize(), "unit": line.part.unit, "part": line.part.part_number}
            )
            continue
        arrived.append((line, amount))
    if errors:
        raise ValidationError(dict(errors))
    if not arrived:
        raise ValidationError({"lines": _("Enter the quantity that arrived on at least one line.")})
    movements = []
    for line, amount in arrived:
        movements.append(
            stock_receive(
                part=line.part,
                location=target,
                quantity=amount,
                unit_cost=line.unit_price,
                user=user,
                reference=order.number,
                purchase_order_line=line,
                occurred_at=occurred_at,
                authorized=True,
            )
        )
        line.received += amount
        line.save(update_fields=["received", "updated_at"])
    done = all(line.received >= line.quantity for line in lines.values())
    _po_transition(order, None, "receive_all" if done else "receive_part")
    if done:
        order.received_at = timezone.now()
    _save_order(order, user, "received" if done else "partially received")
    return movements


# --- Contracts ---------------------------------------------------------------------------------
@dataclass
class WarrantyStatus:
    """Whether a resource is under warranty today, until when, and by whom; service contracts in force."""

    state: str  # "in_warranty", "expiring", "expired" or "none"
    ends_on: datetime.date | None = None
    days_left: int | None = None
    contract: Contract | None = None
    service_contracts: list[Contract] = field(default_factory=list)

    @property
    def label(self) -> str:
        labels = {
            "in_warranty": _("Under warranty"),
            "expiring": _("Warranty ends soon"),
            "expired": _("Warranty expired"),
            "none": _("No warranty recorded"),
        }
        return str(labels[self.state])


def warranty_status(resource: Resource, today: datetime.date | None = None) -> WarrantyStatus:
    """The resource's warranty (the latest-ending warranty contract covering it, or its own warranty end
    date) and the service contracts in force, for the resource page. Two queries."""
    today = today or timezone.localdate()
    contracts = list(
        Contract.objects.filter(resources=resource).select_related("vendor").order_by("-ends_on", "number")
    )
    warranties = [c for c in contracts if c.kind == ContractKind.WARRANTY and c.starts_on <= today]
    services = [c for c in contracts if c.kind == ContractKind.SERVICE and c.starts_on <= today <= c.ends_on]
    contract = warranties[0] if warranties else None
    ends_on = contract.ends_on if contract is not None else None
    if resource.warranty_end and (ends_on is None or resource.warranty_end > ends_on):
        ends_on, contract = resource.warranty_end, None
    if ends_on is None:
        return WarrantyStatus("none", service_contracts=services)
    days_left = (ends_on - today).days
    if days_left < 0:
        state = "expired"
    elif days_left <= (contract.notice_days if contract is not None else EXPIRING_WARRANTY_DAYS):
        state = "expiring"
    else:
        state = "in_warranty"
    return WarrantyStatus(state, ends_on, days_left, contract, services)


def contract_recipients(contract: Contract) -> list[User]:
    """Storekeepers and supervisors of the sites of the resources covered, and the administrators."""
    from core.roles import ADMINISTRATOR, STOREKEEPER, SUPERVISOR

    site_ids = set(contract.resources.values_list("area__site_id", flat=True))
    local = Q(groups__name__in=[STOREKEEPER, SUPERVISOR])
    if site_ids:
        local &= Q(employee__sites__in=site_ids)
    users = User.objects.filter(is_active=True).filter(local | Q(groups__name=ADMINISTRATOR)).distinct()
    return list(users.order_by("pk"))


def contracts_notify_expiring(today: datetime.date | None = None) -> int:
    """Tell people about contracts ending within their notice period, once per end date.

    Each contract is claimed with a conditional UPDATE, so two runs (two beats) never notify twice.
    """
    from django.urls import reverse

    today = today or timezone.localdate()
    candidates = Contract.objects.filter(ends_on__gte=today).exclude(expiry_notified_for=F("ends_on"))
    notified = 0
    for contract in candidates.select_related("vendor"):
        if contract.ends_on - datetime.timedelta(days=contract.notice_days) > today:
            continue
        with transaction.atomic():
            claimed = (
                Contract.objects.filter(pk=contract.pk)
                .exclude(expiry_notified_for=contract.ends_on)
                .update(expiry_notified_for=contract.ends_on, updated_at=timezone.now())
            )
            if not claimed:
                continue
            title = _("%(kind)s %(number)s ends on %(date)s") % {
                "kind": contract.get_kind_display(),
                "number": contract.number,
                "date": contract.ends_on.isoformat(),
            }
            body = _("%(title)s with %(vendor)s ends in %(days)s days. Renew it or plan without it.") % {
                "title": contract.title,
                "vendor": contract.vendor.name,
                "days": (contract.ends_on - today).days,
            }
            url = reverse("inventory:contract_list") + f"?q={contract.number}"
            notify(contract_recipients(contract), title, body, url)
            notified += 1
    return notified


# --- Costs and budgets -------------------------------------------------------------------------
@transaction.atomic
def cost_entry_add(
    *,
    site: Area,
    reference: str,
    description: str,
    amount: Any,
    currency: str,
    incurred_on: datetime.date,
    user: Any,
    vendor: Vendor | None = None,
) -> CostEntry:
    """Record an external cost (a contractor, a rental, a repair shop) against a piece of work."""
    _require(user, "inventory.add_costentry", _("Only storekeepers and administrators may record costs."))
    check_site(user, site.pk)
    entry = CostEntry(
        kind=CostKind.EXTERNAL,
        site=site,
        reference=reference.strip()[:50],
        vendor=vendor,
        description=description.strip()[:300],
        amount=money_of(amount, "amount"),
        currency=currency,
        incurred_on=incurred_on,
        recorded_by=_user_or_none(user),
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def labour_cost_post(*, site: Area, reference: str, amounts: dict[str, Decimal], on: datetime.date) -> list[CostEntry]:
    """Post the labour cost of closed work to the site's spending, once per reference and currency."""
    posted = []
    for currency, amount in sorted(amounts.items()):
        if amount <= 0:
            continue
        entry, _created = CostEntry.objects.get_or_create(
            kind=CostKind.LABOUR,
            reference=reference,
            currency=currency,
            defaults={"site": site, "description": _("Labour"), "amount": amount, "incurred_on": on},
        )
        posted.append(entry)
    return posted


@dataclass
class CostBreakdown:
    """Money spent on one piece of work (or one site and year), in one currency."""

    currency: str
    parts: Decimal = ZERO
    labour: Decimal = ZERO
    external: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.parts + self.labour + self.external


def reference_costs(reference: str, labour: dict[str, Decimal] | None = None) -> list[CostBreakdown]:
    """Parts (from the ledger: issued and used, less returned, at their cost) and external costs of one
    piece of work, with its ``labour`` as given by the caller (the order knows its own), per currency."""
    costs: dict[str, CostBreakdown] = {}

    def row(currency: str) -> CostBreakdown:
        return costs.setdefault(currency, CostBreakdown(currency))

    parts = (
        StockMovement.objects.filter(reference=reference, kind__in=CONSUMING_KINDS)
        .values("currency")
        .annotate(money=Sum(F("quantity") * F("unit_cost")))
    )
    for item in parts:
        row(item["currency"]).parts = (-(item["money"] or ZERO)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    external = (
        CostEntry.objects.filter(reference=reference, kind=CostKind.EXTERNAL)
        .values("currency")
        .annotate(total=Sum("amount"))
    )
    for item in external:
        row(item["currency"]).external = item["total"]
    for currency, amount in (labour or {}).items():
        row(currency).labour += amount
    return [costs[currency] for currency in sorted(costs)]


@dataclass
class BudgetLine:
    """A site's spending in a year and currency against its budget (if any)."""

    site: Area
    year: int
    currency: str
    budget: Decimal | None
    spent: CostBreakdown

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.spent.total

    @property
    def percent_used(self) -> int | None:
        if not self.budget:
            return None
        return int((self.spent.total / self.budget * 100).quantize(Decimal(1), ROUND_HALF_UP))


def budget_report(*, site_ids: list[int] | None, year: int) -> list[BudgetLine]:
    """Budget against actual per site and currency for a year: parts consumed (ledger), labour posted when
    work closed, and external costs. Four queries whatever the number of sites."""
    spent: dict[tuple[int, str], CostBreakdown] = {}

    def row(site_id: int, currency: str) -> CostBreakdown:
        return spent.setdefault((site_id, currency), CostBreakdown(currency))

    movements = StockMovement.objects.in_sites(site_ids).filter(kind__in=CONSUMING_KINDS, occurred_at__year=year)
    for item in movements.values("site_id", "currency").annotate(money=Sum(F("quantity") * F("unit_cost"))):
        row(item["site_id"], item["currency"]).parts = (-(item["money"] or ZERO)).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
    entries = CostEntry.objects.in_sites(site_ids).filter(incurred_on__year=year)
    for item in entries.values("site_id", "currency", "kind").annotate(total=Sum("amount")):
        breakdown = row(item["site_id"], item["currency"])
        if item["kind"] == CostKind.LABOUR:
            breakdown.labour += item["total"]
        else:
            breakdown.external += item["total"]
    budgets = {(b.site_id, b.currency): b for b in Budget.objects.in_sites(site_ids).filter(year=year)}
    keys = set(spent) | set(budgets)
    sites = Area.objects.in_bulk({site_id for site_id, _currency in keys})
    lines = [
        BudgetLine(
            site=sites[site_id],
            year=year,
            currency=currency,
            budget=budgets[(site_id, currency)].amount if (site_id, currency) in budgets else None,
            spent=spent.get((site_id, currency), CostBreakdown(currency)),
        )
        for site_id, currency in keys
    ]
    return sorted(lines, key=lambda line: (line.site.name, line.currency))


# --- Used by other apps ------------------------------------------------------------------------
def site_for(area: Area) -> Area:
    return site_of(area)


# --- What a screen may offer ---------------------------------------------------------------------
PURCHASE_ORDER_ACTIONS = ("submit", "approve", "send_back", "place", "close", "cancel")


def purchase_order_actions(order: PurchaseOrder, user: Any) -> list[str]:
    """The transitions that leave the order's state and that the user's roles allow (their conditions
    aside: the service checks those when the button is pressed). No query once the user's permissions
    are cached."""
    allowed = []
    for name in PURCHASE_ORDER_ACTIONS:
        meta = getattr(order, name)._django_fsm
        if meta.has_transition_perm(order, order.state, user):
            allowed.append(name)
    return allowed
