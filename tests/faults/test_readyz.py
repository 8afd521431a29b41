"""/readyz in-process: Redis unreachable is `degraded` (200), not a reason to leave the pool.

The stop-and-restart version, against real server processes, is in test_outages.py.
"""

from __future__ import annotations

import pytest

from tests.gateway.servers import free_port


@pytest.fixture
def unreachable_redis(settings):
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    return url


@pytest.mark.django_db
def test_readyz_is_ok_with_everything_up(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_readyz_is_degraded_when_redis_is_unreachable(client, unreachable_redis):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "redis": "unavailable"}
    assert "no-cache" in response["Cache-Control"]
