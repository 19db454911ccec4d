"""Store screens: stock by location, the ledger, issuing to work orders, purchase requests and orders,
receiving deliveries, contracts.

Views are thin: scope to the user's sites (other sites' rows answer 404), validate a form, call one
service from ``inventory.services``, then message and redirect. A refusal for now (``ActionNotAllowed``)
becomes a message or a form error; a role that may not act (``ActionForbidden``) answers 403.
Storekeepers and administrators act; supervisors look, and approve purchase orders.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.audit import render_history
from core.csv_export import export_response
from core.errors import ActionNotAllowed
from core.pagination import paginate
from core.roles import STOREKEEPER, SUPERVISOR
from core.scoping import has_role, is_administrator, visible_site_ids
from core.views import View, back
from inventory import exports, services
from inventory.filters import (
    PurchaseOrderFilterSet,
    PurchaseRequestFilterSet,
    StockBalanceFilterSet,
    StockMovementFilterSet,
)
from inventory.forms import (
    PurchaseOrderCreateForm,
    PurchaseOrderLineForm,
    PurchaseRequestForm,
    ReasonForm,
    ReceiveForm,
    StockAdjustForm,
    StockIssueForm,
    StockReturnForm,
    StockTransferForm,
    add_service_error,
)
from inventory.models import (
    Contract,
    MovementKind,
    Part,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderState,
    PurchaseRequest,
    PurchaseRequestState,
    Reservation,
    StockBalance,
    StockLocation,
    StockMovement,
)

PAGE_SIZE = 25


def _screen(*roles: str) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not (is_administrator(request.user) or any(has_role(request.user, role) for role in roles)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate


# Storekeepers run the store; supervisors see it (and approve purchase orders); administrators do all.
stores_screen = _screen(STOREKEEPER, SUPERVISOR)
storekeeper_screen = _screen(STOREKEEPER)


def is_storekeeper(user: Any) -> bool:
    return is_administrator(user) or has_role(user, STOREKEEPER)


def run_service(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Call a service; a refusal becomes an error message (``ActionForbidden`` propagates as a 403)."""
    try:
        action()
    except ActionNotAllowed as refusal:
        messages.error(request, refusal.message)
        return False
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
        return False
    messages.success(request, success)
    return True


def _filtered(request: HttpRequest) -> bool:
    return any(value for key, value in request.GET.items() if key != "page")


# --- Stock and the ledger ----------------------------------------------------------------------
@stores_screen
def stock_list(request: HttpRequest) -> HttpResponseBase:
    """On hand, reserved and available per part and location of the user's sites."""
    site_ids = visible_site_ids(request.user)
    balances = StockBalance.objects.in_sites(site_ids).select_related("part", "location__site")
    filterset = StockBalanceFilterSet(request.GET, queryset=balances, request=request)
    listed = filterset.qs.order_by("location__code", "part__part_number")
    if (export := export_response(request, listed, exports.STOCK_COLUMNS, name=_("stock"))) is not None:
        return export
    page = paginate(request, listed, "page", PAGE_SIZE)
    return render(
        request,
        "inventory/stock_list.html",
        {
            "filterset": filterset,
            "balances": page,
            "filtered": _filtered(request),
            "may_act": is_storekeeper(request.user),
        },
    )


@stores_screen
def part_history(request: HttpRequest, pk: int) -> HttpResponse:
    """A part's change history (``core.audit``); parts are one catalogue for every site. Stock
    adjustments change balances, not the part: their reasons are in the ledger, linked from here."""
    part = get_object_or_404(Part, pk=pk)
    ledger = (
        reverse("inventory:movement_list") + "?" + urlencode({"kind": MovementKind.ADJUSTMENT, "q": part.part_number})
    )
    return render_history(
        request,
        part,
        title=f"{part.part_number} · {part.description}",
        back_url=reverse("inventory:stock"),
        related=[(_("Stock adjustments of this part, with their reasons"), ledger)],
    )


@stores_screen
def movement_list(request: HttpRequest) -> HttpResponseBase:
    """The stock ledger of the user's sites, newest first."""
    site_ids = visible_site_ids(request.user)
    movements = StockMovement.objects.in_sites(site_ids).select_related("part", "location", "recorded_by")
    filterset = StockMovementFilterSet(request.GET, queryset=movements, request=request)
    if (
        export := export_response(request, filterset.qs, exports.MOVEMENT_COLUMNS, name=_("stock movements"))
    ) is not None:
        return export
    page = paginate(request, filterset.qs, "page", PAGE_SIZE)
    return render(
        request,
        "inventory/movement_list.html",
        {
            "filterset": filterset,
            "movements": page,
            "filtered": _filtered(request),
            "may_act": is_storekeeper(request.user),
        },
    )


def _service_failed(form: Any, error: Exception, renamed: dict[str, str] | None = None) -> None:
    """A service refused: ``ActionNotAllowed`` as a form error, a ``ValidationError`` on its fields."""
    if isinstance(error, ActionNotAllowed):
        form.add_error(None, error.message)
        return
    assert isinstance(error, ValidationError)
    if renamed and hasattr(error, "error_dict"):
        error = ValidationError({renamed.get(field, field): errors for field, errors in error.error_dict.items()})
    add_service_error(form, error)


def _quantity(value: Any) -> str:
    return str(value.normalize()) if value else "0"


ORDER_MOVEMENT_FIELDS = ("reference", "part", "location", "quantity")


def _order_movement(
    request: HttpRequest, form_class: Any, service: Any, site_ids: list[int] | None
) -> tuple[Any, StockMovement | None]:
    """Issue to or return from a work order: the form (filled from ``?reference=&part=...`` links) and, once
    posted and accepted by ``service``, the movement it recorded."""
    initial = {key: request.GET[key] for key in ORDER_MOVEMENT_FIELDS if key in request.GET}
    form = form_class(request.POST or None, site_ids=site_ids, initial=initial)
    if request.method != "POST" or not form.is_valid():
        return form, None
    data = form.cleaned_data
    try:
        movement = service(user=request.user, **{key: data[key] for key in ORDER_MOVEMENT_FIELDS})
    except (ActionNotAllowed, ValidationError) as refusal:
        _service_failed(form, refusal)
        return form, None
    return form, movement


@storekeeper_screen
def stock_issue(request: HttpRequest) -> HttpResponse:
    """Take parts from a location for a work order; reservations waiting in the user's sites are listed."""
    site_ids = visible_site_ids(request.user)
    form, movement = _order_movement(request, StockIssueForm, services.stock_issue, site_ids)
    if movement is not None:
        messages.success(
            request,
            _("%(quantity)s %(unit)s of %(part)s issued to %(reference)s.")
            % {
                "quantity": _quantity(-movement.quantity),
                "unit": movement.part.unit,
                "part": movement.part.part_number,
                "reference": movement.reference,
            },
        )
        return redirect("inventory:issue")
    reservations = (
        Reservation.objects.in_sites(site_ids)
        .open()
        .filter(Q(reserved__gt=0) | Q(requested__gt=F("reserved") + F("issued")))
        .select_related("part", "location")
        .order_by("created_at", "id")[:20]
    )
    locations = list(StockLocation.objects.in_sites(site_ids).active().order_by("code"))
    return render(request, "inventory/issue.html", {"form": form, "reservations": reservations, "locations": locations})


@storekeeper_screen
def stock_return(request: HttpRequest) -> HttpResponse:
    """Unused parts come back from a work order into a location of the user's sites."""
    form, movement = _order_movement(request, StockReturnForm, services.stock_return, visible_site_ids(request.user))
    if movement is not None:
        messages.success(
            request,
            _("%(quantity)s %(unit)s of %(part)s returned from %(reference)s into %(location)s.")
            % {
                "quantity": _quantity(movement.quantity),
                "unit": movement.part.unit,
                "part": movement.part.part_number,
                "reference": movement.reference,
                "location": form.cleaned_data["location"].code,
            },
        )
        return redirect("inventory:movement_list")
    return render(request, "inventory/stock_return.html", {"form": form})


# --- Adjustments (cycle counts) and transfers ----------------------------------------------------
def _adjust(data: dict[str, Any], user: Any) -> tuple[StockMovement | None, Any]:
    """Record a change, or the difference between a count and the books (read under the balance's lock)."""
    part, location = data["part"], data["location"]
    with transaction.atomic():
        if data["counted"] is None:
            delta = data["change"]
        else:
            services.check_site(user, location.site_id)
            StockBalance.objects.get_or_create(part=part, location=location)
            on_hand = StockBalance.objects.select_for_update().get(part=part, location=location).on_hand
            delta = data["counted"] - on_hand
            if delta == 0:
                return None, on_hand
        movement = services.stock_adjust(part=part, location=location, quantity=delta, reason=data["reason"], user=user)
        return movement, None


@storekeeper_screen
def stock_adjust(request: HttpRequest) -> HttpResponse:
    """Correct the count at a location with a reason: a cycle count (what is there) or a signed change."""
    site_ids = visible_site_ids(request.user)
    initial = {key: request.GET[key] for key in ("part", "location") if key in request.GET}
    form = StockAdjustForm(request.POST or None, site_ids=site_ids, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            movement, unchanged = _adjust(data, request.user)
        except (ActionNotAllowed, ValidationError) as refusal:
            _service_failed(form, refusal, renamed={"quantity": "counted" if data["counted"] is not None else "change"})
        else:
            part, location = data["part"], data["location"]
            if movement is None:
                messages.success(
                    request,
                    _(
                        "The count of %(part)s at %(location)s matches the books (%(quantity)s %(unit)s): nothing changed."
                    )
                    % {
                        "part": part.part_number,
                        "location": location.code,
                        "quantity": _quantity(unchanged),
                        "unit": part.unit,
                    },
                )
            else:
                messages.success(
                    request,
                    _("%(part)s at %(location)s adjusted by %(change)s %(unit)s.")
                    % {
                        "part": part.part_number,
                        "location": location.code,
                        "change": ("+" if movement.quantity > 0 else "") + _quantity(movement.quantity),
                        "unit": part.unit,
                    },
                )
            return redirect("inventory:movement_list")
    return render(request, "inventory/stock_adjust.html", {"form": form})


@storekeeper_screen
def stock_transfer(request: HttpRequest) -> HttpResponse:
    """Move available parts between two locations of the user's sites (two ledger rows)."""
    site_ids = visible_site_ids(request.user)
    initial = {key: request.GET[key] for key in ("part", "source", "target", "quantity") if key in request.GET}
    form = StockTransferForm(request.POST or None, site_ids=site_ids, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _outgoing, incoming = services.stock_transfer(
                part=data["part"],
                source=data["source"],
                target=data["target"],
                quantity=data["quantity"],
                user=request.user,
                reason=data["reason"],
            )
        except (ActionNotAllowed, ValidationError) as refusal:
            _service_failed(form, refusal, renamed={"location": "source"})
        else:
            messages.success(
                request,
                _("%(quantity)s %(unit)s of %(part)s moved from %(source)s to %(target)s.")
                % {
                    "quantity": _quantity(incoming.quantity),
                    "unit": data["part"].unit,
                    "part": data["part"].part_number,
                    "source": data["source"].code,
                    "target": data["target"].code,
                },
            )
            return redirect("inventory:movement_list")
    return render(request, "inventory/stock_transfer.html", {"form": form})


# --- Purchase requests -------------------------------------------------------------------------
def _request_list_page(
    request: HttpRequest, form: PurchaseRequestForm | None = None, status: int = 200
) -> HttpResponseBase:
    site_ids = visible_site_ids(request.user)
    data = request.GET.copy()
    data.setdefault("state", PurchaseRequestState.OPEN)
    requests = PurchaseRequest.objects.in_sites(site_ids).select_related("part", "site", "line__order")
    filterset = PurchaseRequestFilterSet(data, queryset=requests, request=request)
    if (
        request.method == "GET"
        and (
            export := export_response(
                request, filterset.qs, exports.PURCHASE_REQUEST_COLUMNS, name=_("purchase requests")
            )
        )
        is not None
    ):
        return export
    page = paginate(request, filterset.qs, "page", PAGE_SIZE)
    may_act = is_storekeeper(request.user)
    if form is None and may_act:
        form = PurchaseRequestForm(site_ids=site_ids, prefix="new")
    return render(
        request,
        "inventory/request_list.html",
        {
            "filterset": filterset,
            "requests": page,
            "filtered": _filtered(request),
            "may_act": may_act,
            "open_state": PurchaseRequestState.OPEN,
            "request_form": form,
        },
        status=status,
    )


@stores_screen
def request_list(request: HttpRequest) -> HttpResponseBase:
    """Purchase requests (open ones unless asked otherwise); storekeepers raise them by hand and order them."""
    return _request_list_page(request)


@storekeeper_screen
@require_POST
def request_create(request: HttpRequest) -> HttpResponseBase:
    """A purchase request raised by hand (added to the part's open request of that site if there is one)."""
    form = PurchaseRequestForm(request.POST, site_ids=visible_site_ids(request.user), prefix="new")
    if form.is_valid():
        data = form.cleaned_data
        try:
            purchase_request = services.purchase_request_create(
                part=data["part"], site=data["site"], quantity=data["quantity"], user=request.user, note=data["note"]
            )
        except (ActionNotAllowed, ValidationError) as refusal:
            _service_failed(form, refusal)
        else:
            messages.success(
                request,
                _("%(number)s: %(quantity)s %(unit)s of %(part)s requested for %(site)s.")
                % {
                    "number": purchase_request.number,
                    "quantity": _quantity(purchase_request.quantity),
                    "unit": data["part"].unit,
                    "part": data["part"].part_number,
                    "site": data["site"].name,
                },
            )
            return redirect(reverse("inventory:request_list") + f"#request-{purchase_request.pk}")
    return _request_list_page(request, form=form, status=400)


@storekeeper_screen
@require_POST
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    purchase_request = get_object_or_404(PurchaseRequest.objects.in_sites(visible_site_ids(request.user)), pk=pk)
    run_service(
        request,
        lambda: services.purchase_request_cancel(request=purchase_request, user=request.user),
        _("%(number)s cancelled.") % {"number": purchase_request.number},
    )
    return redirect("inventory:request_list")


# --- Purchase orders ---------------------------------------------------------------------------
def _orders(site_ids: list[int] | None) -> QuerySet[PurchaseOrder]:
    return PurchaseOrder.objects.in_sites(site_ids).select_related("vendor", "site", "deliver_to")


@stores_screen
def order_list(request: HttpRequest) -> HttpResponseBase:
    site_ids = visible_site_ids(request.user)
    orders = _orders(site_ids).annotate(
        value=Coalesce(
            Sum(F("lines__quantity") * F("lines__unit_price")),
            0,
            output_field=DecimalField(max_digits=20, decimal_places=4),
        )
    )
    filterset = PurchaseOrderFilterSet(request.GET, queryset=orders.order_by("-created_at", "-id"), request=request)
    if (
        export := export_response(request, filterset.qs, exports.PURCHASE_ORDER_COLUMNS, name=_("purchase orders"))
    ) is not None:
        return export
    page = paginate(request, filterset.qs, "page", PAGE_SIZE)
    return render(
        request,
        "inventory/order_list.html",
        {
            "filterset": filterset,
            "orders": page,
            "filtered": _filtered(request),
            "may_act": is_storekeeper(request.user),
        },
    )


@storekeeper_screen
def order_create(request: HttpRequest) -> HttpResponse:
    """A draft purchase order to a vendor; open purchase requests chosen on the request list become lines."""
    site_ids = visible_site_ids(request.user)
    initial = {"requests": request.GET.getlist("requests")}
    form = PurchaseOrderCreateForm(request.POST or None, site_ids=site_ids, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.purchase_order_create(
                vendor=data["vendor"],
                deliver_to=data["deliver_to"],
                user=request.user,
                requests=data["requests"],
                notes=data["notes"],
            )
        except ActionNotAllowed as refusal:
            form.add_error(None, refusal.message)
        except ValidationError as invalid:
            add_service_error(form, invalid)
        else:
            messages.success(request, _("Purchase order %(number)s drafted.") % {"number": order.number})
            return redirect("inventory:order_detail", pk=order.pk)
    return render(request, "inventory/order_form.html", {"form": form})


def _order_page(
    request: HttpRequest,
    order: PurchaseOrder,
    receive_form: ReceiveForm | None = None,
    line_form: PurchaseOrderLineForm | None = None,
    status: int = 200,
) -> HttpResponse:
    lines = list(order.lines.select_related("part", "purchase_request"))
    user = request.user
    receivable = order.state in (PurchaseOrderState.ORDERED, PurchaseOrderState.PARTIALLY_RECEIVED)
    if receive_form is None and receivable and user.has_perm("inventory.receive_purchaseorder"):
        receive_form = ReceiveForm(order=order, lines=lines)
    if line_form is None and order.is_editable and user.has_perm("inventory.change_purchaseorder"):
        line_form = PurchaseOrderLineForm(order=order)
    receipts = StockMovement.objects.filter(purchase_order_line__order=order).select_related(
        "part", "location", "recorded_by"
    )
    context = {
        "order": order,
        "lines": lines,
        "total": sum((line.total for line in lines), 0),
        "actions": services.purchase_order_actions(order, user),
        "receive_form": receive_form,
        "line_form": line_form,
        "cancel_form": ReasonForm(),
        "receipts": receipts,
        "may_act": is_storekeeper(user),
    }
    return render(request, "inventory/order_detail.html", context, status=status)


def _visible_order(request: HttpRequest, pk: int) -> PurchaseOrder:
    return get_object_or_404(_orders(visible_site_ids(request.user)).select_related("created_by", "approved_by"), pk=pk)


@stores_screen
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _order_page(request, _visible_order(request, pk))


ORDER_ACTIONS: dict[str, Callable[..., Any]] = {
    "submit": services.purchase_order_submit,
    "approve": services.purchase_order_approve,
    "send_back": services.purchase_order_send_back,
    "place": services.purchase_order_place,
    "close": services.purchase_order_close,
    "cancel": services.purchase_order_cancel,
}
ACTION_MESSAGES: dict[str, Callable[[str], str]] = {
    "submit": lambda number: _("%(number)s submitted for approval.") % {"number": number},
    "approve": lambda number: _("%(number)s approved.") % {"number": number},
    "send_back": lambda number: _("%(number)s sent back to draft.") % {"number": number},
    "place": lambda number: _("%(number)s placed with the vendor.") % {"number": number},
    "close": lambda number: _("%(number)s closed.") % {"number": number},
    "cancel": lambda number: _("%(number)s cancelled.") % {"number": number},
}


@stores_screen
@require_POST
def order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One transition of the purchase order, through its service (which refuses roles and states)."""
    if action not in ORDER_ACTIONS:
        raise Http404
    order = _visible_order(request, pk)
    service = ORDER_ACTIONS[action]
    kwargs: dict[str, Any] = {"order": order, "user": request.user}
    if action == "cancel":
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say why the purchase order is cancelled."))
            return redirect("inventory:order_detail", pk=order.pk)
        kwargs["reason"] = form.cleaned_data["reason"]
    if action == "place":
        kwargs["vendor_reference"] = request.POST.get("vendor_reference", "")
    run_service(request, lambda: service(**kwargs), ACTION_MESSAGES[action](order.number))
    return redirect("inventory:order_detail", pk=order.pk)


@storekeeper_screen
@require_POST
def order_receive(request: HttpRequest, pk: int) -> HttpResponse:
    """A delivery arrived: per line quantities (a partial delivery leaves the rest to come)."""
    order = _visible_order(request, pk)
    lines = list(order.lines.select_related("part"))
    form = ReceiveForm(request.POST, order=order, lines=lines)
    if form.is_valid():
        try:
            movements = services.purchase_order_receive(
                order=order, user=request.user, quantities=form.quantities(), location=form.cleaned_data["location"]
            )
        except ActionNotAllowed as refusal:
            messages.error(request, refusal.message)
            return redirect("inventory:order_detail", pk=order.pk)
        except ValidationError as invalid:
            add_service_error(form, invalid)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s line received into %(location)s.",
                    "%(count)s lines received into %(location)s.",
                    len(movements),
                )
                % {"count": len(movements), "location": form.cleaned_data["location"].code},
            )
            return redirect("inventory:order_detail", pk=order.pk)
    return _order_page(request, order, receive_form=form, status=400)


@storekeeper_screen
@require_POST
def order_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible_order(request, pk)
    form = PurchaseOrderLineForm(request.POST, order=order)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.purchase_order_line_add(
                order=order,
                part=data["part"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                user=request.user,
            )
        except ActionNotAllowed as refusal:
            messages.error(request, refusal.message)
            return redirect("inventory:order_detail", pk=order.pk)
        except ValidationError as invalid:
            add_service_error(form, invalid)
        else:
            messages.success(request, _("%(part)s added.") % {"part": data["part"].part_number})
            return redirect("inventory:order_detail", pk=order.pk)
    return _order_page(request, order, line_form=form, status=400)


@storekeeper_screen
@require_POST
def order_line_remove(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    order = _visible_order(request, pk)
    line = get_object_or_404(
        PurchaseOrderLine.objects.select_related("order", "purchase_request"), pk=line_pk, order=order
    )
    run_service(
        request,
        lambda: services.purchase_order_line_remove(line=line, user=request.user),
        _("Line removed."),
    )
    return redirect("inventory:order_detail", pk=order.pk)


# --- Contracts ---------------------------------------------------------------------------------
@stores_screen
def contract_list(request: HttpRequest) -> HttpResponseBase:
    """Service and warranty contracts covering the user's sites, the ones ending first on top."""
    site_ids = visible_site_ids(request.user)
    contracts = (
        Contract.objects.in_sites(site_ids)
        .select_related("vendor")
        .prefetch_related(Prefetch("resources", to_attr="covered"))
        .order_by("ends_on", "number")
    )
    query = request.GET.get("q", "").strip()
    if query:
        contracts = contracts.filter(
            Q(number__icontains=query) | Q(title__icontains=query) | Q(vendor__name__icontains=query)
        )
    if (export := export_response(request, contracts, exports.CONTRACT_COLUMNS, name=_("contracts"))) is not None:
        return export
    today = timezone.localdate()
    page = paginate(request, contracts, "page", PAGE_SIZE)
    for contract in page:
        contract.days_left = (contract.ends_on - today).days
        contract.expiring = 0 <= contract.days_left <= contract.notice_days
    return render(
        request,
        "inventory/contract_list.html",
        {"contracts": page, "query": query, "today": today, "soon": today + datetime.timedelta(days=30)},
    )


# --- Reservations held for work orders -----------------------------------------------------------
@storekeeper_screen
@require_POST
def reservation_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Hold an order's reservation at another location of its site (from the order page's store panel)."""
    site_ids = visible_site_ids(request.user)
    reservation = get_object_or_404(Reservation.objects.in_sites(site_ids).select_related("location"), pk=pk)
    location = StockLocation.objects.in_sites(site_ids).filter(pk=request.POST.get("location") or 0).first()
    if location is None:
        messages.error(request, _("Choose a location of the work's site."))
    else:
        run_service(
            request,
            lambda: services.reservation_move(reservation=reservation, location=location, user=request.user),
            _("%(part)s for %(reference)s is now held at %(location)s.")
            % {"part": reservation.part.part_number, "reference": reservation.reference, "location": location.code},
        )
    # From the order page's store panel, back to it (its URL comes as ``next``).
    return back(request, reverse("inventory:issue") + "#reservations")


# --- Budgets -----------------------------------------------------------------------------------
@stores_screen
def budget_report(request: HttpRequest) -> HttpResponseBase:
    """Budget against actual per site of the user and currency for a year (parts, labour, external)."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    if not 2000 <= year <= 2100:
        year = today.year
    lines = services.budget_report(site_ids=visible_site_ids(request.user), year=year)
    if (
        export := export_response(request, lines, exports.BUDGET_COLUMNS, name=_("budget %(year)s") % {"year": year})
    ) is not None:
        return export
    return render(
        request,
        "inventory/budget_report.html",
        {"lines": lines, "year": year, "years": range(today.year + 1, today.year - 5, -1)},
    )
