"""Events of the asset register that higher apps react to (assets imports none of them).

``readings_recorded`` is sent inside the recording transaction with ``counters`` (the counters whose
readings were stored, their latest value already set) and ``now`` (the scheduler's clock, ``None`` for
the real one). Work orders listen: a reading may reach a usage point (``orders.readings``).
"""

from __future__ import annotations

from django.dispatch import Signal

readings_recorded = Signal()
