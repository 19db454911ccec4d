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

One module per topic: ``stock`` (movements), ``reservations``, ``reorder`` (the reorder check),
``purchasing``, ``contracts``, ``costs``, ``spares`` (spare parts lists); ``common`` holds the helpers
they share. Callers import the package (``from inventory import services``) and use the names
re-exported here.
"""

from __future__ import annotations

from inventory.services.common import (
    CONSUMING_KINDS,
    COST_QUANTUM,
    EXPIRING_WARRANTY_DAYS,
    MAX_QUANTITY,
    OPEN_PO_STATES,
    QUANTUM,
    STOCK_PERMISSION,
    ZERO,
    check_site,
    money_of,
    quantity_of,
    site_for,
)
from inventory.services.contracts import (
    WarrantyStatus,
    contract_recipients,
    contracts_notify_expiring,
    warranty_status,
)
from inventory.services.costs import (
    BudgetLine,
    CostBreakdown,
    budget_report,
    cost_entry_add,
    labour_cost_post,
    reference_costs,
)
from inventory.services.purchasing import (
    PURCHASE_ORDER_ACTIONS,
    TRANSITION_WORDS,
    may_transition,
    purchase_order_actions,
    purchase_order_approve,
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_create,
    purchase_order_line_add,
    purchase_order_line_remove,
    purchase_order_place,
    purchase_order_receive,
    purchase_order_send_back,
    purchase_order_submit,
    purchase_request_cancel,
    purchase_request_create,
)
from inventory.services.reorder import (
    StockPosition,
    reorder_candidates,
    reorder_check,
    reorder_check_all,
    stock_position,
)
from inventory.services.reservations import (
    default_location,
    reservation_move,
    reservations_free,
    reservations_make,
)
from inventory.services.spares import (
    SparePartLine,
    spare_part_add,
    spare_part_change,
    spare_part_remove,
    spare_parts_for,
)
from inventory.services.stock import (
    adjustment_needs_signature,
    adjustment_threshold,
    net_issued,
    stock_adjust,
    stock_direct_use,
    stock_issue,
    stock_receive,
    stock_return,
    stock_transfer,
)

__all__ = [
    "CONSUMING_KINDS",
    "COST_QUANTUM",
    "EXPIRING_WARRANTY_DAYS",
    "MAX_QUANTITY",
    "OPEN_PO_STATES",
    "PURCHASE_ORDER_ACTIONS",
    "QUANTUM",
    "STOCK_PERMISSION",
    "TRANSITION_WORDS",
    "ZERO",
    "BudgetLine",
    "CostBreakdown",
    "SparePartLine",
    "StockPosition",
    "WarrantyStatus",
    "adjustment_needs_signature",
    "adjustment_threshold",
    "budget_report",
    "check_site",
    "contract_recipients",
    "contracts_notify_expiring",
    "cost_entry_add",
    "default_location",
    "labour_cost_post",
    "may_transition",
    "money_of",
    "net_issued",
    "purchase_order_actions",
    "purchase_order_approve",
    "purchase_order_cancel",
    "purchase_order_close",
    "purchase_order_create",
    "purchase_order_line_add",
    "purchase_order_line_remove",
    "purchase_order_place",
    "purchase_order_receive",
    "purchase_order_send_back",
    "purchase_order_submit",
    "purchase_request_cancel",
    "purchase_request_create",
    "quantity_of",
    "reference_costs",
    "reorder_candidates",
    "reorder_check",
    "reorder_check_all",
    "reservation_move",
    "reservations_free",
    "reservations_make",
    "site_for",
    "spare_part_add",
    "spare_part_change",
    "spare_part_remove",
    "spare_parts_for",
    "stock_adjust",
    "stock_direct_use",
    "stock_issue",
    "stock_position",
    "stock_receive",
    "stock_return",
    "stock_transfer",
    "warranty_status",
]
