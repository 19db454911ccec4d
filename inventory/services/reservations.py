"""Reservations: parts held at a location for a piece of work, freed when it is over."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import Area
from core.errors import ActionNotAllowed
from inventory.models import (
    Part,
    Reservation,
    ReservationState,
    StockBalance,
    StockLocation,
)
from inventory.services.common import (
    ZERO,
    _locked_balance,
    _require,
    _save_balance,
    _usable_location,
    _user_or_none,
    check_site,
)
from inventory.services.reorder import reorder_check
from inventory.services.stock import _open_reservation


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
