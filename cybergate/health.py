"""Load-balancer probes: liveness without the database, readiness with it (and Redis).

Readiness answers 503 only when this process cannot serve: the database is unreachable. Without
Redis the app keeps working (rate limits and caches fall back, door-opens reach devices through
the database safety poll), so a Redis outage is `degraded` with 200: taking every server out of
the load balancer for a cache outage would turn it into a full one.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        checks["database"] = "unavailable"
    if settings.REDIS_URL:
        try:
            cache.set("readyz", "1", timeout=5)
            checks["redis"] = "ok" if cache.get("readyz") == "1" else "unavailable"
        except Exception:  # noqa: BLE001
            checks["redis"] = "unavailable"
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif any(value != "ok" for value in checks.values()):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, **checks}, status=code)
