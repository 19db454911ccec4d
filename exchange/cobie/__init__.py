"""COBie 2.4 workbooks in and out (see ``importer`` and ``exporter``); registered as format ``cobie``."""

from __future__ import annotations

from exchange.cobie.exporter import CobieExporter
from exchange.cobie.importer import CobieImporter
from exchange.registry import register_exporter, register_importer

register_importer(CobieImporter())
register_exporter(CobieExporter())
