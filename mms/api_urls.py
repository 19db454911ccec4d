"""The REST API for integrators, under /api/ (versioned: /api/v1/), with its OpenAPI schema and docs.

Each module in ``API_MODULES`` has a ``ROUTES`` list of (URL prefix, viewset, basename); see the
``core.api`` package docstring for how an app adds its endpoints.
"""

from __future__ import annotations

from importlib import import_module

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

# Orders first: URLs are matched in this order, and integrators' sync loops and sensors call the order
# and reading routes far more often than the others.
API_MODULES = [
    "orders.api",
    "orders.records_api",
    "orders.readings_api",
    "orders.webhooks_api",
    "orders.adhoc_api",
    "orders.downtime_api",
    "orders.failures_api",
    "assets.api",
    "people.api",
    "inventory.api",
    "plans.api",
    "exchange.api",
]

router = DefaultRouter()
for module_name in API_MODULES:
    for prefix, viewset, basename in import_module(module_name).ROUTES:
        router.register(prefix, viewset, basename=basename)

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
