"""The REST API for integrators, under /api/ (versioned: /api/v1/), with its OpenAPI schema and docs.

Each module in ``API_MODULES`` has a ``ROUTES`` list of (URL prefix, viewset, basename); see the
``core.api`` package docstring for how an app adds its endpoints.
"""

from __future__ import annotations

from importlib import import_module

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from mms.api.token import TokenCreateView

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
    "reports.api",
    "investment.api",
]

router = DefaultRouter()
for module_name in API_MODULES:
    for prefix, viewset, basename in import_module(module_name).ROUTES:
        router.register(prefix, viewset, basename=basename)

# The docs pages are third-party single-page apps: Swagger UI (its start script served as a file by the
# split view) and Redoc put inline styles in the page, and Redoc searches in a blob: worker. Only these two
# pages loosen the Content-Security-Policy, and only for styles and that worker; scripts stay our files.
DOCS_CSP = {"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}

app_name = "api"
urlpatterns = [
    path("v1/auth/token/", TokenCreateView.as_view(), name="token_create"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", csp_update(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    path("redoc/", csp_update(DOCS_CSP)(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
]
