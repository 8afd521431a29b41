"""Cheap fixed-window rate limits in Django's cache (Redis in production, local memory otherwise).

DRF's SimpleRateThrottle keeps a list of timestamps per key and pickles it on every request.
Here a counter per (key, window) is enough. A fixed window lets a client burst up to twice the
rate across a window edge; for abuse protection that is acceptable.

With Redis, a round trip per request would cost as much as the database round trip that the
authentication cache exists to avoid (SPEC §3). So the per-secret limit is counted in batches:
each process adds its requests to the shared counter (INCRBY + EXPIRE, one pipelined round trip)
at most every SYNC_INTERVAL seconds while the secret is well under its limit, and on every request
once the shared count has reached half of the limit — so the limit is exact where it matters and
the hot path costs no round trip where it does not. Failed authentications are rare and counted
exactly. With the local-memory cache (one process, development) counters are a dict under a lock:
same semantics as Django's LocMemCache, without its pickling.

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

from cybergate.problems import Problem

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SYNC_INTERVAL = 0.1  # seconds between batched additions to the shared counter


@lru_cache(maxsize=16)
def parse_rate(rate: str) -> tuple[int, int]:
    """'600/min' → (600, 60), in DRF's syntax (the period's first letter counts)."""
    num, _, period = rate.strip().partition("/")
    return int(num), _PERIODS[period.strip()[0]]


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window resets (meaningful when not allowed)
    limit: int = 0
    period: int = 0
    remaining: int = 0

    def headers(self) -> dict[str, str]:
        """The IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers) of this count."""
        return {
            "RateLimit-Policy": f"{self.limit};w={self.period}",
            "RateLimit": (
                f"limit={self.limit}, remaining={self.remaining}, reset={self.retry_after}"
            ),
        }


@dataclass(slots=True)
class _Batch:
    window: int
    pending: int = 0  # counted here, not yet added to the shared counter
    known: int = 0  # the shared counter as of the last round trip
    synced_at: float = 0.0


_lock = threading.Lock()
_local: dict[str, tuple[int, float]] = {}  # key → (count, expires at), local-memory cache only
_batches: dict[str, _Batch] = {}  # scope:ident → batch, shared caches only


def reset_local_counters() -> None:
    with _lock:
        _local.clear()
        _batches.clear()


def _incr_local(key: str, amount: int, ttl: int) -> int:
    now = time.monotonic()
    with _lock:
        count, expires = _local.get(key, (0, 0.0))
        if expires <= now:
            if len(_local) > 50_000:  # drop finished windows
                for k in [k for k, (_, e) in _local.items() if e <= now]:
                    del _local[k]
            count, expires = 0, now + ttl
        _local[key] = (count + amount, expires)
        return count + amount


def _incr_shared(backend, key: str, amount: int, ttl: int) -> int:
    """Add `amount` to a counter that disappears after `ttl` seconds; return the new total."""
    raw = getattr(backend, "_cache", None)
    if raw is not None and hasattr(raw, "get_client"):
        # Django's RedisCache: one pipelined round trip instead of add() + incr().
        full_key = backend.make_and_validate_key(key)
        client = raw.get_client(full_key, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incrby(full_key, amount)
        pipe.expire(full_key, ttl)
        count, _ = pipe.execute()
        return int(count)
    backend.add(key, 0, ttl)
    try:
        return backend.incr(key, amount)
    except ValueError:  # expired between add() and incr()
        backend.set(key, amount, ttl)
        return amount


def hit(
    scope: str, ident: str, rate: str, now: float | None = None, *, batched: bool = False
) -> Verdict:
    """Count one request of `ident` against `rate` in the current fixed window."""
    limit, period = parse_rate(rate)
    now = time.time() if now is None else now
    window = int(now // period)
    key = f"rl:{scope}:{ident}:{window}"
    retry_after = max(1, math.ceil((window + 1) * period - now))
    backend = caches["default"]
    try:
        if isinstance(backend, LocMemCache):
            count = _incr_local(key, 1, period + 1)
        elif not batched:
            count = _incr_shared(backend, key, 1, period + 1)
        else:
            count = _hit_batched(backend, f"{scope}:{ident}", key, window, limit, period)
    except Exception:  # noqa: BLE001 - fail open, see module docstring
        logger.warning("Rate limit cache unavailable; not limiting %s", scope, exc_info=True)
        return Verdict(True, retry_after, limit, period, limit)
    return Verdict(count <= limit, retry_after, limit, period, max(0, limit - count))


def _hit_batched(backend, name: str, key: str, window: int, limit: int, period: int) -> int:
    """This request's count: estimated locally far from the limit, exact near it."""
    mono = time.monotonic()
    with _lock:
        batch = _batches.get(name)
        if batch is None or batch.window != window:
            batch = _batches[name] = _Batch(window)
        estimate = batch.known + batch.pending + 1
        if estimate > limit:
            return estimate  # refused without a round trip, and not counted
        batch.pending += 1
        if estimate * 2 < limit and mono - batch.synced_at < SYNC_INTERVAL:
            return estimate
        amount, batch.pending, batch.synced_at = batch.pending, 0, mono
    try:
        total = _incr_shared(backend, key, amount, period + 1)
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


def auth_failure_hit(ip: str | None) -> Verdict:
    """Count one failed authentication from `ip` against settings.AUTH_FAILURE_RATE_LIMIT."""
    return hit("authfail", ip or "unknown", settings.AUTH_FAILURE_RATE_LIMIT)


def failed_authentication(ip: str | None, problem: Problem) -> Problem:
    """What to raise for a failed authentication: `problem`, or 429 once `ip` is over the limit.

    Shared by the customer API and the device gateway: both count against the same per-IP limit.
    """
    verdict = auth_failure_hit(ip)
    if verdict.allowed:
        return problem
    return Problem(
        429,
        "rate_limited",
        "Too many failed authentication attempts from this address. "
        f"Retry in {verdict.retry_after} seconds.",
        headers={"Retry-After": str(verdict.retry_after)},
    )
