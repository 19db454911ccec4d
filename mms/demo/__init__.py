"""Demo data: a small water utility (a treatment plant and a booster station) and a district clinic.

``load_demo()`` is idempotent: every row is found by its natural key and saved only when a value
differs, so a second run adds no rows, no history rows and re-hashes no passwords. Every date is fixed
(``DEMO_TODAY``, not ``now()``), so "expiring" and "expired" mean the same on every run.
Rows go through ``full_clean()`` and obey the same rules as users' data.

The package, by topic: ``constants`` (the demo's users, "today" and story times), ``upsert`` (idempotent
rows), ``clock`` (demo time for rows the services stamp), ``plans`` (the plan programme as data),
``base`` (the loader's shared state and helpers), one loader module per part of the demo (``sites``,
``people``, ``equipment``, ``inventory``, ``plan_loader``) and ``loader`` (``load_demo()``).
"""

from __future__ import annotations

from mms.demo.constants import DEMO_PASSWORD, DEMO_USERS
from mms.demo.loader import load_demo

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "load_demo"]
