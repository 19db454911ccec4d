"""The project's URLs with ``orders:order_list`` added, for the dashboard tests only while the order
list screen is not on this branch (the KPI drill-downs of ``reports.kpis.orders`` and ``failures``
link to it; it is being built elsewhere this session). ``conftest.py`` uses this only when the real
route is missing, so once the screen lands the tests run against it and this file goes.

The stand-in answers with the planners' backlog screen, which reads the same ``WorkOrderFilterSet``."""

from __future__ import annotations

from django.urls import include, path
from django.urls.resolvers import URLResolver

from mms.urls import urlpatterns as project_patterns
from orders import planner_views
from orders.urls import urlpatterns as order_patterns

ORDERS = include(([*order_patterns, path("list/", planner_views.backlog, name="order_list")], "orders"))

urlpatterns = [
    path("orders/", ORDERS) if isinstance(pattern, URLResolver) and pattern.namespace == "orders" else pattern
    for pattern in project_patterns
]
