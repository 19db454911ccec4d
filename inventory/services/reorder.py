"""The reorder check: a part's stock position in a site and the one open purchase request it raises.

Below stock, reservations and purchasing, which all call ``reorder_check`` after a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from assets.models import Area
from core.numbering import number_allocate
from inventory.models import (
    Part,
    PurchaseOrderLine,
    PurchaseRequest,
    PurchaseRequestReason,
    Reservation,
    StockBalance,
)
from inventory.services.common import OPEN_PO_STATES, QUANTUM, ZERO, _user_or_none


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
