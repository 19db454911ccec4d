"""Budgets against actual spending, warranty status, and contract expiry notices."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from assets.factories import AreaFactory, ResourceFactory, SiteFactory
from core.models import Notification
from core.roles import STOREKEEPER, SUPERVISOR
from inventory import services
from inventory.factories import BudgetFactory, ContractFactory, PartFactory, stock, store_in
from inventory.models import ContractKind
from people.factories import make_role_user

pytestmark = pytest.mark.django_db


def test_budget_totals_add_parts_labour_and_external_per_site_and_currency(site, store, storekeeper, supervisor):
    year = datetime.date.today().year
    BudgetFactory(site=site, year=year, currency="USD", amount=Decimal(1000))
    other_site = SiteFactory()
    BudgetFactory(site=other_site, year=year, currency="USD", amount=Decimal(50))
    part = PartFactory(unit_cost=Decimal(10), currency="USD")
    stock(part, store, 10)
    services.stock_issue(part=part, location=store, quantity=4, user=storekeeper, reference="WO-1")  # 40
    services.stock_return(part=part, location=store, quantity=1, user=storekeeper, reference="WO-1")  # -10
    services.cost_entry_add(
        site=site,
        reference="WO-1",
        description="Rewinding",
        amount="200",
        currency="USD",
        incurred_on=datetime.date(year, 3, 1),
        user=supervisor,
    )
    services.labour_cost_post(site=site, reference="WO-1", amounts={"USD": Decimal(75)}, on=datetime.date(year, 3, 2))
    services.labour_cost_post(site=site, reference="WO-1", amounts={"USD": Decimal(75)}, on=datetime.date(year, 3, 2))
    services.cost_entry_add(
        site=site,
        reference="WO-2",
        description="Last year",
        amount="999",
        currency="USD",
        incurred_on=datetime.date(year - 1, 12, 31),
        user=supervisor,
    )
    kes = PartFactory(unit_cost=Decimal(100), currency="KES")
    stock(kes, store, 1)
    services.stock_issue(part=kes, location=store, quantity=1, user=storekeeper, reference="WO-3")

    lines = services.budget_report(site_ids=[site.pk], year=year)
    by_currency = {line.currency: line for line in lines}
    usd = by_currency["USD"]
    assert (usd.spent.parts, usd.spent.labour, usd.spent.external) == (30, 75, 200)
    assert (usd.budget, usd.remaining, usd.percent_used) == (1000, 695, 31)
    assert (by_currency["KES"].budget, by_currency["KES"].spent.total) == (None, 100)
    everywhere = services.budget_report(site_ids=None, year=year)
    assert {(line.site, line.currency) for line in everywhere} == {(site, "USD"), (site, "KES"), (other_site, "USD")}


def test_warranty_status_from_contracts_and_the_resource():
    today = datetime.date(2026, 6, 1)
    pump = ResourceFactory(warranty_end=None)
    assert services.warranty_status(pump, today).state == "none"
    pump.warranty_end = datetime.date(2026, 6, 20)
    assert services.warranty_status(pump, today).state == "expiring"
    warranty = ContractFactory(kind=ContractKind.WARRANTY, ends_on=datetime.date(2027, 5, 31))
    warranty.resources.add(pump)
    service = ContractFactory(kind=ContractKind.SERVICE)
    service.resources.add(pump)
    status = services.warranty_status(pump, today)
    assert (status.state, status.ends_on, status.contract, status.days_left) == (
        "in_warranty",
        warranty.ends_on,
        warranty,
        364,
    )
    assert status.service_contracts == [service]
    assert services.warranty_status(pump, datetime.date(2027, 6, 1)).state == "expired"


def test_contract_expiry_is_notified_once_to_the_sites_people():
    site = SiteFactory()
    pump = ResourceFactory(area=AreaFactory(parent=site))
    storekeeper = make_role_user(STOREKEEPER, site=site)
    supervisor = make_role_user(SUPERVISOR, site=site)
    outsider = make_role_user(STOREKEEPER, site=SiteFactory())
    contract = ContractFactory(ends_on=datetime.date(2026, 7, 1), notice_days=30)
    contract.resources.add(pump)

    assert services.contracts_notify_expiring(datetime.date(2026, 5, 31)) == 0  # 31 days before
    assert services.contracts_notify_expiring(datetime.date(2026, 6, 1)) == 1
    assert services.contracts_notify_expiring(datetime.date(2026, 6, 2)) == 0
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert recipients == {storekeeper.pk, supervisor.pk}
    assert outsider.pk not in recipients
    assert contract.number in Notification.objects.first().title
    contract.ends_on = datetime.date(2027, 7, 1)  # renewed: notified again before the new end
    contract.save()
    assert services.contracts_notify_expiring(datetime.date(2027, 6, 10)) == 1


def test_the_nightly_tasks_run_the_services(site, store):
    from inventory import tasks

    part = PartFactory(reorder_point=Decimal(2), reorder_quantity=Decimal(5), minimum_quantity=Decimal(0))
    stock(part, store_in(site), 1)
    assert tasks.reorder_check() == 0  # the receipt already raised it
    assert tasks.contracts_notify_expiring() == 0
