"""Stores, stock and purchasing rows for tests; stock is put in through the real services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory

from assets.models import Area
from inventory import services
from inventory.models import Budget, Contract, ContractKind, LocationKind, Part, StockLocation, StockMovement
from mms.testing import AreaFactory, VendorFactory


class StockLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLocation

    kind = LocationKind.STORE
    code = factory.Sequence(lambda n: f"ST-{n:03d}")
    name = factory.Sequence(lambda n: f"Store {n}")
    area = factory.SubFactory(AreaFactory)


def bin_in(store: StockLocation, **fields: Any) -> StockLocation:
    return StockLocationFactory(kind=LocationKind.BIN, store=store, area=store.area, **fields)


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

    site = factory.SubFactory("mms.testing.SiteFactory")
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
    return StockLocationFactory(area=AreaFactory(parent=site), **fields)
