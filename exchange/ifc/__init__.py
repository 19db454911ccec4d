"""IFC building models in (``exchange.ifc.importer``): opening and checking the file (``opening``),
reading it into rows (``model``), and writing areas (``areas``), equipment and systems (``equipment``)
with bulk helpers (``bulk``)."""

from __future__ import annotations

from exchange.ifc import importer  # noqa: F401  (registers the "ifc" importer)
