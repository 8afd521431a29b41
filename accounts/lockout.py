"""Lockout after failed sign-ins: when the next attempt is allowed, one audit entry per lockout,
and a flag in the cache that refuses further attempts at the door (SignInLockoutMiddleware).

allauth's counters take a cache lock per attempt; under a flood from one address those locks
queue the attempts (each holding a server thread) and slow every other request. Once a limit has
tripped, a single cache read answers the rest until it lifts, and each process remembers it:
the flood's further attempts cost no cache round trip at all.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.core.cache import cache
from django.http import HttpRequest

from accounts.allauth_internals import rate_limit_windows
from audit.models import AuditEntry
from audit.services import Actor, record
from cybergate.lib import metrics
from cybergate.lib.clientinfo import client_ip, limit_key
from cybergate.lib.security import login_name, security_log
from tenants.models import User

APP = "allauth.account"
ACTION = "login_failed"


def seconds_until_allowed(request: HttpRequest, *, key: str) -> dict[str, float]:
    """Per tripped limit ("ip" or "key"): seconds until it lets an attempt through again."""
    now = time.time()
    waits: dict[str, float] = {}
    for rate, cache_key in rate_limit_windows(request, app=APP, action=ACTION, key=key):
        history = [ts for ts in cache.get(cache_key, []) if ts > now - rate.duration]
        if len(history) >= rate.amount:
            # Newest first: the attempt `amount` places back must age out of the window.
            wait = history[rate.amount - 1] + rate.duration - now
            waits[rate.per] = max(waits.get(rate.per, 0.0), wait)
    return waits


def _flag_keys(request: HttpRequest, *, email: str) -> dict[str, str]:
    # The address as the limits count it: an IPv6 client is its /64 (clientinfo.limit_key).
    ip = limit_key(client_ip(request))
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return {"ip": f"cybergate:signin-locked:ip:{ip}", "key": f"cybergate:signin-locked:{digest}"}


def lock(request: HttpRequest, *, email: str, waits: dict[str, float]) -> None:
    keys = _flag_keys(request, email=email)
    now = time.time()
    cache.set_many(
        {keys[per]: now + wait for per, wait in waits.items() if wait > 0},
        timeout=math.ceil(max(waits.values(), default=1)),
    )


# Lockouts this process has seen, flag key -> until when: while one lasts, a refusal costs no
# cache round trip either. A lockout only ever ends by running out (nothing lifts one early), so
# what was read stays true until then; a longer lockout set meanwhile is read once this one ends.
_seen_until: dict[str, float] = {}


def reset_for_tests() -> None:
    """Drop this process's memory of lockouts (tests clear the cache between them)."""
    _seen_until.clear()


def locked_for(request: HttpRequest, *, email: str) -> float:
    """Seconds this address or this account is still locked out (0 when it is not)."""
    keys = list(_flag_keys(request, email=email).values())
    now = time.time()
    until = max((_seen_until.get(key, 0.0) for key in keys), default=0.0)
    if until > now:
        return until - now
    found = cache.get_many(keys)
    for key, value in found.items():
        if value > now:
            if len(_seen_until) > 10_000:  # a flood of made-up addresses: start over
                _seen_until.clear()
            _seen_until[key] = value
    return max(0.0, max(found.values(), default=0) - now)


def message(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        f"Too many failed sign-in attempts. Try again in {minutes} "
        f"minute{'s' if minutes != 1 else ''}."
    )


def record_once(request: HttpRequest, *, email: str, retry_in: float) -> None:
    ip = client_ip(request)  # the full address in the audit entry and the log
    once = f"cybergate:locked-out:{email.lower()}:{limit_key(ip)}"
    if not cache.add(once, 1, timeout=max(1, retry_in)):
        return
    metrics.sign_in_lockouts.inc()
    user = User.objects.filter(email__iexact=email).select_related("tenant").first()
    actor = Actor.for_user(user) if user else Actor(AuditEntry.ActorType.USER, email[:300])
    security_log.warning(
        "user.locked_out",
        reason="too_many_login_attempts",
        user=login_name(email),
        client_ip=ip,
        retry_in_seconds=round(retry_in),
    )
    record(
        tenant=user.tenant if user else None,
        actor=actor,
        action="user.locked_out",
        target=email,
        details={"retry_in_seconds": round(retry_in)},
        ip=ip,
    )
