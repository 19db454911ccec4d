"""Stores, stock and purchasing rows for tests; stock is put in through the real services."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any, cast

import factory

from assets.factories import AreaFactory
from assets.models import Area
from inventory import services
from inventory.models import (
    Budget,
    Contract,
    ContractKind,
    CostEntry,
    LocationKind,
    Part,
    PurchaseOrder,
    PurchaseRequest,
    Reservation,
    StockBalance,
    StockLocation,
    StockMovement,
    Vendor,
)

_rows = itertools.count(1)


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    part_number = factory.Sequence(lambda n: f"PN-{n:05d}")
    description = factory.Sequence(lambda n: f"Mechanical seal {n}")
    unit_cost = Decimal("35.00")


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    code = factory.Sequence(lambda n: f"V{n:03d}")
    name = factory.Sequence(lambda n: f"Vendor {n}")


class StockLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLocation

    kind = LocationKind.STORE
    code = factory.Sequence(lambda n: f"ST-{n:03d}")
    name = factory.Sequence(lambda n: f"Store {n}")
    area = factory.SubFactory(AreaFactory)


def bin_in(store: StockLocation, **fields: Any) -> StockLocation:
    return location(kind=LocationKind.BIN, store=store, area=store.area, **fields)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    kind = ContractKind.SERVICE
    number = factory.Sequence(lambda n: f"C-{n:04d}")
    title = factory.Sequence(lambda n: f"Pump service {n}")
    vendor = factory.SubFactory(VendorFactory)
    starts_on = datetime.date(2026, 1, 1)
    ends_on = datetime.date(2026, 12, 31)


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Budget

    site = factory.SubFactory("assets.factories.SiteFactory")
    year = 2026
    currency = "USD"
    amount = Decimal(10000)


def stock(part: Part, location: StockLocation, quantity: Any, unit_cost: Any = None) -> StockMovement:
    """Put ``quantity`` of ``part`` into ``location`` as the system would receive it."""
    return services.stock_receive(
        part=part, location=location, quantity=quantity, unit_cost=unit_cost, user=None, authorized=True
    )


def store_in(site: Area, **fields: Any) -> StockLocation:
    """A store in a building of ``site``."""
    return location(area=AreaFactory(parent=site), **fields)


def location(**fields: Any) -> StockLocation:
    return cast(StockLocation, StockLocationFactory(**fields))


def part(**fields: Any) -> Part:
    return cast(Part, PartFactory(**fields))


def vendor(**fields: Any) -> Vendor:
    return cast(Vendor, VendorFactory(**fields))


def site_of_location(where: StockLocation) -> Area:
    assert where.site is not None
    return where.site


# --- Rows made the way the services make them (the admin tests need one of each) ----------------
def balance_row() -> StockBalance:
    where = location()
    movement = stock(part(), where, 5)
    return StockBalance.objects.get(part=movement.part, location=where)


def movement_row() -> StockMovement:
    return stock(part(), location(), 3, unit_cost="12.50")


def reservation_row() -> Reservation:
    where, spare = location(), part()
    stock(spare, where, 4)
    reference = f"WO-T{next(_rows):05d}"
    return services.reservations_make(
        reference=reference, site=site_of_location(where), lines=[(spare, Decimal(2))], user=None, authorized=True
    )[0]


def purchase_request_row() -> PurchaseRequest:
    site = site_of_location(location())
    return services.purchase_request_create(part=part(), site=site, quantity=5, user=None)


def purchase_order_row(*, lines: int = 1, site: Area | None = None, user: Any = None) -> PurchaseOrder:
    """A draft purchase order to a new vendor, delivered to a store of ``site`` (a new one if not given)."""
    where = store_in(site) if site is not None else location()
    order = services.purchase_order_create(vendor=vendor(), deliver_to=where, user=user)
    for _index in range(lines):
        services.purchase_order_line_add(order=order, part=part(), quantity=10, unit_price="4.20", user=user)
    return order


def cost_entry_row() -> CostEntry:
    return services.cost_entry_add(
        site=site_of_location(location()),
        reference=f"WO-T{next(_rows):05d}",
        description="Crane hire",
        amount="350.00",
        currency="USD",
        incurred_on=datetime.date(2026, 3, 1),
        user=None,
    )
