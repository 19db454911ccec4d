"""Imports every format module, so each registers its importer and exporter (``exchange.registry``).

A new format is a module that calls ``register_importer`` / ``register_exporter`` and a line here."""

from __future__ import annotations

from exchange import (  # noqa: F401
    cobie,
    csvio,
    geojson_export,
    geojson_import,
    ical_format,
    ifc,
)
