"""Purchasing: purchase requests, purchase orders and their lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from assets.models import Area
from core.history import FSMHistoryBase
from inventory.models.catalogue import Part, Vendor
from inventory.models.common import SiteScopedQuerySet
from inventory.models.stock import StockLocation
from people.models import CURRENCY_VALIDATOR


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
