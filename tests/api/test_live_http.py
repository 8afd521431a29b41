"""The API over real HTTP: a live server thread, and (PostgreSQL) separate gunicorn processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from apisecrets.models import ApiSecret
from apisecrets.services import api_secret_delete
from audit.services import Actor
from cybergate.lib import tokens
from devices.services import door_open_request
from tenants.models import Tenant
from tests.conftest import needs
from tests.factories import make_api_secret, make_world, start_answered_call
from tests.helpers import assert_problem, bearer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live_secret(transactional_db, tenant):
    return make_api_secret(tenant)


def test_live_authentication_codes(live_server, tenant, live_secret):
    secret, value = live_secret
    url = f"{live_server.url}/api/v1/version"
    cases = [
        ({}, 401, "missing_credentials"),
        ({"Authorization": "Basic eDp5"}, 401, "missing_credentials"),
        (bearer(tokens.generate(tokens.API_SECRET_PREFIX)), 401, "invalid_secret"),
    ]
    for headers, status, code in cases:
        assert_problem(httpx.get(url, headers=headers), status, code)
    assert httpx.get(url, headers=bearer(value)).status_code == 200

    expired, expired_value = make_api_secret(tenant, name="expired")
    ApiSecret.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    response = httpx.get(url, headers=bearer(expired_value))
    assert (response.status_code, response.json()["code"]) == (401, "expired_secret")

    Tenant.objects.filter(pk=tenant.pk).update(api_access_enabled=False)
    time.sleep(0.6)
    response = httpx.get(url, headers=bearer(value))
    assert (response.status_code, response.json()["code"]) == (403, "api_access_disabled")


def test_live_smoke_of_every_endpoint(live_server, tenant, live_secret):
    world = make_world(tenant)
    start_answered_call(world["front"], world["reception"], world["anna"])
    command = door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=Actor.system()
    )
    group, anna = world["reception"], world["anna"]
    with httpx.Client(base_url=live_server.url, headers=bearer(live_secret[1])) as client:
        assert client.get("/api/v1/version").json()["api_version"] == "1.0"
        assert client.get("/api/v1/tenant").json()["name"] == "Acme"
        assert len(client.get("/api/v1/call-groups").json()["results"]) == 2
        assert client.get(f"/api/v1/call-groups/{group.id}").json()["name"] == "reception"
        response = client.put(
            f"/api/v1/call-groups/{group.id}/members/{anna.upn}/availability",
            json={"availability": "unavailable"},
        )
        assert response.json()["availability"] == "unavailable"
        assert client.get(f"/api/v1/active-calls/{anna.upn}").json()["in_active_call"] is True
        response = client.post(f"/api/v1/active-calls/{anna.upn}/door-open")
        assert response.status_code == 202
        assert client.get(f"/api/v1/door-open-commands/{command.id}").json()["status"] == "queued"
        assert client.get("/api/v1/call-log").json()["entries"] == []
        actions = [e["action"] for e in client.get("/api/v1/audit-trail").json()["entries"]]
        assert actions[-2:] == ["call_group.availability_changed", "door.open_requested"]
        response = client.get("/api/v1/missing")
        assert_problem(response, 404)
        assert client.get("/api/schema/").status_code == 200
        assert client.get("/api/docs/").status_code == 200


def _first_rejection_after(url: str, value: str, changed_at: float, limit: float = 2.5) -> float:
    """Poll (new connection each time) until rejected; return seconds since `changed_at`."""
    while time.monotonic() - changed_at < limit:
        response = httpx.get(url, headers=bearer(value))
        if response.status_code != 200:
            return time.monotonic() - changed_at
        time.sleep(0.02)
    return float("inf")


def test_live_deletion_elsewhere_holds_within_one_second(live_server, live_secret):
    secret, value = live_secret
    url = f"{live_server.url}/api/v1/version"
    assert httpx.get(url, headers=bearer(value)).status_code == 200  # cached by the server
    ApiSecret.objects.filter(pk=secret.pk).delete()  # "another process": no forget_secret
    assert _first_rejection_after(url, value, time.monotonic()) < 1.0


# --- Separate processes (gunicorn, 2 workers) ------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn_url(transactional_db):
    """gunicorn with 2 worker processes on this test database (PostgreSQL only)."""
    needs(
        connection.vendor == "postgresql",
        "separate processes cannot share SQLite's in-memory test database",
    )
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    # The test hammers a revoked secret: its 401s must not trip the per-IP failure limit.
    env.update(DEBUG="false", ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL="WARNING", CONN_MAX_AGE="0")
    env["AUTH_FAILURE_RATE_LIMIT"] = "100000/min"
    env.pop("REDIS_URL", None)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cybergate.wsgi:application", "-w", "2",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--no-control-socket"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _prime(url: str, value: str) -> None:
    """Enough requests on new connections that both workers have the secret cached."""
    for _ in range(20):
        assert httpx.get(url, headers=bearer(value)).status_code == 200


def _last_success_after(url: str, value: str, changed_at: float, window: float = 1.5) -> float:
    """Hammer for `window` seconds on new connections; seconds from change to the last 200."""
    last_ok = 0.0
    while time.monotonic() - changed_at < window:
        if httpx.get(url, headers=bearer(value)).status_code == 200:
            last_ok = time.monotonic() - changed_at
    return last_ok


def test_deletion_holds_within_one_second_on_every_process(gunicorn_url, live_secret):
    secret, value = live_secret
    url = f"{gunicorn_url}/api/v1/version"
    _prime(url, value)
    api_secret_delete(secret=secret, actor=Actor.system())  # in this (third) process
    changed_at = time.monotonic()
    assert _last_success_after(url, value, changed_at) < 1.0
    response = httpx.get(url, headers=bearer(value))
    assert (response.status_code, response.json()["code"]) == (401, "invalid_secret")


def test_disable_holds_within_one_second_on_every_process(gunicorn_url, tenant, live_secret):
    url = f"{gunicorn_url}/api/v1/version"
    _prime(url, live_secret[1])
    Tenant.objects.filter(pk=tenant.pk).update(api_access_enabled=False)
    changed_at = time.monotonic()
    assert _last_success_after(url, live_secret[1], changed_at) < 1.0
    assert httpx.get(url, headers=bearer(live_secret[1])).status_code == 403
