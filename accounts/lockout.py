"""Lockout after failed sign-ins: when the next attempt is allowed, and one audit entry per
lockout (not one per refused attempt: a flood must not turn into a flood of writes)."""

from __future__ import annotations

import time

from allauth.core.internal import ratelimit
from django.core.cache import cache
from django.http import HttpRequest

from audit.models import AuditEntry
from audit.services import Actor, record
from cybergate.http import client_ip
from tenants.models import User

APP = "allauth.account"
ACTION = "login_failed"


def seconds_until_allowed(request: HttpRequest, *, key: str) -> float:
    """Seconds until every failed-sign-in limit this attempt falls under lets one through."""
    now = time.time()
    wait = 0.0
    for rate in ratelimit.get_rates(app=APP, action=ACTION):
        cache_key = ratelimit.get_cache_key(request, app=APP, action=ACTION, rate=rate, key=key)
        history = [ts for ts in cache.get(cache_key, []) if ts > now - rate.duration]
        if len(history) >= rate.amount:
            # Newest first: the attempt `amount` places back must age out of the window.
            wait = max(wait, history[rate.amount - 1] + rate.duration - now)
    return wait


def record_once(request: HttpRequest, *, email: str, retry_in: float) -> None:
    ip = client_ip(request)
    if not cache.add(f"cybergate:locked-out:{email.lower()}:{ip}", 1, timeout=max(1, retry_in)):
        return
    user = User.objects.filter(email__iexact=email).select_related("tenant").first()
    actor = Actor.for_user(user) if user else Actor(AuditEntry.ActorType.USER, email[:300])
    record(
        tenant=user.tenant if user else None,
        actor=actor,
        action="user.locked_out",
        target=email,
        details={"retry_in_seconds": round(retry_in)},
        ip=ip,
    )
