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
and without). Failed authentications are rare and counted exactly. The local-memory cache
(development, tests) takes the same path.

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

from cybergate.lib.clientinfo import limit_key
from cybergate.lib.problems import Problem

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
    """Start with no counts or memos, as a new process does."""
    with _lock:
        _batches.clear()
        _recent.clear()
        _over_limit.clear()
        _under_limit.clear()
        _to_share.clear()


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


def _window(rate: str, now: float) -> tuple[int, int, int, int]:
    """(limit, period, window number, seconds until it ends) of `rate` at `now`."""
    limit, period = _parse_rate(rate)
    window = int(now // period)
    return limit, period, window, max(1, math.ceil((window + 1) * period - now))


def hit(
    scope: str, ident: str, rate: str, now: float | None = None, *, batched: bool = False
) -> Verdict:
    """Count one request of `ident` against `rate` in the current fixed window."""
    now = time.time() if now is None else now
    limit, period, window, retry_after = _window(rate, now)
    try:
        if batched:
            count = _hit_batched(f"{scope}:{ident}", window, limit, period)
        else:
            count = _incr(f"rl:{scope}:{ident}:{window}", 1, period + 1)
    except Exception:  # fail open, see module docstring
        logger.warning("Rate limit cache unavailable; not limiting %s", scope, exc_info=True)
        return Verdict(True, retry_after, limit, period, limit)
    return Verdict(count <= limit, retry_after, limit, period, max(0, limit - count))


def _hit_batched(name: str, window: int, limit: int, period: int) -> int:
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
        total = _incr(f"rl:{name}:{window}", amount, period + 1)
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


# --- Failed authentication, per client address --------------------------------------------------
# "Address" here is the client as limits count it (clientinfo.limit_key: an IPv6 client is its
# /64). Over the limit an address gets 429 for every credential it has not used successfully lately,
# decided before any database lookup: guessing stops (a hit looks like a miss), and a flood of
# bad credentials costs no query. A customer's working client behind the same address keeps
# working: each address has a small set of the values that worked from it lately, as the first 16
# characters of their keyed hashes (never the value), in the shared cache. Each process mirrors
# what it needs: the values that worked through it (so a good request costs no round trip), and,
# once an address is over the limit, that address's set until the window ends (so a flood costs
# no round trip either). The set is updated read-modify-write: two processes marking two new
# values for one address in the same instant may lose one mark until its next refresh, a little
# inexact for the sake of using the plain cache API.

RECENT_SUCCESS_SECONDS = 24 * 3600  # what "used successfully lately" means
_SUCCESS_REFRESH_SECONDS = 3600  # a process re-marks a value in the shared set this often
_MAX_REMEMBERED = 64  # values remembered per address (the most recent)
_recent: dict[tuple[str, str], float] = {}  # (address, fingerprint) → monotonic time marked
_over_limit: dict[str, tuple[float, int, frozenset[str]]] = {}  # address → (until, window, set)
# For the async device gateway, which holds thousands of devices behind few addresses: an address
# found under the limit is not asked about again for UNDER_LIMIT_MEMO_SECONDS, unless this process
# counts a failure from it meanwhile (then the next attempt asks again). Failures counted by other
# processes are seen that much later at most.
UNDER_LIMIT_MEMO_SECONDS = 1.0
_under_limit: dict[str, tuple[float, int]] = {}  # address → (monotonic time checked, window)
# Successes to add to the shared sets, by address (share_successes() sends them in one go).
_to_share: dict[str, set[str]] = {}


def _successes_key(ip: str) -> str:
    return f"authok:{ip}"


def auth_rate_limited(retry_after: int) -> Problem:
    return Problem(
        429,
        "auth_rate_limited",
        "Too many failed authentication attempts from this address. "
        f"Retry in {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
    )


@dataclass(slots=True)
class AuthAttempt:
    """One authentication from one address, with one credential value."""

    ip: str
    fingerprint: str

    def succeeded(self) -> None:
        """Remember that this value works from this address (it then passes over the limit)."""
        if self._mark():
            _share(self.ip, {self.fingerprint})

    def succeeded_later(self) -> bool:
        """As succeeded(), with the shared record left to share_successes() (no round trip
        here); True if there is something to share."""
        if not self._mark():
            return False
        with _lock:
            _to_share.setdefault(self.ip, set()).add(self.fingerprint)
        return True

    def _mark(self) -> bool:
        """Mark locally; True if the shared record needs refreshing."""
        key = (self.ip, self.fingerprint)
        mono = time.monotonic()
        marked = _recent.get(key)
        if marked is not None and mono - marked < _SUCCESS_REFRESH_SECONDS:
            return False
        if len(_recent) > 50_000:
            _recent.clear()
        _recent[key] = mono
        return True

    def failed(self, problem: Problem) -> Problem:
        return failed_authentication(self.ip, problem)


def _share(ip: str, fingerprints: set[str]) -> None:
    """Add values that worked from `ip` to its shared set (one read and one write)."""
    backend, now = caches["default"], time.time()
    try:
        known = backend.get(_successes_key(ip)) or {}
        known = {fp: at for fp, at in known.items() if now - at < RECENT_SUCCESS_SECONDS}
        known.update(dict.fromkeys(fingerprints, now))
        newest = sorted(known.items(), key=lambda item: item[1])[-_MAX_REMEMBERED:]
        backend.set(_successes_key(ip), dict(newest), RECENT_SUCCESS_SECONDS)
    except Exception:
        logger.warning("Rate limit cache unavailable; success not shared", exc_info=True)


def share_successes() -> None:
    """Send the successes succeeded_later() collected: one read and one write per address."""
    with _lock:
        pending = dict(_to_share)
        _to_share.clear()
    for ip, fingerprints in pending.items():
        _share(ip, fingerprints)


def successes_to_share() -> bool:
    return bool(_to_share)


def known_attempt(ip: str | None, credential_hash: str) -> AuthAttempt | None:
    """The attempt, if `auth_attempt` would let it through without any cache round trip (the
    value worked from this address through this process lately, or the address was found under
    the limit less than UNDER_LIMIT_MEMO_SECONDS ago with no failure from it counted here since);
    else None: call `auth_attempt` (in a thread, from async code)."""
    attempt = _attempt(ip, credential_hash)
    mono = time.monotonic()
    marked = _recent.get((attempt.ip, attempt.fingerprint))
    if marked is not None and mono - marked < RECENT_SUCCESS_SECONDS:
        return attempt
    checked = _under_limit.get(attempt.ip)
    if (
        checked is not None
        and mono - checked[0] < UNDER_LIMIT_MEMO_SECONDS
        and checked[1] == _window(settings.AUTH_FAILURE_RATE_LIMIT, time.time())[2]
    ):
        return attempt
    return None


def _attempt(ip: str | None, credential_hash: str) -> AuthAttempt:
    # 64 bits of the keyed hash tell an address's few values apart.
    return AuthAttempt(limit_key(ip) or "unknown", credential_hash[:16])


def auth_attempt(ip: str | None, credential_hash: str) -> AuthAttempt:
    """Start an authentication; raise 429 `auth_rate_limited` if it must not even be looked up.

    `credential_hash` is the presented value's keyed hash (its lookup key, never the value). Call
    before any database query. Costs a dict look-up for a value that worked from this address
    through this process lately, or from an address this process already knows to be over the
    limit; else one cache round trip.
    """
    attempt = _attempt(ip, credential_hash)
    marked = _recent.get((attempt.ip, attempt.fingerprint))
    if marked is not None and time.monotonic() - marked < RECENT_SUCCESS_SECONDS:
        return attempt
    now = time.time()
    limit, _, window, retry_after = _window(settings.AUTH_FAILURE_RATE_LIMIT, now)
    blocked = _over_limit.get(attempt.ip)
    if blocked is None or blocked[0] <= now or blocked[1] != window:
        blocked = _look_up(attempt.ip, limit, window, retry_after, now)
    if blocked is not None and attempt.fingerprint not in blocked[2]:
        raise auth_rate_limited(retry_after)
    return attempt


def _look_up(
    ip: str, limit: int, window: int, retry_after: int, now: float
) -> tuple[float, int, frozenset[str]] | None:
    """(until, window, values that worked lately) if `ip` is over the limit now, else None."""
    counter = f"rl:authfail:{ip}:{window}"
    backend = caches["default"]
    try:
        found = backend.get_many([counter, _successes_key(ip)])
        failures, known = int(found.get(counter) or 0), found.get(_successes_key(ip))
    except Exception:  # fail open, see module docstring
        logger.warning("Rate limit cache unavailable; not limiting authfail", exc_info=True)
        return None
    if failures < limit:
        _over_limit.pop(ip, None)
        if len(_under_limit) > 10_000:
            _under_limit.clear()
        _under_limit[ip] = (time.monotonic(), window)
        return None
    if len(_over_limit) > 10_000:
        _over_limit.clear()
    blocked = (now + retry_after, window, frozenset(known or ()))
    _over_limit[ip] = blocked
    return blocked


def failed_authentication(ip: str | None, problem: Problem) -> Problem:
    """What to raise for a failed authentication: `problem`, or 429 once `ip` is over the limit.

    Shared by the customer API and the device gateway: both count against the same per-IP limit.
    """
    address = limit_key(ip) or "unknown"
    _under_limit.pop(address, None)
    verdict = hit("authfail", address, settings.AUTH_FAILURE_RATE_LIMIT)
    if verdict.allowed:
        return problem
    return auth_rate_limited(verdict.retry_after)
