"""Spare parts, where they are kept, how they move, and how they are bought.

The stock ledger (``StockMovement``) is the truth: every receipt, issue, return, adjustment and transfer
is one row per location touched, with a signed quantity. ``StockBalance`` holds on hand and reserved per
part and location, kept in the same transaction as each movement under a row lock, so it always equals
the ledger's sum and can never go below zero (database constraints back the services).

Inventory knows nothing about work orders: reservations, issues and costs carry a free ``reference``
(the order's number); the order side calls these services (see ``orders.services``).

One module per topic: ``catalogue`` (parts, vendors), ``stock`` (locations, balances, the ledger,
reservations), ``purchasing``, ``contracts``, ``costs`` (cost entries, budgets), ``spares`` (spare parts
lists of resources and types); ``common`` holds what they
share. Django finds the models through this package: every model is imported here.
"""

from __future__ import annotations

from inventory.models.catalogue import (
    Part,
    Vendor,
)
from inventory.models.common import (
    NOT_NEGATIVE,
    SiteScopedQuerySet,
)
from inventory.models.contracts import (
    Contract,
    ContractKind,
    ContractQuerySet,
)
from inventory.models.costs import (
    Budget,
    CostEntry,
    CostEntryQuerySet,
    CostKind,
)
from inventory.models.purchasing import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderQuerySet,
    PurchaseOrderState,
    PurchaseRequest,
    PurchaseRequestQuerySet,
    PurchaseRequestReason,
    PurchaseRequestState,
)
from inventory.models.spares import ONE_OWNER_MESSAGE, SparePart, SparePartQuerySet
from inventory.models.stock import (
    LocationKind,
    MovementKind,
    Reservation,
    ReservationQuerySet,
    ReservationState,
    StockBalance,
    StockBalanceQuerySet,
    StockLocation,
    StockLocationQuerySet,
    StockMovement,
    StockMovementQuerySet,
)

__all__ = [
    "NOT_NEGATIVE",
    "ONE_OWNER_MESSAGE",
    "Budget",
    "Contract",
    "ContractKind",
    "ContractQuerySet",
    "CostEntry",
    "CostEntryQuerySet",
    "CostKind",
    "LocationKind",
    "MovementKind",
    "Part",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderQuerySet",
    "PurchaseOrderState",
    "PurchaseRequest",
    "PurchaseRequestQuerySet",
    "PurchaseRequestReason",
    "PurchaseRequestState",
    "Reservation",
    "ReservationQuerySet",
    "ReservationState",
    "SiteScopedQuerySet",
    "SparePart",
    "SparePartQuerySet",
    "StockBalance",
    "StockBalanceQuerySet",
    "StockLocation",
    "StockLocationQuerySet",
    "StockMovement",
    "StockMovementQuerySet",
    "Vendor",
]
