"""Until the order KPIs (``reports.kpis.orders``) land on main (they are written on another branch this
session), the dashboard tests run against a small stand-in with the same names and shapes. It is
installed only when the real module is missing, so once it lands the tests run against it; then this
file goes. Costs, people, stock and failures are the real modules."""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from django.urls import reverse

from reports.kpis.common import KpiDefinition


def _order_kpis_module() -> types.ModuleType:
    module = types.ModuleType("reports.kpis.orders")
    keys = [
        ("backlog_orders", "Open orders", "count", "lower"),
        ("overdue_orders", "Overdue orders", "count", "lower"),
        ("pm_compliance", "PM compliance", "%", "higher"),
        ("mttr_hours", "MTTR", "h", "lower"),
        ("downtime_hours", "Downtime", "h", "lower"),
    ]
    module.ORDER_KPIS = {
        k: KpiDefinition(k, label, unit, f"{label}: how it is counted.", better) for k, label, unit, better in keys
    }

    def order_kpis(scope: Any, period: Any) -> dict[str, Any]:
        return {
            "backlog_orders": 3,
            "overdue_orders": 1,
            "pm_compliance": 75.0,
            "mttr_hours": None,
            "downtime_hours": 2.5,
        }

    def order_kpi_series(scope: Any, periods: list[Any], keys: list[str]) -> dict[str, list[Any]]:
        return {key: [1.0] * len(periods) for key in keys}

    def drilldown(key: str, scope: Any, period: Any) -> str:
        return f"{reverse('orders:backlog')}?kpi={key}"

    def backlog_breakdown(scope: Any, at: Any) -> dict[str, Any]:
        row = {"key": "0-7", "label": "0-7 days", "orders": 3, "hours": 4.0, "query": {"open_at": "2026-01-01"}}
        return {"orders": 3, "hours": 4.0, "by_age": [row], "by_priority": [{**row, "label": "High"}]}

    module.backlog_breakdown = backlog_breakdown
    module.order_list_url = lambda params: f"{reverse('orders:backlog')}?x=1"
    module.order_kpis = order_kpis
    module.order_kpi_series = order_kpi_series
    module.drilldown = drilldown
    module.top_resources_by_downtime = lambda scope, period, limit=10: []
    return module


for _name, _make in {
    "orders": _order_kpis_module,
}.items():
    try:
        importlib.import_module(f"reports.kpis.{_name}")
    except ModuleNotFoundError:
        _module = _make()
        sys.modules[f"reports.kpis.{_name}"] = _module
        setattr(importlib.import_module("reports.kpis"), _name, _module)
