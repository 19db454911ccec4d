"""Maintenance cost per site and resource over a period, by category, against the sites' budgets.

Where each category's money comes from (and why, so nothing is counted twice):

- **labour**: the work orders' labour entries (``LabourEntry.cost`` at the rate of the day), dated by when
  they were recorded (``recorded_at``; a clock entry: when the clock started). The labour ``CostEntry``
  rows that closing posts are the same money summed per order and dated at closing: they are **not**
  read here (the inventory budget report reads them instead, so it shows labour only once orders close).
- **parts**: the stock ledger's consuming movements (issues and direct uses, less returns, at their
  cost), dated by ``occurred_at``, as the inventory budget report counts them.
- **external**: ``CostEntry`` rows of kind *external*, dated by ``incurred_on``.
- **contracts**: each service or warranty contract's value spread evenly over its days (start and end
  day included) and evenly over the resources it covers; the period gets the days it overlaps. A
  contract covering no resource is not allocated to any site and is left out.

Parts and external costs name their work by ``reference`` (the work order number). Narrowing the scope
to an area, a resource, a type or a criticality keeps only the costs of orders on those entities (found
by a sub-select on the order number, so the query count stays constant); costs with no order behind
them (a reference that is no order, or none) count only in a scope of whole sites. The budget
(``Budget``, per site, year and currency) is prorated to the period by days (a year's budget times
the period's days in that year over the year's days) and compared only in a scope of whole sites.

Money is kept per currency and never added across currencies. Periods are local to each site: the
queries run once per distinct time zone of the scope's sites.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.models import Resource
from core.charts import Chart, Series
from inventory.models import Budget, Contract, CostEntry, CostKind, StockMovement
from inventory.services.common import CONSUMING_KINDS
from orders.models import LabourEntry, WorkOrder
from reports.kpis.common import KpiDefinition, Period, Scope

ZERO = Decimal(0)
CENT = Decimal("0.01")
CATEGORIES = ("labour", "parts", "external", "contracts")
CATEGORY_LABELS: dict[str, Any] = {
    "labour": _("Labour"),
    "parts": _("Parts"),
    "external": _("External"),
    "contracts": _("Contracts"),
}

COST_KPIS: dict[str, KpiDefinition] = {
    definition.key: definition
    for definition in [
        KpiDefinition(
            "cost_total",
            _("Maintenance cost"),
            "money",
            _(
                "Labour, parts, external services and contracts in the period, per currency (amounts in "
                "different currencies are never added)."
            ),
            better="lower",
            tags=("cost",),
        ),
        KpiDefinition(
            "cost_labour",
            _("Labour cost"),
            "money",
            _("Hours recorded on work orders in the period, at each employee's rate on the day they were recorded."),
            better="lower",
            tags=("cost",),
        ),
        KpiDefinition(
            "cost_parts",
            _("Parts cost"),
            "money",
            _(
                "Parts issued from stock or used directly for work in the period, less parts returned, at their "
                "cost in the stock ledger."
            ),
            better="lower",
            tags=("cost",),
        ),
        KpiDefinition(
            "cost_external",
            _("External cost"),
            "money",
            _("Contractors, services and rentals recorded as costs incurred in the period."),
            better="lower",
            tags=("cost",),
        ),
        KpiDefinition(
            "cost_contracts",
            _("Contract cost"),
            "money",
            _(
                "Each service or warranty contract's value spread evenly over its days and over the resources "
                "it covers; the period's share is its days inside the period."
            ),
            better="lower",
            tags=("cost",),
        ),
        KpiDefinition(
            "budget",
            _("Budget for the period"),
            "money",
            _(
                "The sites' yearly maintenance budgets prorated to the period by days (a year's budget times the "
                "period's days in that year over the days of the year). Shown for whole sites only."
            ),
            tags=("cost",),
        ),
        KpiDefinition(
            "budget_used",
            _("Budget used"),
            "%",
            _("Maintenance cost in the period as a share of the budget for the period, per currency."),
            better="lower",
            tags=("cost",),
        ),
    ]
}


@dataclass
class CostLine:
    """Money of one currency by category (of a site, a resource, a period or all of the scope)."""

    currency: str
    labour: Decimal = ZERO
    parts: Decimal = ZERO
    external: Decimal = ZERO
    contracts: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.labour + self.parts + self.external + self.contracts

    def add(self, category: str, amount: Decimal) -> None:
        setattr(self, category, getattr(self, category) + amount)


@dataclass
class ResourceCost:
    """A resource's cost in one currency over a period (a row of the cost-by-resource table)."""

    resource_id: int
    tag: str
    name: str
    site_id: int | None
    cost: CostLine = field(default_factory=lambda: CostLine(""))

    @property
    def currency(self) -> str:
        return self.cost.currency

    @property
    def total(self) -> Decimal:
        return self.cost.total


# (bucket: index of the period, group: site or resource id or None, currency) -> money by category
Gathered = dict[tuple[int, int | None, str], CostLine]


def _bucket(field_name: str, periods: list[Period], zone: zoneinfo.ZoneInfo | None) -> Case:
    """The index of the period a row falls in (``zone=None``: a date field, compared with local days)."""
    whens = []
    for index, period in enumerate(periods):
        low, high = (period.first_day, period.end_day) if zone is None else period.bounds(zone)
        whens.append(When(Q(**{f"{field_name}__gte": low, f"{field_name}__lt": high}), then=Value(index)))
    return Case(*whens, default=None, output_field=IntegerField())


def _scope_orders(scope: Scope, site_ids: list[int]) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.filter(Q(site_id__in=site_ids) & scope.entity_q()).order_by()


def _narrowed(scope: Scope) -> bool:
    """True when only costs of orders on some entities count (not whole sites)."""
    return bool(scope.area_path) or scope.narrows_to_resources


def _money(value: Decimal | None) -> Decimal:
    return (value or ZERO).quantize(CENT, ROUND_HALF_UP)


def _gather(scope: Scope, periods: list[Period], group: str | None) -> Gathered:
    """Every category's money per period, group (``"site"``, ``"resource"`` or ``None``) and currency.

    Queries: one for the sites' time zones, two per time zone (labour, parts), one for external costs,
    at most two for contracts: never more with more orders, sites or periods."""
    gathered: Gathered = {}

    def add(bucket: int, key: int | None, currency: str, category: str, amount: Decimal) -> None:
        line = gathered.setdefault((bucket, key, currency), CostLine(currency))
        line.add(category, amount)

    zones = list(scope.zone_groups())
    all_site_ids = [site_id for _zone, site_ids in zones for site_id in site_ids]
    if not all_site_ids or not periods:
        return gathered
    narrowed = _narrowed(scope)
    order_resource = Subquery(WorkOrder.objects.filter(number=OuterRef("reference")).values("resource_id")[:1])
    for zone, site_ids in zones:
        start, end = periods[0].bounds(zone)[0], periods[-1].bounds(zone)[1]
        labour = (
            LabourEntry.objects.filter(
                Q(order__site_id__in=site_ids, recorded_at__gte=start, recorded_at__lt=end) & scope.entity_q("order__")
            )
            .annotate(bucket=_bucket("recorded_at", periods, zone))
            .filter(bucket__isnull=False)
        )
        labour_key = {"site": "order__site_id", "resource": "order__resource_id"}.get(group or "")
        for row in labour.values("bucket", "currency", *([labour_key] if labour_key else [])).annotate(
            money=Sum("cost")
        ):
            add(row["bucket"], row.get(labour_key) if labour_key else None, row["currency"], "labour", row["money"])
        movements = StockMovement.objects.filter(
            site_id__in=site_ids, kind__in=CONSUMING_KINDS, occurred_at__gte=start, occurred_at__lt=end
        )
        if narrowed:
            movements = movements.filter(reference__in=_scope_orders(scope, site_ids).values("number"))
        movements = movements.annotate(bucket=_bucket("occurred_at", periods, zone)).filter(bucket__isnull=False)
        if group == "resource":
            movements = movements.annotate(group_key=order_resource)
        elif group == "site":
            movements = movements.annotate(group_key=F("site_id"))
        for row in (
            movements.order_by()
            .values("bucket", "currency", *(["group_key"] if group else []))
            .annotate(money=Sum(F("quantity") * F("unit_cost")))
        ):
            add(row["bucket"], row.get("group_key"), row["currency"], "parts", _money(-(row["money"] or ZERO)))
    entries = CostEntry.objects.filter(
        kind=CostKind.EXTERNAL,
        site_id__in=all_site_ids,
        incurred_on__gte=periods[0].first_day,
        incurred_on__lt=periods[-1].end_day,
    )
    if narrowed:
        entries = entries.filter(reference__in=_scope_orders(scope, all_site_ids).values("number"))
    entries = entries.annotate(bucket=_bucket("incurred_on", periods, None)).filter(bucket__isnull=False)
    if group == "resource":
        entries = entries.annotate(group_key=order_resource)
    elif group == "site":
        entries = entries.annotate(group_key=F("site_id"))
    for row in (
        entries.order_by().values("bucket", "currency", *(["group_key"] if group else [])).annotate(money=Sum("amount"))
    ):
        add(row["bucket"], row.get("group_key"), row["currency"], "external", row["money"])
    for bucket, key, currency, amount in _contract_shares(scope, periods, all_site_ids, group):
        add(bucket, key, currency, "contracts", amount)
    return gathered


def _resource_q(scope: Scope, site_ids: list[int]) -> Q:
    """The scope's narrowing as a Q on a row with a ``resource`` link (a contract's covered resources)."""
    q = Q(resource__area__site_id__in=site_ids)
    if scope.area_path:
        q &= Q(resource__area__path__startswith=scope.area_path)
    if scope.resource_id is not None:
        q &= Q(resource_id=scope.resource_id)
    if scope.resource_type_id is not None:
        q &= Q(resource__resource_type_id=scope.resource_type_id)
    if scope.criticality is not None:
        q &= Q(resource__criticality=scope.criticality)
    return q


def _overlap_days(first: datetime.date, last: datetime.date, period: Period) -> int:
    """Days of ``first..last`` (both included) inside the period."""
    start = max(first, period.first_day)
    end = min(last + datetime.timedelta(days=1), period.end_day)
    return max((end - start).days, 0)


def _contract_shares(
    scope: Scope, periods: list[Period], site_ids: list[int], group: str | None
) -> list[tuple[int, int | None, str, Decimal]]:
    """(period index, group key, currency, money) of the contracts' shares for covered resources in scope.

    Two queries (the covered resources in scope, the contracts with how many resources each covers);
    contracts are few, so the arithmetic is a loop over contracts and the resources they cover."""
    covered = Contract.resources.through.objects.filter(
        _resource_q(scope, site_ids),
        contract__starts_on__lt=periods[-1].end_day,
        contract__ends_on__gte=periods[0].first_day,
    ).values_list("contract_id", "resource_id", "resource__area__site_id")
    in_scope: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for contract_id, resource_id, site_id in covered:
        in_scope[contract_id].append((resource_id, site_id))
    if not in_scope:
        return []
    contracts = (
        Contract.objects.filter(pk__in=list(in_scope))
        .annotate(covering=Count("resources"))
        .order_by()
        .values_list("pk", "starts_on", "ends_on", "value", "currency", "covering")
    )
    shares = []
    for contract_id, starts_on, ends_on, value, currency, covering in contracts:
        days = (ends_on - starts_on).days + 1
        for index, period in enumerate(periods):
            overlap = _overlap_days(starts_on, ends_on, period)
            if not overlap:
                continue
            share = _money(value * overlap / days / covering)
            for resource_id, site_id in in_scope[contract_id]:
                key = {"site": site_id, "resource": resource_id}.get(group or "")
                shares.append((index, key, currency, share))
    return shares


def _budget(scope: Scope, period: Period) -> dict[str, Decimal] | None:
    """The sites' budgets prorated to the period, per currency (one query); ``None`` when the scope is
    narrower than whole sites (a site's budget is not split over its areas or resources)."""
    if _narrowed(scope):
        return None
    site_ids = [site_id for _zone, ids in scope.zone_groups() for site_id in ids]
    years = range(period.first_day.year, (period.end_day - datetime.timedelta(days=1)).year + 1)
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for budget in Budget.objects.filter(site_id__in=site_ids, year__in=list(years)).only("year", "currency", "amount"):
        first, last = datetime.date(budget.year, 1, 1), datetime.date(budget.year, 12, 31)
        days_in_year = (last - first).days + 1
        totals[budget.currency] += budget.amount * _overlap_days(first, last, period) / days_in_year
    return {currency: _money(amount) for currency, amount in sorted(totals.items())}


def _percent(part: Decimal, whole: Decimal | None) -> Decimal | None:
    if not whole:
        return None
    return (part / whole * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def cost_kpis(scope: Scope, period: Period) -> dict[str, Any]:
    """The cost tiles: ``cost_total``, ``cost_labour``, ``cost_parts``, ``cost_external``,
    ``cost_contracts`` (each ``{currency: Decimal}``), ``budget`` (``{currency: Decimal}``, prorated;
    ``None`` for a scope narrower than sites) and ``budget_used`` (``{currency: percent or None}``), and
    ``currencies`` (sorted). Constant query count (see ``_gather``, plus two for the budget)."""
    lines: dict[str, CostLine] = {}
    for (_bucket_index, _key, currency), line in _gather(scope, [period], None).items():
        total = lines.setdefault(currency, CostLine(currency))
        for category in CATEGORIES:
            total.add(category, getattr(line, category))
    budget = _budget(scope, period)
    currencies = sorted(set(lines) | set(budget or {}))
    result: dict[str, Any] = {"currencies": currencies, "budget": budget}
    result["cost_total"] = {c: lines[c].total if c in lines else ZERO for c in currencies}
    for category in CATEGORIES:
        result[f"cost_{category}"] = {c: getattr(lines[c], category) if c in lines else ZERO for c in currencies}
    result["budget_used"] = (
        None
        if budget is None
        else {c: _percent(result["cost_total"][c], budget.get(c)) for c in currencies if c in budget}
    )
    return result


def cost_by_category_series(scope: Scope, periods: list[Period]) -> dict[str, Chart]:
    """One stacked bar chart per currency: labour, parts, external and contracts per period (oldest
    first), with the budget prorated to the last period as the reference line (whole sites only; the
    periods of one grain differ by a day or two at most). Eight queries, however many periods."""
    gathered = _gather(scope, periods, None)
    budget = _budget(scope, periods[-1]) if periods else None
    currencies = sorted({currency for (_b, _k, currency) in gathered})
    charts: dict[str, Chart] = {}
    for currency in currencies:
        series = []
        for category in CATEGORIES:
            values = tuple(
                float(getattr(gathered[(i, None, currency)], category)) if (i, None, currency) in gathered else 0.0
                for i in range(len(periods))
            )
            series.append(Series(name=CATEGORY_LABELS[category], values=values))
        charts[currency] = Chart(
            key=f"cost_by_category_{currency}",
            title=_("Maintenance cost by category (%(currency)s)") % {"currency": currency},
            kind="stacked_bar",
            categories=tuple(period.label for period in periods),
            series=tuple(series),
            unit=currency,
            reference=float(budget[currency]) if budget and currency in budget else None,
            reference_label=(
                _("Budget for %(period)s") % {"period": periods[-1].label} if budget and currency in budget else ""
            ),
            description=COST_KPIS["cost_total"].definition,
        )
    return charts


def cost_by_resource(scope: Scope, period: Period) -> list[ResourceCost]:
    """Cost per resource and currency in the period (orders on resources, and the contracts covering
    them), by resource tag. Costs of orders on areas, containers or materials, and costs without an
    order, are in ``cost_kpis`` but on no resource row."""
    per_resource: dict[tuple[int, str], CostLine] = {}
    for (_bucket_index, resource_id, currency), line in _gather(scope, [period], "resource").items():
        if resource_id is not None:
            per_resource[(resource_id, currency)] = line
    resources = Resource.objects.select_related("area").in_bulk({resource_id for resource_id, _c in per_resource})
    rows = [
        ResourceCost(
            resource_id=resource_id,
            tag=resources[resource_id].tag,
            name=resources[resource_id].name,
            site_id=resources[resource_id].area.site_id,
            cost=line,
        )
        for (resource_id, _currency), line in per_resource.items()
    ]
    return sorted(rows, key=lambda row: (row.tag, row.currency))


def top_resources_by_cost(scope: Scope, period: Period, limit: int = 10) -> dict[str, list[ResourceCost]]:
    """Per currency, the ``limit`` resources that cost most in the period (ties by tag)."""
    top: dict[str, list[ResourceCost]] = defaultdict(list)
    for row in sorted(cost_by_resource(scope, period), key=lambda row: (-row.total, row.tag)):
        if row.total > 0 and len(top[row.currency]) < limit:
            top[row.currency].append(row)
    return dict(sorted(top.items()))


def cost_by_site(scope: Scope, period: Period) -> dict[int, dict[str, CostLine]]:
    """Cost per site and currency in the period: ``{site id: {currency: CostLine}}``."""
    per_site: dict[int, dict[str, CostLine]] = defaultdict(dict)
    for (_bucket_index, site_id, currency), line in _gather(scope, [period], "site").items():
        if site_id is not None:
            per_site[site_id][currency] = line
    return dict(per_site)


def drilldown(key: str, scope: Scope, period: Period) -> str:
    """The list behind a cost number.

    Parts (whole sites): the stock ledger's consuming movements of the period. Contracts: the contract
    list. Budget: the budget report of the period's year. Labour, external, the total, and parts in a
    narrowed scope: the order list of the scope with the orders that cost of that kind was booked on in
    the period (``cost_after``/``cost_before``/``cost_kind`` of ``WorkOrderFilterSet``)."""
    if key not in COST_KPIS:
        raise KeyError(key)
    site = {"site": str(scope.site_id)} if scope.site_id is not None else {}
    if key == "cost_parts" and not _narrowed(scope):
        params = {**site, "consuming": "1"}
        zones = list(scope.zone_groups())
        if len(zones) == 1:
            start, end = period.bounds(zones[0][0])
            params.update(occurred_after=start.isoformat(), occurred_before=end.isoformat())
        else:
            # Sites in several time zones: the period as dates in the server's time zone (edges may differ).
            last_day = period.end_day - datetime.timedelta(days=1)
            params.update(since=period.first_day.isoformat(), until=last_day.isoformat())
        return f"{reverse('inventory:movement_list')}?{urlencode(params)}"
    if key == "cost_contracts":
        return reverse("inventory:contract_list")
    if key in ("budget", "budget_used"):
        return f"{reverse('inventory:budget_report')}?{urlencode({'year': period.first_day.year})}"
    # The orders the money was booked on in the period (labour, parts, external: each its own; the total:
    # any of them). Contracts are not booked on orders, so the total's list leaves them out.
    kind = {"cost_labour": "labour", "cost_parts": "parts", "cost_external": "external"}.get(key)
    params = {
        **scope.query_params(),
        "cost_after": period.first_day.isoformat(),
        "cost_before": period.end_day.isoformat(),
        **({"cost_kind": kind} if kind else {}),
    }
    return f"{reverse('orders:order_list')}?{urlencode(params)}"
