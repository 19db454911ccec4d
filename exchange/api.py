"""Imports and exports through the API (``/api/v1/imports/``, ``/api/v1/exports/``)."""

from __future__ import annotations

from typing import Any

ROUTES: list[tuple[str, Any, str]] = []
