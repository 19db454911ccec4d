"""Request rates: DRF's per-user, anonymous and scoped throttles, counted in fixed windows.

DRF's own throttles keep every request's time of the last window in the cache and rewrite that list on
each request: at 6,000 requests a minute the list is 6,000 floats pickled and unpickled per request. These
count instead: one integer per caller and window (``cache.add`` then ``cache.incr``), whatever the rate.
A window starts at a multiple of its length (a minute starts at :00), so a caller gets at most the rate
in any window, and up to twice the rate across the boundary of two. ``Retry-After`` says when the window
ends. The counts live in Django's cache (``CACHES``): with the default local-memory cache each server
process counts on its own.
"""

from __future__ import annotations

import math
from typing import Any

from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle


class WindowRateThrottle(SimpleRateThrottle):
    """``allow_request`` counting requests per fixed window; subclasses say whose requests (cache key)."""

    wait_seconds: float = 0.0

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = math.floor(now / self.duration)
        key = f"{self.key}:{window}"
        self.cache.add(key, 0, self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # the window's key expired between add and incr
            self.cache.set(key, 1, self.duration + 1)
            count = 1
        self.wait_seconds = (window + 1) * self.duration - now
        return bool(count <= self.num_requests)

    def wait(self) -> float | None:
        return self.wait_seconds


class UserThrottle(UserRateThrottle, WindowRateThrottle):
    """``API_THROTTLE_USER`` per signed-in user (session or token)."""


class AnonThrottle(AnonRateThrottle, WindowRateThrottle):
    """``API_THROTTLE_ANON`` per address of anonymous callers."""


class ScopedThrottle(ScopedRateThrottle, WindowRateThrottle):
    """The rate of the view's ``throttle_scope`` (e.g. ``readings_bulk``) per user or address."""
