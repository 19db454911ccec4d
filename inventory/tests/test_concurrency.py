"""Races on the last unit in stock (real transactions and row locks: PostgreSQL only)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.concurrency import run_together
from core.errors import ActionNotAllowed
from core.roles import ROLES, STOREKEEPER, SUPERVISOR, TECHNICIAN, sync_roles
from inventory import services
from inventory.factories import PartFactory, stock, store_in
from inventory.models import PurchaseRequest, StockBalance, StockMovement
from orders import records
from orders.factories import in_progress_order
from orders.models import UsedPart
from people.factories import make_role_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_with_roles(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "Row locks (SELECT ... FOR UPDATE) are what these races test; SQLite locks the whole database "
            "instead. Run with DATABASE_URL=postgres://... (CI does)."
        )
    if Group.objects.filter(name__in=ROLES).count() < len(ROLES):
        sync_roles(apps)


def test_two_technicians_issuing_the_last_unit():
    site = SiteFactory()
    store = store_in(site, code="MAIN")
    part = PartFactory(part_number="SEAL-LAST")
    stock(part, store, 1)
    supervisor = make_role_user(SUPERVISOR, site=site)
    first, second = (make_role_user(TECHNICIAN, site=site) for _ in range(2))
    orders = [
        in_progress_order(ResourceFactory(area=AreaFactory(parent=site)), supervisor, technician)
        for technician in (first, second)
    ]

    results = run_together(
        lambda: records.used_part_record(order=orders[0], part=part, quantity=1, user=first),
        lambda: records.used_part_record(order=orders[1], part=part, quantity=1, user=second),
    )

    used = [result for result in results if isinstance(result, UsedPart)]
    refused = [result for result in results if isinstance(result, ActionNotAllowed)]
    assert (len(used), len(refused)) == (1, 1), results
    assert "Only 0 pcs of SEAL-LAST are available at MAIN" in refused[0].message
    balance = StockBalance.objects.get(part=part, location=store)
    assert (balance.on_hand, balance.reserved) == (0, 0)
    assert StockMovement.objects.filter(part=part).count() == 2  # the receipt and one issue
    assert UsedPart.objects.count() == 1


def test_storekeepers_racing_issues_and_receipts_keep_the_ledger_and_one_request():
    site = SiteFactory()
    store = store_in(site)
    part = PartFactory(reorder_point=Decimal(5), reorder_quantity=Decimal(10), minimum_quantity=Decimal(0))
    stock(part, store, 8)
    keepers = [make_role_user(STOREKEEPER, site=site) for _ in range(4)]
    calls = [
        (lambda k=k: services.stock_issue(part=part, location=store, quantity=2, user=k, reference="WO-R"))
        for k in keepers[:3]
    ] + [lambda: services.stock_receive(part=part, location=store, quantity=1, unit_cost=3, user=keepers[3])]
    results = run_together(*calls)
    assert all(isinstance(result, StockMovement) for result in results), results
    balance = StockBalance.objects.get(part=part, location=store)
    assert balance.on_hand == 3 == sum(StockMovement.objects.filter(part=part).values_list("quantity", flat=True))
    assert PurchaseRequest.objects.open().filter(part=part).count() == 1
