"""Spare parts, where they are kept, how they move, and how they are bought.

The stock ledger (``StockMovement``) is the truth: every receipt, issue, return, adjustment and transfer
is one row per location touched, with a signed quantity. ``StockBalance`` holds on hand and reserved per
part and location, kept in the same transaction as each movement under a row lock, so it always equals
the ledger's sum and can never go below zero (database constraints back the services).

Inventory knows nothing about work orders: reservations, issues and costs carry a free ``reference``
(the order's number); the order side calls these services (see ``orders.services``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from assets.models import Area, Resource
from core.history import FSMHistoryBase
from people.models import CURRENCY_VALIDATOR

NOT_NEGATIVE = [MinValueValidator(Decimal(0))]


class Part(models.Model):
    """A spare part or consumable: bearings, seals, filters, oil, fuses."""

    part_number = models.CharField(_("part number"), max_length=50, unique=True)
    description = models.CharField(_("description"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, default="pcs", help_text=_("e.g. pcs, l, kg, m"))
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    manufacturer_part_number = models.CharField(_("manufacturer part number"), max_length=100, blank=True)
    picture = models.ImageField(_("picture"), upload_to="parts/", blank=True)
    minimum_quantity = models.DecimalField(
        _("minimum quantity"), max_digits=12, decimal_places=3, default=Decimal(0), validators=NOT_NEGATIVE
    )
    reorder_point = models.DecimalField(
        _("reorder point"),
        max_digits=12,
        decimal_places=3,
        default=Decimal(0),
        validators=NOT_NEGATIVE,
        help_text=_("Order more when available stock falls below this."),
    )
    reorder_quantity = models.DecimalField(
        _("reorder quantity"), max_digits=12, decimal_places=3, default=Decimal(0), validators=NOT_NEGATIVE
    )
    unit_cost = models.DecimalField(
        _("unit cost"), max_digits=12, decimal_places=4, default=Decimal(0), validators=NOT_NEGATIVE
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["part_number"]
        constraints = [
            models.CheckConstraint(condition=Q(minimum_quantity__gte=0), name="part_minimum_not_negative"),
            models.CheckConstraint(
                condition=Q(reorder_point__gte=F("minimum_quantity")), name="part_reorder_point_above_minimum"
            ),
            models.CheckConstraint(condition=Q(reorder_quantity__gte=0), name="part_reorder_quantity_not_negative"),
            models.CheckConstraint(
                condition=Q(reorder_point=0) | Q(reorder_quantity__gt=0), name="part_reorder_quantity_with_point"
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="part_unit_cost_not_negative"),
            models.CheckConstraint(condition=~Q(unit=""), name="part_has_unit"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="part_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.part_number} {self.description}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if None not in (self.reorder_point, self.minimum_quantity) and self.reorder_point < self.minimum_quantity:
            errors["reorder_point"] = _("The reorder point cannot be below the minimum quantity.")
        if self.reorder_point and not self.reorder_quantity:
            errors["reorder_quantity"] = _("Give the quantity to order when stock reaches the reorder point.")
        if errors:
            raise ValidationError(errors)


class Vendor(models.Model):
    """A supplier of parts or services."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    tax_number = models.CharField(_("tax number"), max_length=50, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="vendor_currency_iso")]

    def __str__(self) -> str:
        return self.name


# Quantities: max_digits=12, decimal_places=3; money: 14, 2; unit costs: 12, 4 (written out on each field).


class SiteScopedQuerySet(models.QuerySet[Any]):
    def in_sites(self, site_ids: list[int] | None) -> Any:
        """Rows of these sites; ``None`` means every site (see ``core.scoping.visible_site_ids``)."""
        return self if site_ids is None else self.filter(site_id__in=list(site_ids))


def site_of(area: Area) -> Area:
    site = area.site if area.site_id else area
    assert site is not None
    return site


# --- Locations ---------------------------------------------------------------------------------
class LocationKind(models.TextChoices):
    STORE = "store", _("Store")
    BIN = "bin", _("Bin")


class StockLocationQuerySet(SiteScopedQuerySet):
    def stores(self) -> StockLocationQuerySet:
        return self.filter(kind=LocationKind.STORE)

    def active(self) -> StockLocationQuerySet:
        return self.filter(active=True)

    def for_work_at(self, site_id: int) -> StockLocationQuerySet:
        """Where parts for work at a site may be held: the site's active locations, by code."""
        return self.active().filter(site_id=site_id).order_by("code")


class StockLocation(models.Model):
    """A store room in an area, or a bin (shelf, rack) inside a store. Stock is kept per location."""

    kind = models.CharField(_("kind"), max_length=8, choices=LocationKind.choices, default=LocationKind.STORE)
    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(
        "self",
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bins",
        help_text=_("The store a bin belongs to."),
    )
    site = models.ForeignKey(
        Area, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+", editable=False, null=True
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    objects = StockLocationQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LocationKind.values), name="stocklocation_kind_valid"),
            models.CheckConstraint(
                condition=(Q(kind=LocationKind.STORE) & Q(store__isnull=True))
                | (Q(kind=LocationKind.BIN) & Q(store__isnull=False)),
                name="stocklocation_bin_in_store",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.kind == LocationKind.BIN:
            if self.store_id is None:
                errors["store"] = _("A bin belongs to a store.")
            elif self.store is not None and self.store.kind != LocationKind.STORE:
                errors["store"] = _("A bin belongs to a store, not to another bin.")
            elif self.store is not None and self.area_id and site_of(self.store.area).pk != site_of(self.area).pk:
                errors["store"] = _("A bin must be in the same site as its store.")
        elif self.store_id is not None:
            errors["store"] = _("Only bins belong to a store.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.site_id = site_of(self.area).pk
        super().save(*args, **kwargs)


# --- Balances and the ledger -------------------------------------------------------------------
class StockBalanceQuerySet(models.QuerySet["StockBalance"]):
    def in_sites(self, site_ids: list[int] | None) -> StockBalanceQuerySet:
        return self if site_ids is None else self.filter(location__site_id__in=list(site_ids))


class StockBalance(models.Model):
    """On hand and reserved of one part at one location, kept with every movement (never negative)."""

    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(
        StockLocation, verbose_name=_("location"), on_delete=models.PROTECT, related_name="balances"
    )
    on_hand = models.DecimalField(_("on hand"), max_digits=12, decimal_places=3, default=Decimal(0))
    reserved = models.DecimalField(_("reserved"), max_digits=12, decimal_places=3, default=Decimal(0))

    objects = StockBalanceQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        ordering = ["location__code", "part__part_number"]
        constraints = [
            models.UniqueConstraint(fields=["part", "location"], name="stockbalance_one_per_part_location"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stockbalance_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stockbalance_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stockbalance_reserved_on_hand"),
        ]

    def __str__(self) -> str:
        return f"{self.part.part_number} @ {self.location.code}: {self.on_hand} {self.part.unit}"

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue")
    RETURN = "return", _("Return")
    ADJUSTMENT = "adjustment", _("Adjustment")
    TRANSFER = "transfer", _("Transfer")
    DIRECT = "direct", _("Direct use (not stocked here)")


class StockMovementQuerySet(models.QuerySet["StockMovement"]):
    def in_sites(self, site_ids: list[int] | None) -> StockMovementQuerySet:
        return self if site_ids is None else self.filter(site_id__in=list(site_ids))

    def for_reference(self, reference: str) -> StockMovementQuerySet:
        return self.filter(reference=reference)


class StockMovement(models.Model):
    """One line of the stock ledger: a signed quantity of a part at a location (never edited).

    Receipts and returns add, issues take away, adjustments do either (with a reason), a transfer is
    two rows (out and in) pointing at each other. A *direct* use records a part consumed in a site that
    does not stock it: no location, no balance, but its cost counts like an issue.
    """

    kind = models.CharField(_("kind"), max_length=12, choices=MovementKind.choices)
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="movements")
    location = models.ForeignKey(
        StockLocation,
        verbose_name=_("location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
    )
    site = models.ForeignKey(Area, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, help_text=_("Positive in, negative out.")
    )
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=4, default=Decimal(0))
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    reference = models.CharField(
        _("reference"), max_length=50, blank=True, db_index=True, help_text=_("e.g. the work order number")
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    counterpart = models.OneToOneField(
        "self",
        verbose_name=_("other side of the transfer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reservation = models.ForeignKey(
        "Reservation",
        verbose_name=_("reservation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
    )
    purchase_order_line = models.ForeignKey(
        "PurchaseOrderLine",
        verbose_name=_("purchase order line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts",
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = StockMovementQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MovementKind.values), name="stockmovement_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind__in=[MovementKind.RECEIPT, MovementKind.RETURN], quantity__gt=0)
                | Q(kind__in=[MovementKind.ISSUE, MovementKind.DIRECT], quantity__lt=0)
                | (Q(kind__in=[MovementKind.ADJUSTMENT, MovementKind.TRANSFER]) & ~Q(quantity=0)),
                name="stockmovement_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind=MovementKind.DIRECT, location__isnull=True)
                | (~Q(kind=MovementKind.DIRECT) & Q(location__isnull=False)),
                name="stockmovement_location_unless_direct",
            ),
            models.CheckConstraint(
                condition=~Q(kind=MovementKind.ADJUSTMENT) | ~Q(reason=""), name="stockmovement_adjustment_reason"
            ),
            models.CheckConstraint(
                condition=~Q(kind=MovementKind.TRANSFER) | Q(counterpart__isnull=False) | Q(quantity__lt=0),
                name="stockmovement_transfer_pairs",
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="stockmovement_unit_cost_not_negative"),
        ]
        indexes = [models.Index(fields=["part", "location"], name="stockmovement_part_location")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} {self.part.part_number}"

    @property
    def value(self) -> Decimal:
        """Money moved: positive in, negative out (issues are negative)."""
        return self.quantity * self.unit_cost


# --- Reservations ------------------------------------------------------------------------------
class ReservationState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ReservationQuerySet(SiteScopedQuerySet):
    def open(self) -> ReservationQuerySet:
        return self.filter(state=ReservationState.OPEN)

    def short(self) -> ReservationQuerySet:
        """Open reservations that could not hold all they need: the shortages."""
        return self.open().filter(requested__gt=F("reserved") + F("issued"))


class Reservation(models.Model):
    """Parts held at a location for a piece of work (``reference``: the order number).

    ``requested`` is what the work needs, ``reserved`` what is held in stock now, ``issued`` what was
    taken. What is neither held nor issued is the *shortage*: shown to the storekeeper and turned into a
    purchase request. ``location`` is empty when no store of the site could hold any of it.
    """

    reference = models.CharField(_("reference"), max_length=50, db_index=True)
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="reservations")
    site = models.ForeignKey(Area, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        StockLocation,
        verbose_name=_("location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    requested = models.DecimalField(_("requested"), max_digits=12, decimal_places=3)
    reserved = models.DecimalField(_("reserved"), max_digits=12, decimal_places=3, default=Decimal(0))
    issued = models.DecimalField(_("issued"), max_digits=12, decimal_places=3, default=Decimal(0))
    state = models.CharField(_("state"), max_length=8, choices=ReservationState.choices, default=ReservationState.OPEN)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = ReservationQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "part"],
                condition=Q(state="open"),
                name="reservation_one_open_per_part",
                violation_error_message=_("This work already holds a reservation of this part."),
            ),
            models.CheckConstraint(condition=Q(requested__gt=0), name="reservation_requested_positive"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="reservation_reserved_not_negative"),
            models.CheckConstraint(condition=Q(issued__gte=0), name="reservation_issued_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved=0) | Q(location__isnull=False), name="reservation_held_somewhere"
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | (Q(reserved=0) & Q(closed_at__isnull=False)),
                name="reservation_closed_holds_nothing",
            ),
            models.CheckConstraint(condition=Q(state__in=ReservationState.values), name="reservation_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.requested} {self.part.unit} {self.part.part_number}"

    @property
    def shortage(self) -> Decimal:
        return max(self.requested - self.reserved - self.issued, Decimal(0))


# --- Purchasing --------------------------------------------------------------------------------
class PurchaseRequestReason(models.TextChoices):
    REORDER = "reorder", _("Below reorder point")
    SHORTAGE = "shortage", _("Shortage for work")
    MANUAL = "manual", _("Requested by a person")


class PurchaseRequestState(models.TextChoices):
    OPEN = "open", _("Open")
    ORDERED = "ordered", _("On a purchase order")
    CANCELLED = "cancelled", _("Cancelled")


class PurchaseRequestQuerySet(SiteScopedQuerySet):
    def open(self) -> PurchaseRequestQuerySet:
        return self.filter(state=PurchaseRequestState.OPEN)


class PurchaseRequest(models.Model):
    """A need to buy a part for a site; at most one open request per part and site (reorder is idempotent)."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="purchase_requests")
    site = models.ForeignKey(Area, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    reason = models.CharField(_("reason"), max_length=10, choices=PurchaseRequestReason.choices)
    reference = models.CharField(_("reference"), max_length=50, blank=True, help_text=_("e.g. the work order number"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=PurchaseRequestState.choices, default=PurchaseRequestState.OPEN
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords()

    objects = PurchaseRequestQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("purchase request")
        verbose_name_plural = _("purchase requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["part", "site"],
                condition=Q(state="open"),
                name="purchaserequest_one_open_per_part_site",
                violation_error_message=_("This part already has an open purchase request for this site."),
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purchaserequest_quantity_positive"),
            models.CheckConstraint(
                condition=Q(state__in=PurchaseRequestState.values), name="purchaserequest_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=PurchaseRequestReason.values), name="purchaserequest_reason_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.quantity} {self.part.unit} {self.part.part_number}"


class PurchaseOrderState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    ORDERED = "ordered", _("Ordered")
    PARTIALLY_RECEIVED = "partially_received", _("Partially received")
    RECEIVED = "received", _("Received")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class PurchaseOrderQuerySet(SiteScopedQuerySet):
    def awaiting_delivery(self) -> PurchaseOrderQuerySet:
        return self.filter(state__in=[PurchaseOrderState.ORDERED, PurchaseOrderState.PARTIALLY_RECEIVED])


class PurchaseOrder(ConcurrentTransitionMixin, models.Model):
    """An order to a vendor for parts delivered to a store, with its own approval and delivery states."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    vendor = models.ForeignKey(
        Vendor, verbose_name=_("vendor"), on_delete=models.PROTECT, related_name="purchase_orders"
    )
    site = models.ForeignKey(Area, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+", editable=False)
    deliver_to = models.ForeignKey(
        StockLocation, verbose_name=_("deliver to"), on_delete=models.PROTECT, related_name="purchase_orders"
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    state = FSMField(
        _("state"),
        max_length=20,
        choices=PurchaseOrderState.choices,
        default=PurchaseOrderState.DRAFT,
        protected=True,
    )
    vendor_reference = models.CharField(_("vendor's reference"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    ordered_at = models.DateTimeField(_("ordered at"), null=True, blank=True)
    received_at = models.DateTimeField(_("fully received at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    history = HistoricalRecords(bases=[FSMHistoryBase])

    objects = PurchaseOrderQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("approve_purchaseorder", _("Can approve purchase orders")),
            ("receive_purchaseorder", _("Can receive deliveries against purchase orders")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=PurchaseOrderState.values), name="purchaseorder_state_valid"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="purchaseorder_currency_iso"),
            models.CheckConstraint(
                condition=~Q(state=PurchaseOrderState.CANCELLED) | ~Q(cancel_reason=""),
                name="purchaseorder_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.vendor}"

    def clean_fields(self, exclude: Any = None) -> None:
        """The protected state is not a form field: only transitions set it (a check constraint backs it)."""
        super().clean_fields(exclude={*(exclude or ()), "state"})

    # --- Conditions (no side effects) ---------------------------------------------------------
    def has_lines(self: Any) -> bool:  # Any: django-fsm types conditions as Callable[[Model], bool]
        return self.pk is not None and self.lines.exists()

    def nothing_received(self: Any) -> bool:  # Any: django-fsm types conditions as Callable[[Model], bool]
        return self.pk is None or not self.lines.filter(received__gt=0).exists()

    def all_received(self: Any) -> bool:  # Any: django-fsm types conditions as Callable[[Model], bool]
        return self.pk is not None and not self.lines.filter(received__lt=F("quantity")).exists()

    def some_received(self: Any) -> bool:  # Any: django-fsm types conditions as Callable[[Model], bool]
        return not self.nothing_received()

    # --- Transitions --------------------------------------------------------------------------
    @transition(
        field=state,
        source=PurchaseOrderState.DRAFT,
        target=PurchaseOrderState.SUBMITTED,
        conditions=[has_lines],
        permission="inventory.change_purchaseorder",
    )
    def submit(self) -> None:
        """Ask for approval."""

    @transition(
        field=state,
        source=PurchaseOrderState.SUBMITTED,
        target=PurchaseOrderState.APPROVED,
        permission="inventory.approve_purchaseorder",
    )
    def approve(self) -> None:
        """An approver agrees to spend the money."""

    @transition(
        field=state,
        source=PurchaseOrderState.SUBMITTED,
        target=PurchaseOrderState.DRAFT,
        permission="inventory.approve_purchaseorder",
    )
    def send_back(self) -> None:
        """An approver returns it for changes."""

    @transition(
        field=state,
        source=PurchaseOrderState.APPROVED,
        target=PurchaseOrderState.ORDERED,
        permission="inventory.change_purchaseorder",
    )
    def place(self) -> None:
        """Sent to the vendor."""

    @transition(
        field=state,
        source=[PurchaseOrderState.ORDERED, PurchaseOrderState.PARTIALLY_RECEIVED],
        target=PurchaseOrderState.PARTIALLY_RECEIVED,
        conditions=[some_received],
        permission="inventory.receive_purchaseorder",
    )
    def receive_part(self) -> None:
        """Some of the lines arrived."""

    @transition(
        field=state,
        source=[PurchaseOrderState.ORDERED, PurchaseOrderState.PARTIALLY_RECEIVED],
        target=PurchaseOrderState.RECEIVED,
        conditions=[all_received],
        permission="inventory.receive_purchaseorder",
    )
    def receive_all(self) -> None:
        """Everything arrived."""

    @transition(
        field=state,
        source=[PurchaseOrderState.RECEIVED, PurchaseOrderState.PARTIALLY_RECEIVED],
        target=PurchaseOrderState.CLOSED,
        permission="inventory.change_purchaseorder",
    )
    def close(self) -> None:
        """Done with it (the rest of a partial delivery will not come)."""

    @transition(
        field=state,
        source=[
            PurchaseOrderState.DRAFT,
            PurchaseOrderState.SUBMITTED,
            PurchaseOrderState.APPROVED,
            PurchaseOrderState.ORDERED,
        ],
        target=PurchaseOrderState.CANCELLED,
        conditions=[nothing_received],
        permission="inventory.change_purchaseorder",
    )
    def cancel(self) -> None:
        """Will not be bought (only before anything was received)."""

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines.all()), Decimal(0))

    @property
    def is_editable(self) -> bool:
        return self.state == PurchaseOrderState.DRAFT


class PurchaseOrderLine(models.Model):
    """A part on a purchase order: how many, at what price (in the order's currency), and how many arrived."""

    order = models.ForeignKey(
        PurchaseOrder, verbose_name=_("purchase order"), on_delete=models.CASCADE, related_name="lines"
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=4)
    received = models.DecimalField(_("received"), max_digits=12, decimal_places=3, default=Decimal(0))
    purchase_request = models.OneToOneField(
        PurchaseRequest,
        verbose_name=_("purchase request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="line",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "part"], name="purchaseorderline_part_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purchaseorderline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="purchaseorderline_price_not_negative"),
            models.CheckConstraint(condition=Q(received__gte=0), name="purchaseorderline_received_not_negative"),
            models.CheckConstraint(
                condition=Q(received__lte=F("quantity")), name="purchaseorderline_received_at_most_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.part.unit} {self.part.part_number}"

    @property
    def total(self) -> Decimal:
        return self.quantity * self.unit_price

    @property
    def outstanding(self) -> Decimal:
        return self.quantity - self.received


# --- Contracts ---------------------------------------------------------------------------------
class ContractKind(models.TextChoices):
    SERVICE = "service", _("Service contract")
    WARRANTY = "warranty", _("Warranty")


class ContractQuerySet(models.QuerySet["Contract"]):
    def in_sites(self, site_ids: list[int] | None) -> ContractQuerySet:
        """Contracts covering a resource of these sites (or covering none: they concern everyone)."""
        if site_ids is None:
            return self
        return self.filter(Q(resources__area__site_id__in=list(site_ids)) | Q(resources__isnull=True)).distinct()

    def in_force_on(self, day: Any) -> ContractQuerySet:
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class Contract(models.Model):
    """A service or warranty contract with a vendor, covering resources, from a start to an end date."""

    kind = models.CharField(_("kind"), max_length=10, choices=ContractKind.choices)
    number = models.CharField(_("contract number"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    vendor = models.ForeignKey(Vendor, verbose_name=_("vendor"), on_delete=models.PROTECT, related_name="contracts")
    resources = models.ManyToManyField(Resource, verbose_name=_("resources covered"), blank=True, related_name="+")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    notice_days = models.PositiveSmallIntegerField(
        _("notify days before expiry"), default=30, help_text=_("Storekeepers and supervisors are told this early.")
    )
    value = models.DecimalField(
        _("value"), max_digits=14, decimal_places=2, default=Decimal(0), validators=NOT_NEGATIVE
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    terms = models.TextField(_("terms"), blank=True, help_text=_("What is covered: response times, parts, visits."))
    expiry_notified_for = models.DateField(
        _("expiry notice sent for"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The end date the expiry notice was sent for (a new end date is notified again)."),
    )
    history = HistoricalRecords()

    objects = ContractQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["ends_on", "number"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ContractKind.values), name="contract_kind_valid"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="contract_ends_after_start"),
            models.CheckConstraint(condition=Q(value__gte=0), name="contract_value_not_negative"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="contract_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A contract cannot end before it starts.")})


# --- Costs and budgets -------------------------------------------------------------------------
class CostKind(models.TextChoices):
    EXTERNAL = "external", _("External (contractor, service, rental)")
    LABOUR = "labour", _("Labour (posted when the work closes)")


class CostEntryQuerySet(SiteScopedQuerySet):
    pass


class CostEntry(models.Model):
    """Money spent on work besides parts from stock: external services, and labour posted at closing."""

    kind = models.CharField(_("kind"), max_length=10, choices=CostKind.choices, default=CostKind.EXTERNAL)
    site = models.ForeignKey(Area, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(
        _("reference"), max_length=50, db_index=True, help_text=_("e.g. the work order number")
    )
    vendor = models.ForeignKey(
        Vendor, verbose_name=_("vendor"), null=True, blank=True, on_delete=models.PROTECT, related_name="costs"
    )
    description = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=NOT_NEGATIVE)
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    incurred_on = models.DateField(_("incurred on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = CostEntryQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("cost entry")
        verbose_name_plural = _("cost entries")
        ordering = ["-incurred_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CostKind.values), name="costentry_kind_valid"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="costentry_amount_not_negative"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="costentry_currency_iso"),
            models.UniqueConstraint(
                fields=["reference", "currency"],
                condition=Q(kind="labour"),
                name="costentry_labour_posted_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount} {self.currency} {self.description}"


class Budget(models.Model):
    """The maintenance budget of a site for a calendar year, in one currency."""

    site = models.ForeignKey(Area, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=NOT_NEGATIVE)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    objects = SiteScopedQuerySet.as_manager()
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["-year", "site__name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "year", "currency"], name="budget_one_per_site_year_currency"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_amount_not_negative"),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="budget_year_sensible"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="budget_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.year}: {self.amount} {self.currency}"
