"""Log lines as an operator reads them: the pools run as README "Deploying" runs them (gunicorn
with deploy/gunicorn.conf.py) write one JSON object per line, gunicorn's and uvicorn's own lines
and the access lines included, each request's with its request id; and nothing that proves an
identity (API secret, device credential, password, TOTP seed or code, session) or a feed cursor
ever reaches them. In the process, a line logged while a request is handled carries its
tenant's id once the tenant is known, and only until the request ends."""

from __future__ import annotations

import json
import logging
import re
import sys
import time

import httpx
import pyotp
import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.contrib.sessions.backends.db import SessionStore

from cybergate.api import VersionView
from tests.factories import PASSWORD, make_admin, make_api_secret, make_device, make_tenant
from tests.gateway.servers import base_environment, database_url, start_gunicorn, start_server
from tests.helpers import bearer, bearer_client
from tests.security.log_lines import FormattedLines, _configured_handler

PROBES = {"/healthz", "/readyz"}


@pytest.fixture(scope="module")
def _no_server_sessions_left(django_db_setup, django_db_blocker):
    """The servers' PostgreSQL sessions end a moment after their processes: end them now, or
    the test database cannot be dropped."""
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def form(client: httpx.Client, url: str, data: dict) -> httpx.Response:
    """A portal form posted as a browser does: with the CSRF cookie's token."""
    page = client.get(url)
    assert page.status_code == 200, page.text[:2000]
    return client.post(url, data={**data, "csrfmiddlewaretoken": client.cookies["csrftoken"]})


def drive_flows(web: str, gateway: str, tenant) -> list[str]:
    """Requests that carry secrets, against the real servers; returns the secret strings."""
    _, secret = make_api_secret(tenant)
    _, credential = make_device(tenant, "Front door")
    wrong_secret = secret[:-6] + ("AAAAAA" if not secret.endswith("AAAAAA") else "BBBBBB")
    assert httpx.get(f"{web}/api/v1/version", headers=bearer(secret)).status_code == 200
    assert httpx.get(f"{web}/api/v1/version", headers=bearer(wrong_secret)).status_code == 401

    for url in (web, gateway):
        polled = httpx.get(
            f"{url}/device-api/v1/commands", params={"wait": 0}, headers=bearer(credential)
        )
        assert polled.status_code == 200, polled.text

    cursors = []
    for feed in ("/api/v1/call-log", "/api/v1/audit-trail"):
        cursor = httpx.get(f"{web}{feed}", headers=bearer(secret)).json()["cursor"]
        after = httpx.get(f"{web}{feed}", params={"after": cursor}, headers=bearer(secret))
        assert after.status_code == 200, after.text
        acked = httpx.post(f"{web}{feed}/ack", json={"cursor": cursor}, headers=bearer(secret))
        assert acked.status_code == 200, acked.text
        cursors += [cursor, after.json()["cursor"]]

    admin = make_admin(tenant, "alice@acme.example")
    # Hashed as the servers hash (the suite's settings use a fast hasher they do not know).
    admin.password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    admin.save(update_fields=["password"])
    wrong_password = "not the right horse 4711"
    with httpx.Client(base_url=web) as browser:
        failed = form(
            browser, "/accounts/login/", {"login": admin.email, "password": wrong_password}
        )
        assert failed.status_code == 200  # the form again, with its error
        signed_in = form(browser, "/accounts/login/", {"login": admin.email, "password": PASSWORD})
        assert signed_in.status_code == 302, signed_in.text[:2000]
        page = browser.get("/accounts/2fa/totp/activate/")
        assert page.status_code == 200, page.headers.get("Location")
        seed = SessionStore(session_key=browser.cookies["sessionid"])["mfa.totp.secret"]
        code = pyotp.TOTP(seed).now()
        data = {"code": code, "csrfmiddlewaretoken": browser.cookies["csrftoken"]}
        enrolled = browser.post("/accounts/2fa/totp/activate/", data=data)
        assert enrolled.status_code == 302, enrolled.text[:2000]
        session = browser.cookies["sessionid"]
    return [secret, wrong_secret, credential, *cursors, PASSWORD, wrong_password, seed, session,
            code]  # fmt: skip


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_pools_lines_are_json_with_request_ids_and_no_secrets(_no_server_sessions_left):
    tenant = make_tenant("Acme")
    env = base_environment(DATABASE_URL=database_url(settings.DATABASES["default"]))
    web = start_gunicorn(env, "web")
    gateway = start_gunicorn(env, "gateway")
    try:
        secrets = drive_flows(web.url, gateway.url, tenant)
    finally:
        web.stop()
        gateway.stop()

    for server, pool in ((web, "web"), (gateway, "gateway")):
        output = server.output()
        lines = [json.loads(line) for line in output.splitlines()]  # each one JSON object
        assert all(isinstance(line, dict) and line.get("event") for line in lines), output
        assert any(line["logger"] == "gunicorn.error" for line in lines)  # gunicorn's own
        requests = [line for line in lines if line["logger"] == "gunicorn.access"]
        paths = {line["path"] for line in requests}
        assert "/device-api/v1/commands" in paths, output
        for line in requests:
            assert line["event"] == "request"
            assert {"method", "path", "status", "duration", "remote_addr"} <= line.keys()
            assert "?" not in line["path"]
            if line["path"] not in PROBES:  # the probes answer without a request id
                assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"]), line
        for secret in secrets[:-1]:
            assert secret not in output, (pool, secret)
        assert not re.search(rf"(?<![\d.]){secrets[-1]}(?!\d)", output), pool  # the TOTP code

    paths = {json.loads(line).get("path") for line in web.output().splitlines()}
    assert {"/api/v1/version", "/api/v1/call-log", "/api/v1/audit-trail/ack"} <= paths
    assert {"/accounts/login/", "/accounts/2fa/totp/activate/"} <= paths


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_runservers_lines_are_json_without_the_query_string(_no_server_sessions_left):
    """`make run` serves with runserver, whose access lines Django writes as plain text."""
    tenant = make_tenant("Acme")
    _, secret = make_api_secret(tenant)
    env = base_environment(DATABASE_URL=database_url(settings.DATABASES["default"]))
    server = start_server(
        env, lambda port: [sys.executable, "manage.py", "runserver", "--noreload", str(port)]
    )
    try:
        cursor = httpx.get(f"{server.url}/api/v1/call-log", headers=bearer(secret)).json()["cursor"]
        after = httpx.get(
            f"{server.url}/api/v1/call-log", params={"after": cursor}, headers=bearer(secret)
        )
        assert after.status_code == 200, after.text
        # runserver writes a request's line after its answer: wait for it before stopping.
        deadline = time.monotonic() + 10
        while server.output().count('"/api/v1/call-log"') < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.stop()

    output = server.output()
    # Its banner is the command's own output (stdout), not log lines.
    printed, logged = [], []
    for line in output.splitlines():
        (logged if line.startswith("{") else printed).append(line)
    assert any(line.startswith("Starting development server at") for line in printed), output
    assert not [line for line in printed if "GET" in line or "HTTP" in line], output
    lines = [json.loads(line) for line in logged]
    requests = [line for line in lines if line["logger"] == "django.server"]
    assert [(r["method"], r["path"], r["status"]) for r in requests[-2:]] == [
        ("GET", "/api/v1/call-log", 200)
    ] * 2
    assert cursor not in output
    assert secret not in output


@pytest.fixture
def lines():
    handler = FormattedLines(_configured_handler())
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def test_a_line_in_a_request_has_its_tenant_until_the_request_ends(lines, monkeypatch, tenant):
    other = make_tenant("Globex")

    def broken(self, request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(VersionView, "get", broken)
    for owner in (tenant, other):  # the same thread: the second request has its own tenant
        client = bearer_client(make_api_secret(owner)[1], raise_request_exception=False)
        assert client.get("/api/v1/version").status_code == 500
    logging.getLogger("cybergate").warning("after the requests")
    # A stranger's wrong secret: its refusal names no tenant.
    assert bearer_client("cgs_not-a-secret").get("/api/v1/version").status_code == 401

    events = lines.events()
    errors = [e for e in events if e["event"].startswith("Unhandled error in GET /api/v1/version")]
    assert [e["tenant_id"] for e in errors] == [str(tenant.id), str(other.id)]
    assert all(e["request_id"] != "-" for e in errors)
    (after,) = [e for e in events if e["event"] == "after the requests"]
    assert "tenant_id" not in after
    (refused,) = [e for e in events if e["event"] == "auth_failed"]
    assert "tenant_id" not in refused
