"""The demo store (called by the demo loader): Riverside's main store with stock, parts at or below their
reorder point (so purchase requests exist) and a purchase order placed with a vendor, ready to receive.

Made once through the services, as a storekeeper and a supervisor would; a store whose code exists is
left as it is, so a later run adds nothing. Times are the demo's story (before ``today``), never the
clock's: every time the services stamp inside a step is moved to the step's demo time.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone

from assets.models import Area
from inventory import services
from inventory.models import (
    DocumentSequence,
    Part,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    StockBalance,
    StockLocation,
    StockMovement,
    Vendor,
)

DEMO_STORE_CODE = "RIV-MAIN"
DEMO_PO_VENDOR = "V-KIS"
DEMO_VENDOR_REFERENCE = "KIS-SO-4471"
# part number -> quantity on hand at the main store (costs: the parts' own, so averages do not move).
DEMO_STOCK = [
    ("MS-NK150-48", "2"),
    ("BRG-6309-2Z", "3"),  # below its reorder point of 4: a purchase request, put on the order below
    ("BRG-6312-2Z", "2"),
    ("VB-XPA-1250", "4"),
    ("FLT-OIL-LF3000", "2"),  # below its reorder point of 3: a purchase request waiting to be ordered
    ("FLT-FUEL-FS1280", "6"),
    ("FLT-AIR-AF25139", "2"),
    ("OIL-15W40", "120"),
    ("GSK-CL2-LEAD", "35"),
]
STORE_MODELS = (
    StockLocation,
    StockBalance,
    StockMovement,
    PurchaseRequest,
    PurchaseOrder,
    PurchaseOrderLine,
    DocumentSequence,
)


def store_rows() -> int:
    """How many rows the demo store has made (locations, balances, ledger, requests, orders, numbers)."""
    return sum(model._default_manager.count() for model in STORE_MODELS)


@contextmanager
def pinned_clock(when: datetime.datetime) -> Iterator[None]:
    """Move every time the inventory services stamp inside the block (history rows included) to ``when``."""
    start = timezone.now()
    yield
    end = timezone.now()
    for model in apps.get_app_config("inventory").get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.DateTimeField):
                name = model_field.attname
                model._base_manager.filter(**{f"{name}__range": (start, end)}).update(**{name: when})


def load_store(*, site: Area, storekeeper: Any, approver: Any, today: datetime.date, time_zone: str) -> None:
    """Riverside's main store, once (see the module's docstring)."""
    if StockLocation.objects.filter(code=DEMO_STORE_CODE).exists():
        return
    zone = zoneinfo.ZoneInfo(time_zone)

    def at(days_before: int, hour: int) -> datetime.datetime:
        return datetime.datetime.combine(today - datetime.timedelta(days=days_before), datetime.time(hour), zone)

    parts = Part.objects.in_bulk([number for number, _quantity in DEMO_STOCK], field_name="part_number")
    stocked = at(30, 10)
    with pinned_clock(stocked):
        store = StockLocation(code=DEMO_STORE_CODE, name="Riverside main store", area=site)
        store.full_clean()
        store.save()
        for number, quantity in DEMO_STOCK:
            services.stock_receive(
                part=parts[number],
                location=store,
                quantity=Decimal(quantity),
                user=storekeeper,
                reference="Opening stock count",
                occurred_at=stocked,
            )
    bearing_request = PurchaseRequest.objects.open().get(part=parts["BRG-6309-2Z"], site=site)
    with pinned_clock(at(6, 9)):
        order = services.purchase_order_create(
            vendor=Vendor.objects.get(code=DEMO_PO_VENDOR),
            deliver_to=store,
            user=storekeeper,
            requests=[bearing_request],
            notes="Bearings for the raw-water pumps and spare fan belts for the generator.",
        )
        services.purchase_order_line_add(order=order, part=parts["VB-XPA-1250"], quantity=4, user=storekeeper)
        services.purchase_order_submit(order=order, user=storekeeper)
    with pinned_clock(at(5, 14)):
        services.purchase_order_approve(order=order, user=approver)
    with pinned_clock(at(4, 11)):
        services.purchase_order_place(order=order, user=storekeeper, vendor_reference=DEMO_VENDOR_REFERENCE)
