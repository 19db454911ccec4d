"""Where parts are kept and how they move: locations, balances, the stock ledger, reservations.

The stock ledger (``StockMovement``) is the truth; ``StockBalance`` holds on hand and reserved per part
and location, kept equal to the ledger's sum by the services under a row lock.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assets.models import Area, site_of
from inventory.models.catalogue import Part
from inventory.models.common import SiteScopedQuerySet
from people.models import CURRENCY_VALIDATOR


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

    # What an electronic signature of a movement covers (``people.signatures``): large adjustments are signed.
    SIGNED_FIELDS = (
        "kind",
        "part",
        "location",
        "site",
        "quantity",
        "unit_cost",
        "currency",
        "reference",
        "reason",
        "occurred_at",
        "recorded_by",
    )

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
