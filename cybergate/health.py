"""Load-balancer probes: liveness without the database, readiness with it (and Redis).

Readiness answers 503 only when this process cannot serve: the database is unreachable. Without
Redis the app keeps working (rate limits and caches fall back, door-opens reach devices through
the database safety poll), so a Redis outage is `degraded` with 200: taking every server out of
the load balancer for a cache outage would turn it into a full one.

On the gateway pool (ASGI) it also reports the long-polls this process holds (`waiting`, of
`waiting_limit`) and answers 503 `busy` from READY_FRACTION of the limit on, so a load
balancer sends new devices to other processes before this one starts refusing polls.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gateway import loopprobe

# /readyz of a gateway process answers 503 `busy` from this fraction of GATEWAY_MAX_WAITING on.
READY_FRACTION = 0.9


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # any failure means "not ready"
        checks["database"] = "unavailable"
    if settings.REDIS_URL:
        try:
            cache.set("readyz", "1", timeout=5)
            checks["redis"] = "ok" if cache.get("readyz") == "1" else "unavailable"
        except Exception:
            checks["redis"] = "unavailable"
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif any(value != "ok" for value in checks.values()):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    body: dict = {"status": status, **checks}
    if isinstance(request, ASGIRequest):
        from gateway import capacity, wakeup

        waiting, limit = wakeup.hub.admitted_count(), capacity.max_waiting()
        body |= {"waiting": waiting, "waiting_limit": limit}
        stall = loopprobe.longest_stall_ms()
        if stall is not None:
            body["loop_stall_max_ms"] = stall
        if code == 200 and waiting >= limit * READY_FRACTION:
            body["status"], code = "busy", 503
    response = JsonResponse(body, status=code)
    if body["status"] == "busy":
        # A full gateway is a state, not a server error (Django's own flag).
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response
