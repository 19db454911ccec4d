"""Stock KPIs: value on hand, stock-outs and parts below their reorder point, now, per site.

Stock is held in stores that serve a whole site, so these count whole sites: a scope's site narrowing
applies, its area, resource, type and criticality narrowing do not (a store's shelf is not any one
pump's). A part is counted once per site, all the site's locations together, as the nightly reorder run
(``inventory.services.reorder``) sees it; the definitions of "below reorder point" and "out of stock"
are the stock list's filters (``inventory.filters.below_reorder``/``stock_out``), so a number's
drill-down lists exactly the parts it counts (one row per location holding them).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from inventory.filters import below_reorder, stock_out
from inventory.models import StockBalance
from reports.kpis.common import KpiDefinition, Period, Scope

CENT = Decimal("0.01")

STOCK_KPIS: dict[str, KpiDefinition] = {
    definition.key: definition
    for definition in [
        KpiDefinition(
            "stock_value",
            _("Stock value on hand"),
            "money",
            _(
                "What is on hand in the sites' stores now, at each part's average unit cost, per currency "
                "(amounts in different currencies are never added)."
            ),
            tags=("stock",),
        ),
        KpiDefinition(
            "stock_outs",
            _("Stock-outs"),
            "count",
            _(
                "Parts kept at a site with nothing on hand there now, counted once per site: parts with a "
                "reorder point, and parts that open work has reserved but the store could not supply."
            ),
            better="lower",
            tags=("stock",),
        ),
        KpiDefinition(
            "below_reorder",
            _("Parts below reorder point"),
            "count",
            _(
                "Parts whose available stock at a site (on hand less reserved, all its stores together) is below "
                "the part's reorder point, counted once per site: what the nightly reorder run requests."
            ),
            better="lower",
            tags=("stock",),
        ),
    ]
}


def _balances(scope: Scope) -> QuerySet[StockBalance]:
    """The stock balances of the scope's sites (no query of its own)."""
    q = Q()
    if scope.site_ids is not None:
        q &= Q(location__site_id__in=list(scope.site_ids))
    if scope.site_id is not None:
        q &= Q(location__site_id=scope.site_id)
    return StockBalance.objects.filter(q).order_by()


def stock_kpis(scope: Scope) -> dict[str, Any]:
    """``stock_value`` (``{currency: Decimal}``), ``stock_value_by_site`` (``{site id: {currency:
    Decimal}}``), ``stock_outs`` and ``below_reorder`` (counts of parts per site). Three queries."""
    by_site: dict[int, dict[str, Decimal]] = {}
    totals: dict[str, Decimal] = {}
    rows = (
        _balances(scope)
        .filter(on_hand__gt=0)
        .values("location__site_id", "part__currency")
        .annotate(value=Sum(F("on_hand") * F("part__unit_cost")))
    )
    for row in rows:
        value = (row["value"] or Decimal(0)).quantize(CENT, ROUND_HALF_UP)
        currency = row["part__currency"]
        by_site.setdefault(row["location__site_id"], {})[currency] = value
        totals[currency] = totals.get(currency, Decimal(0)) + value
    return {
        "stock_value": dict(sorted(totals.items())),
        "stock_value_by_site": by_site,
        "stock_outs": stock_out(_balances(scope)).values("part_id", "location__site_id").distinct().count(),
        "below_reorder": below_reorder(_balances(scope)).values("part_id", "location__site_id").distinct().count(),
    }


def parts_below_reorder(scope: Scope) -> QuerySet[Any]:
    """The parts below their reorder point, one row (a dict) per part and site, by site and part number:
    ``part_id``, ``part__part_number``, ``part__description``, ``part__unit``, ``part__reorder_point``,
    ``location__site_id``, ``location__site__name``, ``site_on_hand``, ``site_available``."""
    return (
        below_reorder(_balances(scope))
        .values(
            "part_id",
            "part__part_number",
            "part__description",
            "part__unit",
            "part__reorder_point",
            "location__site_id",
            "location__site__name",
            "site_on_hand",
            "site_available",
        )
        .distinct()
        .order_by("location__site__name", "part__part_number")
    )


def drilldown(key: str, scope: Scope, period: Period | None = None) -> str:
    """The stock list behind a stock number (stock is now: ``period`` is not used)."""
    filters = {
        "stock_value": {"show": "in_stock"},
        "stock_outs": {"stock_out": "1"},
        "below_reorder": {"below_reorder": "1"},
    }
    if key not in filters:
        raise KeyError(key)
    params = {**({"site": str(scope.site_id)} if scope.site_id is not None else {}), **filters[key]}
    return f"{reverse('inventory:stock')}?{urlencode(params)}"
