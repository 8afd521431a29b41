"""Cheap fixed-window rate limits in Django's cache (Redis in production, local memory otherwise).

DRF's SimpleRateThrottle keeps a list of timestamps per key and pickles it on every request.
Here a counter per (key, window) is enough. A fixed window lets a client burst up to twice the
rate across a window edge; for abuse protection that is acceptable.

With Redis, a round trip per request would cost as much as the database round trip that the
authentication cache exists to avoid. So the per-secret limit is counted in batches:
each process adds its requests to the shared counter (Django's cache `incr`; `add` for a new
window) at most every SYNC_INTERVAL seconds while the secret is well under its limit, and on every
request once the shared count has reached half of the limit — so the limit is exact where it
matters and the hot path costs no round trip where it does not (bench/README.md: measured with
and without). The local-memory cache (development, tests) takes the same path. Failed
authentications are rare and counted exactly (cybergate/lib/authfailures.py).

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
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SYNC_INTERVAL = 0.1  # seconds between batched additions to the shared counter
# The name of the per-secret quota in the RateLimit headers.
RATE_LIMIT_POLICY = "default"


@lru_cache(maxsize=16)
def _parse_rate(rate: str) -> tuple[int, int]:
    """'600/min' → (600, 60), in DRF's syntax (the period's first letter counts)."""
    num, _, period = rate.strip().partition("/")
    return int(num), _PERIODS[period.strip()[0]]


@dataclass(slots=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window resets (meaningful when not allowed)
    limit: int = 0
    period: int = 0
    remaining: int = 0

    def headers(self) -> dict[str, str]:
        """The IETF RateLimit headers of this count, in the syntax of
        draft-ietf-httpapi-ratelimit-headers-10 (Structured Fields): the policy's quota `q` per
        window `w` seconds, and what is left of it, `r`, until `t` seconds from now."""
        return {
            "RateLimit-Policy": f'"{RATE_LIMIT_POLICY}";q={self.limit};w={self.period}',
            "RateLimit": f'"{RATE_LIMIT_POLICY}";r={self.remaining};t={self.retry_after}',
        }


@dataclass(slots=True)
class _Batch:
    window: int
    pending: int = 0  # counted here, not yet added to the shared counter
    known: int = 0  # the shared counter as of the last round trip
    synced_at: float = 0.0


_lock = threading.Lock()
_batches: dict[str, _Batch] = {}  # scope:ident → batch


def reset_for_tests() -> None:
    """Start with no counts, as a new process does."""
    with _lock:
        _batches.clear()


def _incr(key: str, amount: int, ttl: int) -> int:
    """Add `amount` to a counter that disappears after `ttl` seconds; return the new total
    (with Redis: EXISTS + INCRBY, or SET NX for a new window)."""
    backend = caches["default"]
    try:
        return backend.incr(key, amount)
    except ValueError:  # a new window: no counter yet
        if backend.add(key, amount, ttl):
            return amount
        return backend.incr(key, amount)  # another process created it first


def window(rate: str, now: float) -> tuple[int, int, int, int]:
    """(limit, period, window number, seconds until it ends) of `rate` at `now`."""
    limit, period = _parse_rate(rate)
    number = int(now // period)
    return limit, period, number, max(1, math.ceil((number + 1) * period - now))


def hit(
    scope: str, ident: str, rate: str, now: float | None = None, *, batched: bool = False
) -> Verdict:
    """Count one request of `ident` against `rate` in the current fixed window."""
    now = time.time() if now is None else now
    limit, period, number, retry_after = window(rate, now)
    try:
        if batched:
            count = _hit_batched(f"{scope}:{ident}", number, limit, period)
        else:
            count = _incr(f"rl:{scope}:{ident}:{number}", 1, period + 1)
    except Exception:  # fail open, see module docstring
        logger.warning("Rate limit cache unavailable; not limiting %s", scope, exc_info=True)
        return Verdict(True, retry_after, limit, period, limit)
    return Verdict(count <= limit, retry_after, limit, period, max(0, limit - count))


def _hit_batched(name: str, number: int, limit: int, period: int) -> int:
    """This request's count: estimated locally far from the limit, exact near it."""
    mono = time.monotonic()
    with _lock:
        batch = _batches.get(name)
        if batch is None or batch.window != number:
            batch = _batches[name] = _Batch(number)
        estimate = batch.known + batch.pending + 1
        if estimate > limit:
            return estimate  # refused without a round trip, and not counted
        batch.pending += 1
        if estimate * 2 < limit and mono - batch.synced_at < SYNC_INTERVAL:
            return estimate
        amount, batch.pending, batch.synced_at = batch.pending, 0, mono
    try:
        total = _incr(f"rl:{name}:{number}", amount, period + 1)
    except Exception:
        with _lock:
            batch.pending += amount  # try again with the next request
        raise
    with _lock:
        batch.known = max(batch.known, total)
    return total


class ApiSecretRateThrottle(BaseThrottle):
    """Per API secret: settings.API_RATE_LIMIT (e.g. 600/min)."""

    def allow_request(self, request, view) -> bool:
        secret = request.auth
        if secret is None:
            return True
        self.verdict = hit("secret", str(secret.pk), settings.API_RATE_LIMIT, batched=True)
        request.rate_limit = self.verdict  # for the RateLimit headers of the answer
        return self.verdict.allowed

    def wait(self) -> float | None:
        verdict = getattr(self, "verdict", None)
        return verdict.retry_after if verdict else None
