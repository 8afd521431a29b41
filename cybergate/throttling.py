"""Cheap fixed-window rate limits in Django's cache (Redis in production, local memory otherwise).

DRF's SimpleRateThrottle keeps a list of timestamps per key and pickles it on every request; a
counter per (key, window) costs one Redis round trip (INCR + EXPIRE pipelined) or two local-memory
operations. A fixed window lets a client burst up to twice the rate across a window edge; for
abuse protection that is acceptable and the price of one round trip.

If the cache is unreachable the limit fails open (logged): rate limiting must not take the API
down with it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@lru_cache(maxsize=16)
def parse_rate(rate: str) -> tuple[int, int]:
    """'600/min' → (600, 60), in DRF's syntax (the period's first letter counts)."""
    num, _, period = rate.strip().partition("/")
    return int(num), _PERIODS[period.strip()[0]]


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window resets (meaningful when not allowed)


# Counters of this process, used when the cache is Django's local-memory backend: that backend
# is per process too, but pickles every value; a dict under a lock is the same thing, cheaper.
_local: dict[str, tuple[int, float]] = {}
_local_lock = threading.Lock()


def reset_local_counters() -> None:
    with _local_lock:
        _local.clear()


def _incr_local(key: str, ttl: int) -> int:
    now = time.monotonic()
    with _local_lock:
        count, expires = _local.get(key, (0, 0.0))
        if expires <= now:
            if len(_local) > 50_000:  # drop finished windows
                for k in [k for k, (_, e) in _local.items() if e <= now]:
                    del _local[k]
            count, expires = 0, now + ttl
        _local[key] = (count + 1, expires)
        return count + 1


def _incr(key: str, ttl: int) -> int:
    """Increment a counter that disappears after `ttl` seconds; return the new value."""
    backend = caches["default"]
    if isinstance(backend, LocMemCache):
        return _incr_local(key, ttl)
    raw = getattr(backend, "_cache", None)
    if raw is not None and hasattr(raw, "get_client"):
        # Django's RedisCache: one pipelined round trip instead of add() + incr().
        full_key = backend.make_and_validate_key(key)
        client = raw.get_client(full_key, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incr(full_key)
        pipe.expire(full_key, ttl)
        count, _ = pipe.execute()
        return int(count)
    if backend.add(key, 1, ttl):
        return 1
    try:
        return backend.incr(key)
    except ValueError:  # expired between add() and incr()
        backend.set(key, 1, ttl)
        return 1


def hit(scope: str, ident: str, rate: str, now: float | None = None) -> Verdict:
    """Count one request of `ident` against `rate` in the current fixed window."""
    limit, period = parse_rate(rate)
    now = time.time() if now is None else now
    window = int(now // period)
    try:
        count = _incr(f"rl:{scope}:{ident}:{window}", period + 1)
    except Exception:  # noqa: BLE001 - fail open, see module docstring
        logger.warning("Rate limit cache unavailable; not limiting %s", scope, exc_info=True)
        return Verdict(True, 0)
    retry_after = max(1, math.ceil((window + 1) * period - now))
    return Verdict(count <= limit, retry_after)


class ApiSecretRateThrottle(BaseThrottle):
    """Per API secret: settings.API_RATE_LIMIT (e.g. 600/min)."""

    def allow_request(self, request, view) -> bool:
        secret = request.auth
        if secret is None:
            return True
        self.verdict = hit("secret", str(secret.pk), settings.API_RATE_LIMIT)
        return self.verdict.allowed

    def wait(self) -> float | None:
        verdict = getattr(self, "verdict", None)
        return verdict.retry_after if verdict else None


def auth_failure_hit(ip: str | None) -> Verdict:
    """Count one failed authentication from `ip` against settings.AUTH_FAILURE_RATE_LIMIT."""
    return hit("authfail", ip or "unknown", settings.AUTH_FAILURE_RATE_LIMIT)
