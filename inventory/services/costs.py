"""Costs and budgets: external cost entries, labour cost posting, the costs of one piece of work and
the budget report.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from assets.models import Area
from inventory.models import (
    Budget,
    CostEntry,
    CostKind,
    StockMovement,
    Vendor,
)
from inventory.services.common import CONSUMING_KINDS, ZERO, _require, _user_or_none, check_site, money_of


# --- Costs and budgets -------------------------------------------------------------------------
@transaction.atomic
def cost_entry_add(
    *,
    site: Area,
    reference: str,
    description: str,
    amount: Any,
    currency: str,
    incurred_on: datetime.date,
    user: Any,
    vendor: Vendor | None = None,
) -> CostEntry:
    """Record an external cost (a contractor, a rental, a repair shop) against a piece of work."""
    _require(user, "inventory.add_costentry", _("Only storekeepers and administrators may record costs."))
    check_site(user, site.pk)
    entry = CostEntry(
        kind=CostKind.EXTERNAL,
        site=site,
        reference=reference.strip()[:50],
        vendor=vendor,
        description=description.strip()[:300],
        amount=money_of(amount, "amount"),
        currency=currency,
        incurred_on=incurred_on,
        recorded_by=_user_or_none(user),
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def labour_cost_post(*, site: Area, reference: str, amounts: dict[str, Decimal], on: datetime.date) -> list[CostEntry]:
    """Post the labour cost of closed work to the site's spending, once per reference and currency."""
    posted = []
    for currency, amount in sorted(amounts.items()):
        if amount <= 0:
            continue
        entry, _created = CostEntry.objects.get_or_create(
            kind=CostKind.LABOUR,
            reference=reference,
            currency=currency,
            defaults={"site": site, "description": _("Labour"), "amount": amount, "incurred_on": on},
        )
        posted.append(entry)
    return posted


@dataclass
class CostBreakdown:
    """Money spent on one piece of work (or one site and year), in one currency."""

    currency: str
    parts: Decimal = ZERO
    labour: Decimal = ZERO
    external: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.parts + self.labour + self.external


def reference_costs(reference: str, labour: dict[str, Decimal] | None = None) -> list[CostBreakdown]:
    """Parts (from the ledger: issued and used, less returned, at their cost) and external costs of one
    piece of work, with its ``labour`` as given by the caller (the order knows its own), per currency."""
    costs: dict[str, CostBreakdown] = {}

    def row(currency: str) -> CostBreakdown:
        return costs.setdefault(currency, CostBreakdown(currency))

    parts = (
        StockMovement.objects.filter(reference=reference, kind__in=CONSUMING_KINDS)
        .values("currency")
        .annotate(money=Sum(F("quantity") * F("unit_cost")))
    )
    for item in parts:
        row(item["currency"]).parts = (-(item["money"] or ZERO)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    external = (
        CostEntry.objects.filter(reference=reference, kind=CostKind.EXTERNAL)
        .values("currency")
        .annotate(total=Sum("amount"))
    )
    for item in external:
        row(item["currency"]).external = item["total"]
    for currency, amount in (labour or {}).items():
        row(currency).labour += amount
    return [costs[currency] for currency in sorted(costs)]


@dataclass
class BudgetLine:
    """A site's spending in a year and currency against its budget (if any)."""

    site: Area
    year: int
    currency: str
    budget: Decimal | None
    spent: CostBreakdown

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.spent.total

    @property
    def percent_used(self) -> int | None:
        if not self.budget:
            return None
        return int((self.spent.total / self.budget * 100).quantize(Decimal(1), ROUND_HALF_UP))


def budget_report(*, site_ids: list[int] | None, year: int) -> list[BudgetLine]:
    """Budget against actual per site and currency for a year: parts consumed (ledger), labour posted when
    work closed, and external costs. Four queries whatever the number of sites."""
    spent: dict[tuple[int, str], CostBreakdown] = {}

    def row(site_id: int, currency: str) -> CostBreakdown:
        return spent.setdefault((site_id, currency), CostBreakdown(currency))

    movements = StockMovement.objects.in_sites(site_ids).filter(kind__in=CONSUMING_KINDS, occurred_at__year=year)
    for item in movements.values("site_id", "currency").annotate(money=Sum(F("quantity") * F("unit_cost"))):
        row(item["site_id"], item["currency"]).parts = (-(item["money"] or ZERO)).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
    entries = CostEntry.objects.in_sites(site_ids).filter(incurred_on__year=year)
    for item in entries.values("site_id", "currency", "kind").annotate(total=Sum("amount")):
        breakdown = row(item["site_id"], item["currency"])
        if item["kind"] == CostKind.LABOUR:
            breakdown.labour += item["total"]
        else:
            breakdown.external += item["total"]
    budgets = {(b.site_id, b.currency): b for b in Budget.objects.in_sites(site_ids).filter(year=year)}
    keys = set(spent) | set(budgets)
    sites = Area.objects.in_bulk({site_id for site_id, _currency in keys})
    lines = [
        BudgetLine(
            site=sites[site_id],
            year=year,
            currency=currency,
            budget=budgets[(site_id, currency)].amount if (site_id, currency) in budgets else None,
            spent=spent.get((site_id, currency), CostBreakdown(currency)),
        )
        for site_id, currency in keys
    ]
    return sorted(lines, key=lambda line: (line.site.name, line.currency))
