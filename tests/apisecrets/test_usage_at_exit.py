"""A gunicorn worker that stops writes the API secret usage counts it still holds.

A process counts each secret's requests in memory and writes them at most once a minute
(apisecrets/authentication.py); the first requests of a process start that minute and write
nothing. So without the `worker_exit` hook of deploy/gunicorn.conf.py, the requests below would be
lost when the server stops. Both pools, as README "Deploying" runs them: the hook is shared, the
workers (gthread, uvicorn) stop differently.
"""

from __future__ import annotations

import httpx
import pytest
from django.conf import settings

from apisecrets.models import ApiSecretUsage
from tests.factories import make_api_secret
from tests.gateway.servers import base_environment, database_url, start_gunicorn
from tests.helpers import bearer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]  # a real server


@pytest.mark.parametrize("pool", ["web", "gateway"])
def test_a_stopping_worker_writes_the_counts_it_holds(tenant, pool):
    secret, value = make_api_secret(tenant)
    elsewhere, elsewhere_value = make_api_secret(
        tenant, "office", allowed_addresses=["192.0.2.0/24"]
    )
    server = start_gunicorn(
        base_environment(DATABASE_URL=database_url(settings.DATABASES["default"])), pool
    )
    try:
        for _ in range(3):
            answer = httpx.get(f"{server.url}/api/v1/version", headers=bearer(value))
            assert answer.status_code == 200, answer.text
        for _ in range(2):
            answer = httpx.get(f"{server.url}/api/v1/version", headers=bearer(elsewhere_value))
            assert answer.status_code == 403, answer.text
        # Held in the worker's memory: within its first minute nothing is written.
        assert not ApiSecretUsage.objects.exists()
    finally:
        server.stop()  # SIGTERM: gunicorn stops its workers gracefully
    assert server.process.returncode == 0, server.output()

    written = {row.secret_id: (row.count, row.refused) for row in ApiSecretUsage.objects.all()}
    assert written == {secret.pk: (3, 0), elsewhere.pk: (0, 2)}, server.output()
    assert "could not be written" not in server.output()
