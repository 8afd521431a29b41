"""Failed authentications, limited per client address: shared by the customer API and the device
gateway (settings.AUTH_FAILURE_RATE_LIMIT).

"Address" here is the client as limits count it (clientinfo.limit_key: an IPv6 client is its
/64). Over the limit an address gets 429 for every credential it has not used successfully lately,
decided before any database lookup: guessing stops (a hit looks like a miss), and a flood of
bad credentials costs no query. A customer's working client behind the same address keeps
working: each address has a small set of the values that worked from it lately, as the first 16
characters of their keyed hashes (never the value), in the shared cache. Each process mirrors
what it needs: the values that worked through it (so a good request costs no round trip), and,
once an address is over the limit, that address's set until the window ends (so a flood costs
no round trip either). The set is updated read-modify-write: two processes marking two new
values for one address in the same instant may lose one mark until its next refresh, a little
inexact for the sake of using the plain cache API. Failures are counted with the rate limits'
fixed-window counters (cybergate/lib/throttling.py); as there, an unreachable cache fails open
(logged).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from cybergate.lib.clientinfo import limit_key
from cybergate.lib.problems import Problem
from cybergate.lib.throttling import hit, window

logger = logging.getLogger(__name__)

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
_lock = threading.Lock()


def reset_for_tests() -> None:
    """Start with no memos, as a new process does."""
    with _lock:
        _recent.clear()
        _over_limit.clear()
        _under_limit.clear()
        _to_share.clear()


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

    def worked_lately(self) -> bool:
        """This value worked from this address through this process in the last
        RECENT_SUCCESS_SECONDS: it passes without any cache round trip."""
        marked = _recent.get((self.ip, self.fingerprint))
        return marked is not None and time.monotonic() - marked < RECENT_SUCCESS_SECONDS

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
    if attempt.worked_lately():
        return attempt
    checked = _under_limit.get(attempt.ip)
    if (
        checked is not None
        and time.monotonic() - checked[0] < UNDER_LIMIT_MEMO_SECONDS
        and checked[1] == window(settings.AUTH_FAILURE_RATE_LIMIT, time.time())[2]
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
    if attempt.worked_lately():
        return attempt
    now = time.time()
    limit, _, number, retry_after = window(settings.AUTH_FAILURE_RATE_LIMIT, now)
    blocked = _over_limit.get(attempt.ip)
    if blocked is None or blocked[0] <= now or blocked[1] != number:
        blocked = _look_up(attempt.ip, limit, number, retry_after, now)
    if blocked is not None and attempt.fingerprint not in blocked[2]:
        raise auth_rate_limited(retry_after)
    return attempt


def _look_up(
    ip: str, limit: int, number: int, retry_after: int, now: float
) -> tuple[float, int, frozenset[str]] | None:
    """(until, window number, values that worked lately) if `ip` is over the limit now in the
    window `number`, else None."""
    counter = f"rl:authfail:{ip}:{number}"
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
        _under_limit[ip] = (time.monotonic(), number)
        return None
    if len(_over_limit) > 10_000:
        _over_limit.clear()
    blocked = (now + retry_after, number, frozenset(known or ()))
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
