"""Purchase requests and purchase orders: create, lines, the order's transitions, receiving deliveries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from assets.models import Area
from core.errors import ActionForbidden, ActionNotAllowed
from core.numbering import number_allocate
from inventory.models import (
    Part,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderState,
    PurchaseRequest,
    PurchaseRequestReason,
    PurchaseRequestState,
    StockLocation,
    StockMovement,
    Vendor,
)
from inventory.services.common import _require, _usable_location, _user_or_none, check_site, money_of, quantity_of
from inventory.services.reorder import reorder_check
from inventory.services.stock import stock_receive


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
