"""Stock KPIs on a hand-made store: value on hand, stock-outs, parts below reorder point, and the stock
list filters their drill-downs open (which must list exactly the counted parts)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from assets.factories import AreaFactory, SiteFactory
from inventory import services
from inventory.factories import location, part, stock
from inventory.models import Part
from reports.kpis import stock as stock_kpis
from reports.kpis.common import Scope

D = Decimal


def take(spare: Part, where: Any, quantity: int) -> None:
    services.stock_issue(part=spare, location=where, quantity=quantity, user=None, reference="WO-9", authorized=True)


@pytest.fixture
def store(db: Any) -> dict[str, Any]:
    site_a, site_b = SiteFactory(), SiteFactory()
    s1, s2 = location(area=AreaFactory(parent=site_a)), location(area=AreaFactory(parent=site_a))
    sb = location(area=AreaFactory(parent=site_b))

    def spare(number: str, reorder_point: int = 0, **fields: Any) -> Part:
        return part(
            part_number=number, reorder_point=D(reorder_point), reorder_quantity=D(10 if reorder_point else 0), **fields
        )

    # P1: 4 + 3 on hand in site A's two stores = 7 < 10: below (one part, two rows). Value 7 x 35 = 245 USD.
    p1 = spare("P1", 10)
    stock(p1, s1, 4, unit_cost="35")
    stock(p1, s2, 3, unit_cost="35")
    # P2: 8 on hand (8 x 12.50 = 100 EUR), 4 reserved for work: available 4 < 5: below.
    p2 = spare("P2", 5, currency="EUR")
    stock(p2, s1, 8, unit_cost="12.50")
    services.reservations_make(reference="WO-1", site=site_a, lines=[(p2, D(4))], user=None, authorized=True)
    # P3: reorder point 2, all 3 issued: nothing on hand: a stock-out and below (0 < 2).
    p3 = spare("P3", 2)
    stock(p3, s1, 3, unit_cost="20")
    take(p3, s1, 3)
    # P4: no reorder point, all issued, nobody waits for it: neither.
    p4 = spare("P4")
    stock(p4, s1, 2, unit_cost="5")
    take(p4, s1, 2)
    # P5: no reorder point, all issued, and work reserved 2 the store could not supply: a stock-out.
    p5 = spare("P5")
    stock(p5, s1, 1, unit_cost="5")
    take(p5, s1, 1)
    services.reservations_make(reference="WO-2", site=site_a, lines=[(p5, D(2))], user=None, authorized=True)
    # P6 at site B: 1 < 4: below in site B only. P7: inactive, nothing on hand: never counted.
    p6 = spare("P6", 4)
    stock(p6, sb, 1, unit_cost="100")
    p7 = spare("P7", 3)
    stock(p7, s1, 1, unit_cost="5")
    take(p7, s1, 1)
    Part.objects.filter(pk=p7.pk).update(active=False)
    return {"site_a": site_a, "site_b": site_b, "parts": {p.part_number: p for p in [p1, p2, p3, p4, p5, p6, p7]}}


def test_stock_kpis_of_a_site(store: dict[str, Any], django_assert_num_queries: Any) -> None:
    site_a = store["site_a"]
    with django_assert_num_queries(3):
        kpis = stock_kpis.stock_kpis(Scope(site_id=site_a.pk))
    assert kpis["stock_value"] == {"EUR": D("100.00"), "USD": D("245.00")}
    assert kpis["stock_value_by_site"] == {site_a.pk: {"EUR": D("100.00"), "USD": D("245.00")}}
    assert kpis["stock_outs"] == 2  # P3, P5
    assert kpis["below_reorder"] == 3  # P1 (once, though in two stores), P2, P3


def test_organisation_and_visibility(store: dict[str, Any]) -> None:
    everything = stock_kpis.stock_kpis(Scope())
    assert everything["stock_value"] == {"EUR": D("100.00"), "USD": D("345.00")}  # + P6 1 x 100 at site B
    assert everything["below_reorder"] == 4
    only_b = stock_kpis.stock_kpis(Scope(site_ids=[store["site_b"].pk]))
    assert (only_b["below_reorder"], only_b["stock_outs"], only_b["stock_value"]) == (1, 0, {"USD": D("100.00")})
    # A user of site B asking for site A sees nothing.
    assert stock_kpis.stock_kpis(Scope(site_ids=[store["site_b"].pk], site_id=store["site_a"].pk))["stock_value"] == {}


def test_parts_below_reorder_one_row_per_part_and_site(store: dict[str, Any]) -> None:
    rows = list(stock_kpis.parts_below_reorder(Scope(site_id=store["site_a"].pk)))
    assert [(r["part__part_number"], r["site_on_hand"], r["site_available"]) for r in rows] == [
        ("P1", D(7), D(7)),
        ("P2", D(8), D(4)),
        ("P3", D(0), D(0)),
    ]


@pytest.mark.parametrize(
    ("key", "expected"),
    [("below_reorder", {"P1", "P2", "P3"}), ("stock_outs", {"P3", "P5"}), ("stock_value", {"P1", "P2"})],
)
def test_drilldown_lists_exactly_the_counted_parts(
    store: dict[str, Any], role_user: Any, client: Any, key: str, expected: set[str]
) -> None:
    site_a = store["site_a"]
    scope = Scope(site_id=site_a.pk)
    url = stock_kpis.drilldown(key, scope)
    assert url.startswith(reverse("inventory:stock"))
    assert f"site={site_a.pk}" in url
    client.force_login(role_user("Storekeeper", site=site_a))
    balances = list(client.get(url).context["balances"])
    assert {b.part.part_number for b in balances} == expected
    if key != "stock_value":
        assert len({(b.part_id, b.location.site_id) for b in balances}) == stock_kpis.stock_kpis(scope)[key]
    if key == "below_reorder":
        assert len(balances) == 4  # P1 is listed in both stores


def test_stock_list_filters_off_list_everything(store: dict[str, Any], role_user: Any, client: Any) -> None:
    client.force_login(role_user("Storekeeper", site=store["site_a"]))
    response = client.get(
        reverse("inventory:stock"), {"site": store["site_a"].pk, "below_reorder": "", "stock_out": ""}
    )
    assert len(list(response.context["balances"])) == 7  # every balance row of site A (P1 twice, P2..P5, P7)
    with pytest.raises(KeyError):
        stock_kpis.drilldown("mtbf", Scope())
