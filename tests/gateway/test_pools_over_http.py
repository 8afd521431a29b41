"""Both production pools over real HTTP (README "Deploying"): gunicorn gthread (WSGI, the web
pool) and gunicorn with uvicorn workers (ASGI, the gateway pool).

- A long-poll misrouted to the web pool answers at once (as `wait=0`, with `X-Long-Poll`), also
  through a percent-encoded path, so a few devices cannot take the portal's threads.
- A percent-encoded path is the path it decodes to, on both pools.
- The client address is decided by TRUSTED_PROXIES alone: a spoofed X-Forwarded-For from an
  untrusted peer is ignored by both pools (uvicorn's own handling is off), and a trusted proxy's
  is honoured, for the failed-authentication limit and the recorded address alike.

Each test talks from its own loopback address (127.0.0.x), so the servers' per-address limits
do not carry over from one test to the next.
"""

from __future__ import annotations

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import count

import pytest
from django.conf import settings

from apisecrets.models import ApiSecret
from cybergate.lib import tokens
from gateway.longpoll import LONG_POLL_HEADER, LONG_POLL_UNSUPPORTED
from gateway.management.commands._device_client import DeviceClient
from tests.factories import make_api_secret, make_device
from tests.gateway.servers import base_environment, database_url, start_gunicorn
from tests.helpers import bearer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PROXY = "127.0.0.2"  # the load balancer, for the servers started with TRUSTED_PROXIES
INVALID = {"web": "invalid_secret", "gateway": "invalid_credentials"}
_sources = count(10)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    def code(self) -> str | None:
        return json.loads(self.body).get("code") if self.body.startswith(b"{") else None


def call(url: str, path: str, *, source: str, token: str = "", forwarded: str = "") -> Answer:
    """GET `path` exactly as written (no client-side normalisation), from `source`."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60, source_address=(source, 0))
    headers = {}
    if token:
        headers.update(bearer(token))
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    started = time.monotonic()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return Answer(response.status, response.headers, body, time.monotonic() - started)


@pytest.fixture
def source() -> str:
    """A loopback address of this test's own."""
    return f"127.0.0.{next(_sources)}"


def _servers(**variables: str):
    env = base_environment(
        DATABASE_URL=database_url(settings.DATABASES["default"]),
        AUTH_FAILURE_RATE_LIMIT="3/min",
        **variables,
    )
    # Few threads, as in the report: 1 worker with 2 threads for the web pool.
    return {
        "web": start_gunicorn(env, "web", workers=1, threads=2),
        "gateway": start_gunicorn(env, "gateway", workers=1),
    }


@pytest.fixture(scope="module")
def pools(django_db_setup):
    started = _servers()
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture(scope="module")
def pools_behind_proxy(django_db_setup):
    started = _servers(TRUSTED_PROXIES=f"{PROXY}/32")
    yield started
    for server in started.values():
        server.stop()


# --- Long-polls sent to the web pool -------------------------------------------------------------


def test_long_polls_sent_to_the_web_pool_answer_at_once_and_the_portal_stays_fast(
    tenant, pools, source
):
    web = pools["web"].url
    _, credential = make_device(tenant, "Misrouted")
    paths = ["/device-api/v1/commands?wait=20", "/%64evice-api/v1/commands?wait=20"] * 4
    with ThreadPoolExecutor(len(paths) + 1) as pool:
        polls = [pool.submit(call, web, p, source=source, token=credential) for p in paths]
        time.sleep(0.2)  # the polls are in (before the fix they held both threads for 20 s)
        health = call(web, "/healthz", source=source)
        answers = [p.result(timeout=90) for p in polls]

    assert health.status == 200
    assert health.seconds < 3
    for answer in answers:
        assert answer.status == 200, answer.body
        assert json.loads(answer.body) == {"commands": []}
        assert answer.headers[LONG_POLL_HEADER] == LONG_POLL_UNSUPPORTED
        assert answer.seconds < 5


def test_the_device_simulator_pauses_between_polls_the_web_pool_does_not_hold(tenant, pools):
    """A device told `X-Long-Poll: unsupported` does not spin (e.g. `make run`'s runserver)."""
    _, credential = make_device(tenant, "Simulated")
    client = DeviceClient(pools["web"].url, credential)
    try:
        started = time.monotonic()
        assert client.poll(20) == []
        assert 0.4 <= time.monotonic() - started < 5
    finally:
        client.close()


def test_in_process_a_wsgi_poll_never_waits_and_an_asgi_poll_does(gateway):
    started = time.monotonic()
    response = gateway.client.get("/device-api/v1/commands?wait=20")  # Django's WSGI handler
    assert response.status_code == 200
    assert response[LONG_POLL_HEADER] == LONG_POLL_UNSUPPORTED
    assert time.monotonic() - started < 5

    started = time.monotonic()
    response = gateway.poll(wait=0.5)  # Django's ASGI handler
    assert response.status_code == 200
    assert LONG_POLL_HEADER not in response
    assert time.monotonic() - started >= 0.45


def test_the_gateway_pool_holds_a_long_poll_also_through_a_percent_encoded_path(
    tenant, pools, source
):
    _, credential = make_device(tenant, "Routed right")
    answer = call(
        pools["gateway"].url, "/%64evice-api/v1/commands?wait=1", source=source, token=credential
    )
    assert answer.status == 200, answer.body
    assert answer.seconds >= 0.9
    assert LONG_POLL_HEADER not in answer.headers


@pytest.mark.parametrize("pool", ["web", "gateway"])
def test_a_percent_encoded_path_is_the_path_it_decodes_to(tenant, pools, pool, source):
    """/%61pi/ is /api/ everywhere: routing, error format, and the middleware that steps aside
    for the API (no session cookie, no Vary: Cookie)."""
    url = pools[pool].url
    _, secret = make_api_secret(tenant)
    for plain, encoded in [
        ("/api/v1/version", "/%61pi/v1/version"),
        ("/api/v1/nothing-here", "/%61pi/v1/nothing-here"),
        ("/device-api/v1/nothing-here", "/%64evice-api/v1/nothing-here"),
    ]:
        for token in ("", secret):
            a = call(url, plain, source=source, token=token)
            b = call(url, encoded, source=source, token=token)
            assert (a.status, a.code()) == (b.status, b.code()), encoded
            for header in ("Content-Type", "Vary", "Set-Cookie", "WWW-Authenticate"):
                assert a.headers[header] == b.headers[header], (encoded, header)
            if plain.startswith("/api/"):  # the portal's session middleware stepped aside
                assert "Cookie" not in (b.headers["Vary"] or ""), encoded
    assert call(url, "/%61pi/v1/version", source=source, token=secret).status == 200
    assert call(url, "/%61pi/v1/version", source=source).code() == "missing_credentials"


# --- The client address ------------------------------------------------------------------------


def _last_used_ip(url: str, tenant, *, source: str, forwarded: str) -> str | None:
    secret, value = make_api_secret(tenant, name=f"s{next(_sources)}")
    assert (
        call(url, "/api/v1/version", source=source, token=value, forwarded=forwarded).status == 200
    )
    return ApiSecret.objects.get(pk=secret.pk).last_used_ip


def _failures(url: str, pool: str, *, source: str, forwarded) -> list[str | None]:
    """Codes of four failed authentications, each with the X-Forwarded-For `forwarded(i)`."""
    if pool == "web":
        path, bad = "/api/v1/version", tokens.generate(tokens.API_SECRET_PREFIX)
    else:
        path, bad = "/device-api/v1/commands", tokens.generate(tokens.DEVICE_CREDENTIAL_PREFIX)
    return [
        call(url, path, source=source, token=bad, forwarded=forwarded(i)).code() for i in range(4)
    ]


@pytest.mark.parametrize("pool", ["web", "gateway"])
def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(tenant, pools, pool):
    # From 127.0.0.1, which uvicorn's own forwarding would trust by default. (The only test that
    # fails authentication from 127.0.0.1 on these servers.)
    url, source = pools[pool].url, "127.0.0.1"
    assert _last_used_ip(url, tenant, source=source, forwarded="198.51.100.77") == source
    # A new made-up address per attempt does not buy new attempts.
    codes = _failures(url, pool, source=source, forwarded=lambda i: f"198.51.100.{i}")
    assert codes == [INVALID[pool]] * 3 + ["auth_rate_limited"]


@pytest.mark.parametrize("pool", ["web", "gateway"])
def test_a_trusted_proxys_forwarded_for_is_honoured(tenant, pools_behind_proxy, pool, source):
    url = pools_behind_proxy[pool].url
    client = f"203.0.113.{next(_sources)}"
    # The right-most address the proxy appended, never what the client wrote left of it.
    assert _last_used_ip(url, tenant, source=PROXY, forwarded=f"10.9.9.9, {client}") == client
    # The limit is per client behind the proxy, not per proxy.
    codes = _failures(url, pool, source=PROXY, forwarded=lambda i: client)
    assert codes == [INVALID[pool]] * 3 + ["auth_rate_limited"]
    other = f"203.0.113.{next(_sources)}"
    assert _failures(url, pool, source=PROXY, forwarded=lambda i: other)[0] == INVALID[pool]
    # A peer that is not the proxy cannot speak for anyone, on a server that trusts a proxy.
    assert _last_used_ip(url, tenant, source=source, forwarded=client) == source
