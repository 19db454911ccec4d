"""Admin of the inventory: master data (parts, vendors, locations, contracts, budgets) is edited here; the
stock ledger, balances, reservations and purchasing are only looked at (they change through the services,
which the purchasing actions below call)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.errors import ActionForbidden, ActionNotAllowed
from core.history_admin import ReadOnlyHistoryAdmin
from core.scoping import visible_site_ids
from inventory import services
from inventory.models import (
    Budget,
    Contract,
    CostEntry,
    CostKind,
    Part,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    Reservation,
    SparePart,
    StockBalance,
    StockLocation,
    StockMovement,
    Vendor,
)


def all_fields(model: type[models.Model]) -> list[str]:
    return [field.name for field in model._meta.fields]


class SiteScopedAdmin(admin.ModelAdmin):
    """Rows of the sites the user belongs to (administrators see every site)."""

    site_lookup = "site_id__in"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        site_ids = visible_site_ids(request.user)
        return queryset if site_ids is None else queryset.filter(**{self.site_lookup: list(site_ids)})


class ReadOnlyAdmin(SiteScopedAdmin):
    """Written only by the stock services: people look, nobody adds, edits or deletes."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Part)
class PartAdmin(ReadOnlyHistoryAdmin):
    list_display = (
        "part_number",
        "description",
        "unit",
        "manufacturer",
        "minimum_quantity",
        "reorder_point",
        "reorder_quantity",
        "unit_cost",
        "currency",
        "active",
    )
    list_filter = ("active", "currency", "manufacturer")
    search_fields = ("part_number", "description", "manufacturer", "manufacturer_part_number")
    readonly_fields = ("unit_cost",)  # the moving average of what was received

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields  # a new part starts at a price


@admin.register(SparePart)
class SparePartAdmin(ReadOnlyHistoryAdmin):
    """Spare parts lists; rows are added, changed and removed through the same services as the API."""

    list_display = ("part", "resource", "resource_type", "quantity", "note")
    list_select_related = ("part", "resource", "resource_type")
    list_filter = (("resource_type", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("part__part_number", "part__description", "resource__tag", "resource_type__name")
    autocomplete_fields = ("part", "resource", "resource_type")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).visible_in(visible_site_ids(request.user))

    def save_model(self, request: HttpRequest, obj: SparePart, form: Any, change: bool) -> None:
        if change:
            services.spare_part_change(spare_part=obj, user=request.user, quantity=obj.quantity, note=obj.note)
            return
        saved = services.spare_part_add(
            part=obj.part,
            quantity=obj.quantity,
            user=request.user,
            resource=obj.resource,
            resource_type=obj.resource_type,
            note=obj.note,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: SparePart) -> None:
        services.spare_part_remove(spare_part=obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # "Delete selected" goes through the same service, row by row (its checks and history).
        with transaction.atomic():
            for spare_part in queryset:
                services.spare_part_remove(spare_part=spare_part, user=request.user)


@admin.register(Vendor)
class VendorAdmin(ReadOnlyHistoryAdmin):
    list_display = ("code", "name", "contact_name", "email", "phone", "currency", "active")
    list_filter = ("active", "currency")
    search_fields = ("code", "name", "contact_name", "email", "tax_number")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(StockLocation)
class StockLocationAdmin(ReadOnlyHistoryAdmin, SiteScopedAdmin):
    list_display = ("code", "name", "kind", "store", "area", "site", "active")
    list_filter = ("kind", "active", "site")
    list_select_related = ("store", "area", "site")
    search_fields = ("code", "name", "area__code", "area__name")
    autocomplete_fields = ("area", "store")
    readonly_fields = ("site",)


@admin.register(StockBalance)
class StockBalanceAdmin(ReadOnlyAdmin):
    """On hand and reserved per part and location, kept by every movement."""

    site_lookup = "location__site_id__in"
    readonly_fields = all_fields(StockBalance)
    list_display = ("part", "location", "on_hand", "reserved", "available", "updated_at")
    list_filter = ("location__site", "location")
    list_select_related = ("part", "location")
    search_fields = ("part__part_number", "part__description", "location__code")

    @admin.display(description=_("available"))
    def available(self, balance: StockBalance) -> Any:
        return balance.available


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    """The stock ledger: never edited; a mistake is corrected by an adjustment with a reason."""

    readonly_fields = all_fields(StockMovement)

    list_display = (
        "occurred_at",
        "kind",
        "part",
        "location",
        "quantity",
        "unit_cost",
        "currency",
        "reference",
        "reason",
        "recorded_by",
    )
    list_filter = ("kind", "site", "currency")
    list_select_related = ("part", "location", "recorded_by")
    search_fields = ("part__part_number", "reference", "reason", "location__code")
    date_hierarchy = "occurred_at"


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyHistoryAdmin, ReadOnlyAdmin):
    """Parts held for work: made when an order is released, freed when it closes."""

    readonly_fields = all_fields(Reservation)

    list_display = ("reference", "part", "location", "requested", "reserved", "issued", "state", "created_at")
    list_filter = ("state", "site")
    list_select_related = ("part", "location")
    search_fields = ("reference", "part__part_number")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _service_action(
    name: str, label: Any, call: Callable[[Any, Any], Any]
) -> Callable[[Any, HttpRequest, QuerySet[Any]], None]:
    """An admin action that runs a service on each selected row and reports each outcome."""

    def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for row in queryset:
            try:
                call(row, request.user)
            except (ActionNotAllowed, ActionForbidden) as error:
                modeladmin.message_user(request, f"{row.number}: {error.message}", level=messages.ERROR)
            except ValidationError as error:
                modeladmin.message_user(request, f"{row.number}: {' '.join(error.messages)}", level=messages.ERROR)
            else:
                modeladmin.message_user(request, f"{row.number}: {label}")

    action.__name__ = name
    return admin.action(description=label)(action)


@admin.register(PurchaseRequest)
class PurchaseRequestAdmin(ReadOnlyHistoryAdmin, SiteScopedAdmin):
    """Raised by the reorder check and the purchasing screens; cancelled here through the service."""

    list_display = ("number", "part", "site", "quantity", "reason", "reference", "state", "created_at")
    list_filter = ("state", "reason", "site")
    list_select_related = ("part", "site")
    search_fields = ("number", "part__part_number", "reference", "note")
    readonly_fields = all_fields(PurchaseRequest)
    actions = [
        _service_action(
            "cancel_requests",
            _("Cancel"),
            lambda request, user: services.purchase_request_cancel(request=request, user=user),
        )
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    fields = ("part", "quantity", "unit_price", "received", "purchase_request")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyHistoryAdmin, SiteScopedAdmin):
    """Made and moved on the purchasing screens; the state changes here only through the services."""

    list_display = ("number", "vendor", "site", "deliver_to", "currency", "state", "created_at", "ordered_at")
    list_filter = ("state", "site", "currency")
    list_select_related = ("vendor", "site", "deliver_to")
    search_fields = ("number", "vendor__name", "vendor_reference", "notes")
    date_hierarchy = "created_at"
    readonly_fields = all_fields(PurchaseOrder)
    inlines = (PurchaseOrderLineInline,)
    actions = [
        _service_action("submit", _("Submit"), lambda o, u: services.purchase_order_submit(order=o, user=u)),
        _service_action("approve", _("Approve"), lambda o, u: services.purchase_order_approve(order=o, user=u)),
        _service_action("place", _("Place with vendor"), lambda o, u: services.purchase_order_place(order=o, user=u)),
        _service_action("close", _("Close"), lambda o, u: services.purchase_order_close(order=o, user=u)),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Contract)
class ContractAdmin(ReadOnlyHistoryAdmin):
    list_display = ("number", "title", "kind", "vendor", "starts_on", "ends_on", "value", "currency")
    list_filter = ("kind", "currency", "ends_on")
    list_select_related = ("vendor",)
    search_fields = ("number", "title", "vendor__name", "terms")
    autocomplete_fields = ("vendor", "resources")
    date_hierarchy = "ends_on"
    readonly_fields = ("expiry_notified_for",)


@admin.register(CostEntry)
class CostEntryAdmin(ReadOnlyHistoryAdmin, SiteScopedAdmin):
    """External costs are added here; labour is posted when work closes. Recorded costs are not edited."""

    list_display = ("incurred_on", "reference", "kind", "description", "amount", "currency", "site", "vendor")
    list_filter = ("kind", "currency", "site")
    list_select_related = ("site", "vendor")
    search_fields = ("reference", "description", "vendor__name")
    autocomplete_fields = ("site", "vendor")
    date_hierarchy = "incurred_on"
    readonly_fields = ("kind", "recorded_by")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.readonly_fields
        return all_fields(CostEntry)

    def save_model(self, request: HttpRequest, obj: CostEntry, form: Any, change: bool) -> None:
        if not change:
            obj.kind = CostKind.EXTERNAL
            obj.recorded_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Budget)
class BudgetAdmin(ReadOnlyHistoryAdmin, SiteScopedAdmin):
    list_display = ("site", "year", "amount", "currency", "note")
    list_filter = ("year", "currency", "site")
    list_select_related = ("site",)
    search_fields = ("site__name", "site__code", "note")
    autocomplete_fields = ("site",)
