"""The CSV registers, one module per part of the domain; importing this package registers them all."""

from __future__ import annotations

from exchange.csvio.registers import history, meters, places, plans, staff, stores  # noqa: F401
