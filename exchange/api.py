"""Imports and exports through the API (``/api/v1/imports/``, ``/api/v1/exports/``)."""

from __future__ import annotations

from typing import Any

from exchange.geo_api import GeoSiteViewSet

ROUTES: list[tuple[str, Any, str]] = [
    ("geo/sites", GeoSiteViewSet, "geo-site"),
]
