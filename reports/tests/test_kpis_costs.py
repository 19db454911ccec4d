"""Cost KPIs on a hand-made history: two currencies, a contract half inside the period, budget proration.

Site A is in Nairobi (UTC+3): February 2026 there is [2026-01-31 21:00 UTC, 2026-02-28 21:00 UTC).
"""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Q
from django.urls import reverse

from assets.factories import AreaFactory, ResourceFactory, ResourceTypeFactory, SiteFactory
from assets.models import Criticality
from inventory.factories import BudgetFactory, ContractFactory, location, part
from inventory.models import CostEntry, CostKind, MovementKind, StockMovement
from orders.models import LabourEntry, OrderKind, WorkOrder
from people.factories import EmployeeFactory
from reports.kpis import costs
from reports.kpis.common import Period, Scope, period_containing

UTC = datetime.UTC
NAIROBI = zoneinfo.ZoneInfo("Africa/Nairobi")
FEBRUARY = period_containing("month", datetime.date(2026, 2, 1))
JANUARY = period_containing("month", datetime.date(2026, 1, 1))
D = Decimal


def at(*args: int, zone: Any = NAIROBI) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=zone)


def order_on(number: str, *, site: Any, resource: Any = None, area: Any = None) -> WorkOrder:
    return WorkOrder.objects.create(
        number=number, kind=OrderKind.CORRECTIVE, site=site, resource=resource, area=area, title=number
    )


def labour(order: WorkOrder, employee: Any, hours: str, cost: str, currency: str, when: datetime.datetime) -> None:
    LabourEntry.objects.create(
        order=order, employee=employee, hours=D(hours), cost=D(cost), currency=currency, recorded_at=when
    )


def movement(kind: str, quantity: str, unit_cost: str, currency: str, reference: str, when: Any, where: Any) -> Any:
    return StockMovement.objects.create(
        kind=kind,
        part=part(currency=currency),
        location=None if kind == MovementKind.DIRECT else where,
        site=where.site,
        quantity=D(quantity),
        unit_cost=D(unit_cost),
        currency=currency,
        reference=reference,
        occurred_at=when,
    )


@pytest.fixture
def history(db: Any) -> dict[str, Any]:
    site_a = SiteFactory(time_zone="Africa/Nairobi")
    site_b = SiteFactory(time_zone="Africa/Nairobi")
    building_a1, building_a2 = AreaFactory(parent=site_a), AreaFactory(parent=site_a)
    pump_type = ResourceTypeFactory()
    r1 = ResourceFactory(area=building_a1, resource_type=pump_type, tag="R1")
    r2 = ResourceFactory(area=building_a1, criticality=Criticality.HIGH, tag="R2")
    r3 = ResourceFactory(area=building_a2, tag="R3")
    rb = ResourceFactory(area=AreaFactory(parent=site_b), tag="RB")
    o1 = order_on("WO-1", site=site_a, resource=r1)
    o2 = order_on("WO-2", site=site_a, resource=r2)
    o3 = order_on("WO-3", site=site_a, area=building_a1)
    ob = order_on("WO-B", site=site_b, resource=rb)
    usd, eur = EmployeeFactory(currency="USD"), EmployeeFactory(currency="EUR")
    # Labour, February in Nairobi: USD 60 + 10 (00:30 on 1 Feb in Nairobi) + 20 (area order) = 90; EUR 50.
    labour(o1, usd, "3", "60.00", "USD", at(2026, 2, 10, 9))
    labour(o1, usd, "0.5", "10.00", "USD", at(2026, 1, 31, 21, 30, zone=UTC))
    labour(o1, usd, "1", "20.00", "USD", at(2026, 1, 31, 23, 30))  # January in Nairobi
    labour(o1, usd, "1", "20.00", "USD", at(2026, 2, 28, 22, 0, zone=UTC))  # 1 March in Nairobi
    labour(o2, eur, "2", "50.00", "EUR", at(2026, 2, 20, 14))
    labour(o3, usd, "1", "20.00", "USD", at(2026, 2, 5, 8))
    labour(ob, usd, "1", "5.00", "USD", at(2026, 2, 5, 8))  # site B
    store_a = location(area=building_a1)
    # Parts: WO-1 issues 2 x 35 = 70 and returns 1 x 35: 35 USD; WO-2 uses 3 x 10 EUR directly: 30 EUR;
    # an issue without an order, 1 x 40 USD (whole-site scopes only); a receipt and a March issue do not count.
    movement(MovementKind.ISSUE, "-2", "35", "USD", "WO-1", at(2026, 2, 11, 10), store_a)
    movement(MovementKind.RETURN, "1", "35", "USD", "WO-1", at(2026, 2, 12, 10), store_a)
    movement(MovementKind.DIRECT, "-3", "10", "EUR", "WO-2", at(2026, 2, 12, 11), store_a)
    movement(MovementKind.ISSUE, "-1", "40", "USD", "", at(2026, 2, 15, 10), store_a)
    movement(MovementKind.RECEIPT, "10", "35", "USD", "", at(2026, 2, 2, 10), store_a)
    movement(MovementKind.ISSUE, "-1", "100", "USD", "WO-1", at(2026, 3, 2, 10), store_a)
    # External: 200 USD on WO-2, 120 EUR on the site (no order); the labour posting of WO-1 is not read.
    for kind, reference, amount, currency, day in [
        (CostKind.EXTERNAL, "WO-2", "200.00", "USD", datetime.date(2026, 2, 3)),
        (CostKind.EXTERNAL, "ROOF-2026", "120.00", "EUR", datetime.date(2026, 2, 27)),
        (CostKind.EXTERNAL, "WO-2", "500.00", "USD", datetime.date(2026, 3, 1)),
        (CostKind.LABOUR, "WO-1", "999.00", "USD", datetime.date(2026, 2, 28)),
    ]:
        CostEntry.objects.create(
            kind=kind,
            site=site_a,
            reference=reference,
            description="x",
            amount=D(amount),
            currency=currency,
            incurred_on=day,
        )
    # Contracts: 600 EUR over 17 Jan - 15 Feb (30 days) covering R1 and R2: 15 days in February = 300,
    # 150 each; 365 USD over 2026 covering R3: 28 days = 28.00; 1000 USD over February covering RB (site B).
    ContractFactory(
        value=D("600.00"), currency="EUR", starts_on=datetime.date(2026, 1, 17), ends_on=datetime.date(2026, 2, 15)
    ).resources.set([r1, r2])
    ContractFactory(value=D("365.00"), currency="USD").resources.set([r3])
    ContractFactory(
        value=D("1000.00"), currency="USD", starts_on=datetime.date(2026, 2, 1), ends_on=datetime.date(2026, 2, 28)
    ).resources.set([rb])
    # Budgets: 36,500 USD and 7,300 EUR for 2026 at site A (100 and 20 a day); 2025 and site B do not count.
    BudgetFactory(site=site_a, year=2026, currency="USD", amount=D("36500.00"))
    BudgetFactory(site=site_a, year=2026, currency="EUR", amount=D("7300.00"))
    BudgetFactory(site=site_a, year=2025, currency="USD", amount=D("36500.00"))
    BudgetFactory(site=site_b, year=2026, currency="USD", amount=D("1.00"))
    return {
        "site_a": site_a,
        "site_b": site_b,
        "a1": building_a1,
        "r1": r1,
        "r2": r2,
        "r3": r3,
        "type": pump_type,
        "o1": o1,
        "store_a": store_a,
        "usd": usd,
    }


def test_site_costs_by_category_and_currency(history: dict[str, Any]) -> None:
    kpis = costs.cost_kpis(Scope(site_id=history["site_a"].pk), FEBRUARY)
    assert kpis["currencies"] == ["EUR", "USD"]
    assert kpis["cost_labour"] == {"EUR": D("50.00"), "USD": D("90.00")}
    assert kpis["cost_parts"] == {"EUR": D("30.00"), "USD": D("75.00")}  # 35 + 40
    assert kpis["cost_external"] == {"EUR": D("120.00"), "USD": D("200.00")}
    assert kpis["cost_contracts"] == {"EUR": D("300.00"), "USD": D("28.00")}
    # USD 90 + 75 + 200 + 28 = 393; EUR 50 + 30 + 120 + 300 = 500.
    assert kpis["cost_total"] == {"EUR": D("500.00"), "USD": D("393.00")}
    # February is 28 of 365 days: 36,500 x 28 / 365 = 2,800 USD; 7,300 x 28 / 365 = 560 EUR.
    assert kpis["budget"] == {"EUR": D("560.00"), "USD": D("2800.00")}
    # 393 / 2,800 = 14.04 %; 500 / 560 = 89.29 %.
    assert kpis["budget_used"] == {"EUR": D("89.3"), "USD": D("14.0")}


def test_budget_of_a_period_across_two_years_is_prorated_per_year(history: dict[str, Any]) -> None:
    # ISO week 1 of 2026: Mon 29 Dec 2025 - Sun 4 Jan 2026: 3 days of 2025 (100 a day) + 4 of 2026 (100 a day).
    week = period_containing("week", datetime.date(2026, 1, 1))
    assert (week.first_day, week.days) == (datetime.date(2025, 12, 29), 7)
    kpis = costs.cost_kpis(Scope(site_id=history["site_a"].pk), week)
    assert kpis["budget"] == {"EUR": D("80.00"), "USD": D("700.00")}  # EUR: 2026 only, 4 x 20
    # Only the contract on R3 runs that week: 4 days of 365 USD over 365 days = 4.00 USD.
    assert kpis["cost_total"] == {"EUR": D("0"), "USD": D("4.00")}


def test_organisation_scope_adds_site_b_and_never_mixes_currencies(history: dict[str, Any]) -> None:
    kpis = costs.cost_kpis(Scope(), FEBRUARY)
    assert kpis["cost_labour"]["USD"] == D("95.00")  # 90 + 5 at site B
    assert kpis["cost_contracts"] == {"EUR": D("300.00"), "USD": D("1028.00")}  # 28 + 1000
    assert kpis["budget"] == {"EUR": D("560.00"), "USD": D("2800.08")}  # + 1 x 28 / 365 = 0.08
    # A user seeing only site B sees only site B.
    only_b = costs.cost_kpis(Scope(site_ids=[history["site_b"].pk]), FEBRUARY)
    assert only_b["cost_total"] == {"USD": D("1005.00")}


@pytest.mark.parametrize(
    ("narrowing", "expected"),
    [
        # R1: labour 70 USD, parts 35 USD, half of the EUR contract's 300 = 150.
        ("resource", {"cost_labour": {"USD": D("70.00")}, "cost_parts": {"USD": D("35.00")}}),
        ("resource_type", {"cost_labour": {"USD": D("70.00")}, "cost_parts": {"USD": D("35.00")}}),
        # R2 (high): labour 50 EUR, parts 30 EUR, external 200 USD, contract 150 EUR.
        ("criticality", {"cost_labour": {"EUR": D("50.00")}, "cost_external": {"USD": D("200.00")}}),
        # Building A1 (R1, R2, the area order WO-3): labour 90 USD + 50 EUR; parts 35 USD + 30 EUR (the
        # issue without an order is out); external 200 USD (the site's 120 EUR is out); contracts 300 EUR.
        ("area", {"cost_labour": {"EUR": D("50.00"), "USD": D("90.00")}, "cost_external": {"USD": D("200.00")}}),
    ],
)
def test_narrowed_scope_counts_only_costs_of_orders_on_those_entities(
    history: dict[str, Any], narrowing: str, expected: dict[str, dict[str, Decimal]]
) -> None:
    site = history["site_a"].pk
    scope = {
        "resource": Scope(site_id=site, resource_id=history["r1"].pk),
        "resource_type": Scope(site_id=site, resource_type_id=history["type"].pk),
        "criticality": Scope(site_id=site, criticality=Criticality.HIGH),
        "area": Scope(site_id=site, area_path=history["a1"].path),
    }[narrowing]
    kpis = costs.cost_kpis(scope, FEBRUARY)
    for key, amounts in expected.items():
        assert {c: v for c, v in kpis[key].items() if v} == amounts
    contracts = {"resource": "150.00", "resource_type": "150.00", "criticality": "150.00", "area": "300.00"}
    assert {c: v for c, v in kpis["cost_contracts"].items() if v} == {"EUR": D(contracts[narrowing])}
    assert kpis["budget"] is None  # a site's budget is not split over its areas or resources
    assert kpis["budget_used"] is None


def test_cost_by_resource_and_top_resources(history: dict[str, Any]) -> None:
    rows = costs.cost_by_resource(Scope(site_id=history["site_a"].pk), FEBRUARY)
    table = {
        (row.tag, row.currency): (row.cost.labour, row.cost.parts, row.cost.external, row.cost.contracts)
        for row in rows
    }
    assert table == {
        ("R1", "EUR"): (D(0), D(0), D(0), D("150.00")),
        ("R1", "USD"): (D("70.00"), D("35.00"), D(0), D(0)),
        ("R2", "EUR"): (D("50.00"), D("30.00"), D(0), D("150.00")),
        ("R2", "USD"): (D(0), D(0), D("200.00"), D(0)),
        ("R3", "USD"): (D(0), D(0), D(0), D("28.00")),
    }
    top = costs.top_resources_by_cost(Scope(site_id=history["site_a"].pk), FEBRUARY, limit=2)
    # USD: R2 200, R1 105 (R3's 28 is third); EUR: R2 230, R1 150.
    assert {c: [(r.tag, r.total) for r in rs] for c, rs in top.items()} == {
        "EUR": [("R2", D("230.00")), ("R1", D("150.00"))],
        "USD": [("R2", D("200.00")), ("R1", D("105.00"))],
    }
    per_site = costs.cost_by_site(Scope(), FEBRUARY)
    assert per_site[history["site_a"].pk]["USD"].total == D("393.00")
    assert per_site[history["site_b"].pk]["USD"].total == D("1005.00")


def test_series_per_month_stacked_by_category(history: dict[str, Any]) -> None:
    charts = costs.cost_by_category_series(Scope(site_id=history["site_a"].pk), [JANUARY, FEBRUARY])
    assert sorted(charts) == ["EUR", "USD"]
    usd = {str(s.name): s.values for s in charts["USD"].series}
    # January: labour 20 (23:30 on 31 Jan in Nairobi), contract on R3 31 days = 31.00.
    assert usd == {
        "Labour": (20.0, 90.0),
        "Parts": (0.0, 75.0),
        "External": (0.0, 200.0),
        "Contracts": (31.0, 28.0),
    }
    # EUR contract in January: 15 days (17-31 Jan) of 600 / 30 = 300.
    assert {str(s.name): s.values for s in charts["EUR"].series}["Contracts"] == (300.0, 300.0)
    assert charts["USD"].categories == ("2026-01", "2026-02")
    assert charts["USD"].kind == "stacked_bar"
    # The budget line: February's share of the year's budgets (see above).
    assert (charts["USD"].reference, charts["EUR"].reference) == (2800.0, 560.0)
    assert str(charts["USD"].reference_label) == "Budget for 2026-02"
    narrowed = costs.cost_by_category_series(
        Scope(site_id=history["site_a"].pk, resource_id=history["r1"].pk), [FEBRUARY]
    )
    assert narrowed["USD"].reference is None


def test_query_count_does_not_grow_with_orders_or_periods(
    history: dict[str, Any], django_assert_num_queries: Any
) -> None:
    scope = Scope(site_id=history["site_a"].pk)
    # Zones, labour, parts, external, contracts (2), zones again and the budgets for the budget.
    with django_assert_num_queries(8):
        costs.cost_kpis(scope, FEBRUARY)
    for n in range(5):
        extra = order_on(f"WO-X{n}", site=history["site_a"], resource=history["r3"])
        labour(extra, history["usd"], "1", "1.00", "USD", at(2026, 2, 3, 9))
    with django_assert_num_queries(8):
        costs.cost_kpis(scope, FEBRUARY)
    # Zones, labour, parts, external, contracts (2), and the budget line (2): twelve months or one.
    months = [period_containing("month", datetime.date(2026, m, 1)) for m in range(1, 13)]
    with django_assert_num_queries(8):
        costs.cost_by_category_series(scope, months)
    # Plus the resources' names.
    with django_assert_num_queries(7):
        costs.cost_by_resource(Scope(site_id=history["site_a"].pk, area_path=history["a1"].path), FEBRUARY)


def test_parts_drilldown_lists_exactly_the_counted_movements(
    history: dict[str, Any], role_user: Any, client: Any
) -> None:
    site = history["site_a"]
    url = costs.drilldown("cost_parts", Scope(site_id=site.pk), FEBRUARY)
    assert url.startswith(reverse("inventory:movement_list"))
    client.force_login(role_user("Storekeeper", site=site))
    listed = list(client.get(url).context["movements"])
    counted = StockMovement.objects.filter(
        Q(site=site, kind__in=costs.CONSUMING_KINDS)
        & Q(occurred_at__gte=at(2026, 2, 1), occurred_at__lt=at(2026, 3, 1))
    )
    assert {m.pk for m in listed} == set(counted.values_list("pk", flat=True))
    assert len(listed) == 4  # the two WO-1 rows, the WO-2 direct use, the issue without an order
    # The rows listed add up to the number: 70 - 35 + 40 = 75 USD and 30 EUR.
    by_currency: dict[str, Decimal] = {}
    for m in listed:
        by_currency[m.currency] = by_currency.get(m.currency, D(0)) - m.quantity * m.unit_cost
    assert by_currency == {"USD": D("75"), "EUR": D("30")}


def test_other_drilldowns(history: dict[str, Any]) -> None:
    site = history["site_a"].pk
    assert (
        costs.drilldown("budget_used", Scope(site_id=site), FEBRUARY)
        == reverse("inventory:budget_report") + "?year=2026"
    )
    assert costs.drilldown("cost_contracts", Scope(site_id=site), FEBRUARY) == reverse("inventory:contract_list")
    narrowed = costs.drilldown("cost_parts", Scope(site_id=site, resource_id=history["r1"].pk), FEBRUARY)
    assert narrowed == (
        f"{reverse('orders:order_list')}?site={site}&resource={history['r1'].pk}"
        "&cost_after=2026-02-01&cost_before=2026-03-01&cost_kind=parts"
    )
    with pytest.raises(KeyError):
        costs.drilldown("mtbf", Scope(), FEBRUARY)
    assert all(definition.key == key for key, definition in costs.COST_KPIS.items())


def test_empty_scope_costs_nothing(db: Any) -> None:
    kpis = costs.cost_kpis(Scope(site_ids=[]), Period("month", datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)))
    assert kpis == {
        "currencies": [],
        "budget": {},
        "cost_total": {},
        "cost_labour": {},
        "cost_parts": {},
        "cost_external": {},
        "cost_contracts": {},
        "budget_used": {},
    }


def test_each_site_counts_its_own_local_month(history: dict[str, Any], django_assert_num_queries: Any) -> None:
    lima = SiteFactory(time_zone="America/Lima")  # UTC-5: February there is [1 Feb 05:00 UTC, 1 Mar 05:00 UTC)
    pump = ResourceFactory(area=AreaFactory(parent=lima))
    order = order_on("WO-L", site=lima, resource=pump)
    # 1 Feb 03:00 UTC is still 31 January in Lima (22:00) but 1 February 06:00 in Nairobi.
    labour(order, history["usd"], "1", "7.00", "USD", at(2026, 2, 1, 3, zone=UTC))
    # 1 Mar 03:00 UTC is 28 February 22:00 in Lima: February's.
    labour(order, history["usd"], "1", "11.00", "USD", at(2026, 3, 1, 3, zone=UTC))
    # Two time zones: labour and parts are asked once per zone, two queries more than for one zone.
    with django_assert_num_queries(10):
        kpis = costs.cost_kpis(Scope(), FEBRUARY)
    assert kpis["cost_labour"]["USD"] == D("106.00")  # 95 at the Nairobi sites + 11 at Lima
    lima_only = costs.cost_kpis(Scope(site_id=lima.pk), FEBRUARY)
    assert lima_only["cost_labour"] == {"USD": D("11.00")}


@pytest.mark.parametrize(
    ("key", "scope", "period", "expected"),
    [
        # Labour in February in Nairobi: WO-1 (10 Feb, 00:30 on 1 Feb), WO-2, WO-3; WO-B is site B's.
        ("cost_labour", {}, FEBRUARY, {"WO-1", "WO-2", "WO-3"}),
        # January: only WO-1's entry at 23:30 on 31 January in Nairobi.
        ("cost_labour", {}, JANUARY, {"WO-1"}),
        # External in February: WO-2's 200 USD (its March 500 and the roof, no order, are not listed).
        ("cost_external", {}, FEBRUARY, {"WO-2"}),
        ("cost_external", {}, JANUARY, set()),
        # Parts narrowed to R1: WO-1's issue and return in February.
        ("cost_parts", {"resource": "r1"}, FEBRUARY, {"WO-1"}),
        # The total: labour (WO-1, WO-2, WO-3), parts (WO-1, WO-2) and external (WO-2).
        ("cost_total", {}, FEBRUARY, {"WO-1", "WO-2", "WO-3"}),
        ("cost_total", {"resource": "r2"}, FEBRUARY, {"WO-2"}),
    ],
)
def test_cost_drilldowns_list_the_orders_the_money_was_booked_on(
    history: dict[str, Any],
    role_user: Any,
    client: Any,
    key: str,
    scope: dict[str, str],
    period: Period,
    expected: set[str],
) -> None:
    site = history["site_a"]
    narrowing = {"resource_id": history[scope["resource"]].pk} if "resource" in scope else {}
    url = costs.drilldown(key, Scope(site_id=site.pk, **narrowing), period)
    assert url.startswith(reverse("orders:order_list") + "?")
    client.force_login(role_user("Supervisor", site=site))
    response = client.get(url)
    assert response.status_code == 200
    assert {order.number for order in response.context["orders"]} == expected
