"""A database that accepts connections and never answers (a hung server, a black-holed network
path) costs each request a few seconds, then 503 with Retry-After — not minutes.

The "database" here is a socket that accepts and stays silent: the app servers' connection
attempts hang in PostgreSQL's start-up exchange until DATABASE_CONNECT_TIMEOUT, and requests
waiting for the gateway pool's connections until DATABASE_POOL_TIMEOUT.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db import OperationalError, connection

from cybergate.lib import tokens
from tests.conftest import needs
from tests.gateway.servers import Server, base_environment, start_gunicorn
from tests.helpers import assert_problem, bearer

pytestmark = pytest.mark.slow

CONNECT_TIMEOUT = 2
POOL_TIMEOUT = 2
# What a request may take at most: its timeouts, and a second for a loaded machine.
BOUND = CONNECT_TIMEOUT + POOL_TIMEOUT + 1.5


@pytest.fixture(scope="module")
def silent_database() -> Iterator[str]:
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(accepted)  # read nothing, answer nothing

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"postgres://postgres@127.0.0.1:{listener.getsockname()[1]}/cybergate"
    stop.set()
    thread.join()
    for accepted in held:
        accepted.close()
    listener.close()


@pytest.fixture(scope="module")
def pools(silent_database) -> Iterator[dict[str, Server]]:
    env = base_environment(
        DATABASE_URL=silent_database,
        DATABASE_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
        DATABASE_POOL_TIMEOUT=str(POOL_TIMEOUT),
    )
    web = start_gunicorn(env, "web")
    gateway = start_gunicorn({**env, "DATABASE_POOL_SIZE": "2"}, "gateway")
    yield {"web": web, "gateway": gateway}
    web.stop()
    gateway.stop()


def timed(method: str, url: str, **kwargs) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.request(method, url, timeout=60, **kwargs)
    return response, time.monotonic() - started


def test_requests_answer_503_within_the_timeouts(pools):
    web, gateway = pools["web"].url, pools["gateway"].url
    secret = bearer(tokens.generate(tokens.API_SECRET_PREFIX))
    device = bearer(tokens.generate(tokens.DEVICE_CREDENTIAL_PREFIX))
    requests = [
        ("GET", f"{web}/api/v1/call-groups", secret),
        ("POST", f"{web}/api/v1/active-calls/anna@acme.example/door-open", secret),
        ("GET", f"{gateway}/device-api/v1/commands", device),
        ("GET", f"{gateway}/device-api/v1/commands", device),  # a second waits for the pool
    ]
    with ThreadPoolExecutor(max_workers=len(requests)) as executor:
        answers = [
            executor.submit(timed, method, url, headers=headers)
            for method, url, headers in requests
        ]
        for (method, url, _), answer in zip(requests, answers, strict=True):
            response, seconds = answer.result()
            assert_problem(response, 503, "service_unavailable")
            assert int(response.headers["Retry-After"]) > 0
            assert seconds < BOUND, (method, url, seconds)


@pytest.mark.parametrize("pool", ["web", "gateway"])
def test_readyz_says_unavailable_within_the_connect_timeout(pools, pool):
    response, seconds = timed("GET", f"{pools[pool].url}/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert seconds < CONNECT_TIMEOUT + 1.5, seconds


@pytest.mark.django_db
def test_a_statement_is_cancelled_after_the_statement_timeout():
    needs(connection.vendor == "postgresql", "statement_timeout is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("5s",)
        with pytest.raises(OperationalError):
            cursor.execute("SELECT pg_sleep(6)")
