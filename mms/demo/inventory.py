"""The demo's inventory: vendors, parts, Riverside's main store with stock, parts at or below their
reorder point (so purchase requests exist) and a purchase order placed with a vendor, ready to receive;
the site's budget, and warranty and service contracts.

The store is made once through the services, as a storekeeper and a supervisor would; a store whose
code exists is left as it is, so a later run adds nothing. Times are the demo's story (before ``today``),
never the clock's: every time the services stamp inside a step is moved to the step's demo time.
"""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal
from typing import Any

from assets.models import Area
from core.models import DocumentSequence
from inventory import services
from inventory.models import (
    Budget,
    Contract,
    ContractKind,
    Part,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    StockBalance,
    StockLocation,
    StockMovement,
    Vendor,
)
from mms.demo.base import LoaderBase
from mms.demo.clock import pinned_clock
from mms.demo.constants import DEMO_CURRENCY, DEMO_TIME_ZONE, DEMO_TODAY, SITE_RIVERSIDE
from mms.demo.upsert import Outcome

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


def load_main_store(*, site: Area, storekeeper: Any, approver: Any, today: datetime.date, time_zone: str) -> None:
    """Riverside's main store, once (see the module's docstring)."""
    if StockLocation.objects.filter(code=DEMO_STORE_CODE).exists():
        return
    zone = zoneinfo.ZoneInfo(time_zone)

    def at(days_before: int, hour: int) -> datetime.datetime:
        return datetime.datetime.combine(today - datetime.timedelta(days=days_before), datetime.time(hour), zone)

    parts = Part.objects.in_bulk([number for number, _quantity in DEMO_STOCK], field_name="part_number")
    stocked = at(30, 10)
    with pinned_clock(stocked, app_label="inventory"):
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
    with pinned_clock(at(6, 9), app_label="inventory"):
        order = services.purchase_order_create(
            vendor=Vendor.objects.get(code=DEMO_PO_VENDOR),
            deliver_to=store,
            user=storekeeper,
            requests=[bearing_request],
            notes="Bearings for the raw-water pumps and spare fan belts for the generator.",
        )
        services.purchase_order_line_add(order=order, part=parts["VB-XPA-1250"], quantity=4, user=storekeeper)
        services.purchase_order_submit(order=order, user=storekeeper)
    with pinned_clock(at(5, 14), app_label="inventory"):
        services.purchase_order_approve(order=order, user=approver)
    with pinned_clock(at(4, 11), app_label="inventory"):
        services.purchase_order_place(order=order, user=storekeeper, vendor_reference=DEMO_VENDOR_REFERENCE)


class InventoryLoader(LoaderBase):
    """Loads vendors and parts, then the main store, the budget and the contracts."""

    def load_inventory(self) -> None:
        """The vendors and the parts catalogue."""
        vendors = [
            {
                "code": "V-LPE",
                "name": "Lakeside Pumps & Engineering Ltd",
                "contact_name": "Daniel Ouma",
                "email": "sales@lakeside-pumps.example",
                "phone": "+254 700 100 201",
                "address": "Obote Road, Industrial Area\nP.O. Box 3310-40100\nKisumu, Kenya",
                "website": "https://lakeside-pumps.example",
                "tax_number": "P051234567K",
                "currency": DEMO_CURRENCY,
                "notes": "Grundfos and KSB service partner; 24 h call-out for pumps.",
            },
            {
                "code": "V-NPS",
                "name": "Nyanza Power Systems",
                "contact_name": "Ruth Akinyi",
                "email": "service@nyanza-power.example",
                "phone": "+254 700 100 202",
                "address": "Kibos Road\nKisumu, Kenya",
                "website": "https://nyanza-power.example",
                "tax_number": "P051998877M",
                "currency": DEMO_CURRENCY,
                "notes": "Cummins generator service and Fleetguard filters.",
            },
            {
                "code": "V-MEA",
                "name": "MedEquip East Africa Ltd",
                "contact_name": "Dr. Alice Njeri",
                "email": "support@medequip-ea.example",
                "phone": "+254 700 100 203",
                "address": "Mombasa Road\nP.O. Box 48812-00100\nNairobi, Kenya",
                "website": "https://medequip-ea.example",
                "tax_number": "P052445566Q",
                "currency": "USD",
                "notes": "Tuttnauer and Philips Respironics distributor; parts imported, 3 to 6 weeks.",
            },
            {
                "code": "V-KIS",
                "name": "Kisumu Industrial Supplies",
                "contact_name": "Hassan Abdi",
                "email": "orders@kisumu-industrial.example",
                "phone": "+254 700 100 204",
                "address": "Oginga Odinga Street\nKisumu, Kenya",
                "website": "",
                "tax_number": "P051776655A",
                "currency": DEMO_CURRENCY,
                "notes": "Bearings, belts, oils, chlorination consumables.",
            },
        ]
        for vendor in vendors:
            values = dict(vendor)
            self.put(Vendor, {"code": values.pop("code")}, {**values, "active": True})

        # fmt: off
        parts = [
            # part number, description, unit, manufacturer, manufacturer part number,
            # minimum, reorder point, reorder quantity, unit cost, currency
            ("MS-NK150-48", "Mechanical seal 48 mm BAQE for NK 150-315", "pcs", "Grundfos", "96488304", "1", "2", "2", "38500.00", "KES"),
            ("BRG-6309-2Z", "Deep groove ball bearing 6309-2Z", "pcs", "SKF", "6309-2Z", "2", "4", "6", "4850.00", "KES"),
            ("BRG-6312-2Z", "Deep groove ball bearing 6312-2Z (motor drive end)", "pcs", "SKF", "6312-2Z", "1", "2", "4", "9600.00", "KES"),
            ("VB-XPA-1250", "V-belt XPA 1250 (generator radiator fan)", "pcs", "Gates", "XPA1250", "2", "2", "4", "1450.00", "KES"),
            ("FLT-OIL-LF3000", "Lube oil filter, Cummins 6BT", "pcs", "Fleetguard", "LF3000", "2", "3", "6", "2350.00", "KES"),
            ("FLT-FUEL-FS1280", "Fuel filter / water separator", "pcs", "Fleetguard", "FS1280", "2", "3", "6", "2900.00", "KES"),
            ("FLT-AIR-AF25139", "Air filter element, primary", "pcs", "Fleetguard", "AF25139M", "1", "2", "2", "6800.00", "KES"),
            ("OIL-15W40", "Engine oil SAE 15W-40, Premium Blue", "l", "Cummins", "CPB-15W40-20L", "20", "40", "100", "640.00", "KES"),
            ("GSK-3870-DOOR", "Door gasket for Tuttnauer 3870", "pcs", "Tuttnauer", "POL035-0024", "1", "1", "2", "96.00", "USD"),
            ("FLT-OC-INLET", "Air inlet filter, EverFlo", "pcs", "Philips Respironics", "1041209", "4", "6", "12", "7.50", "USD"),
            ("FLT-OC-CABINET", "Cabinet (gross particle) filter, EverFlo", "pcs", "Philips Respironics", "1039659", "2", "4", "8", "9.80", "USD"),
            ("KIT-GMXA-DIA", "Diaphragm spare parts kit, gamma/ X 1604 PVT", "set", "ProMinent", "1100249", "1", "1", "1", "185.00", "USD"),
            ("KIT-V10K-VR", "Vacuum regulator repair kit, V10K", "set", "Evoqua", "U26440", "1", "1", "1", "410.00", "USD"),
            ("GSK-CL2-LEAD", "Lead gasket for chlorine drum connection", "pcs", "Evoqua", "P17405", "10", "20", "50", "120.00", "KES"),
        ]
        # fmt: on
        for number, description, unit, maker, maker_number, minimum, point, quantity, cost, currency in parts:
            self.put(
                Part,
                {"part_number": number},
                {
                    "description": description,
                    "unit": unit,
                    "manufacturer": maker,
                    "manufacturer_part_number": maker_number,
                    "minimum_quantity": Decimal(minimum),
                    "reorder_point": Decimal(point),
                    "reorder_quantity": Decimal(quantity),
                    "unit_cost": Decimal(cost),
                    "currency": currency,
                    "active": True,
                },
            )

    def load_store(self) -> None:
        """Riverside's main store with stock, reorder points reached and a purchase order to receive (made
        once through the services, see ``load_main_store()``); the site's budget; warranty and service contracts."""
        riverside = self.areas[SITE_RIVERSIDE]
        before = store_rows()
        load_main_store(
            site=riverside,
            storekeeper=self.users["storekeeper"],
            approver=self.users["supervisor"],
            today=DEMO_TODAY,
            time_zone=DEMO_TIME_ZONE,
        )
        self.tally[Outcome.UNCHANGED] += before
        self.tally[Outcome.CREATED] += store_rows() - before
        self.put(
            Budget,
            {"site": riverside, "year": DEMO_TODAY.year, "currency": DEMO_CURRENCY},
            {"amount": Decimal("4500000.00"), "note": "Maintenance: parts, labour and contractors"},
        )
        contracts = [
            ("W-LPE-2024-118", ContractKind.WARRANTY, "Extended pump warranty", "V-LPE", "RIV-RWP-03",
             datetime.date(2024, 12, 15), DEMO_TODAY + datetime.timedelta(days=20), "0.00"),
            ("S-NPS-2026-07", ContractKind.SERVICE, "Generator service agreement", "V-NPS", "RIV-GEN-01",
             datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), "240000.00"),
        ]  # fmt: skip
        for number, kind, title, vendor, tag, starts_on, ends_on, value in contracts:
            contract, outcome = self.put(
                Contract,
                {"number": number},
                {
                    "kind": kind,
                    "title": title,
                    "vendor": Vendor.objects.get(code=vendor),
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "notice_days": 30,
                    "value": Decimal(value),
                    "currency": DEMO_CURRENCY,
                },
            )
            self.link(contract, outcome, "resources", [self.resources[tag]])
