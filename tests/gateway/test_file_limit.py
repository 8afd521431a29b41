"""A gateway process never holds more waiting polls than its open-file limit allows: past
GATEWAY_MAX_WAITING or the soft RLIMIT_NOFILE minus gateway.capacity.FILE_MARGIN, whichever is
lower, a poll gets 503 `gateway_busy` and its connection is closed, so the descriptors never run
out and no connection is reset. Over real HTTP, a real gateway process started with a low limit.
"""

from __future__ import annotations

import json
import resource
import select
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import httpx
import pytest
from django.conf import settings

from gateway import capacity
from tests.factories import make_device
from tests.gateway.servers import (
    POOLS,
    base_environment,
    database_url,
    gunicorn_command,
    start_server,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SOFT_LIMIT = 320
CAP = SOFT_LIMIT - capacity.FILE_MARGIN  # 64
CONFIGURED = 1000  # GATEWAY_MAX_WAITING, far above what the descriptors allow
EXTRA = 400  # polls past the cap: together with the waiting ones, more than SOFT_LIMIT
PATH = "/device-api/v1/commands?wait=20"


def _with_file_limit(command):
    """The server's command, run under a soft RLIMIT_NOFILE of SOFT_LIMIT."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = (
        "import os, resource, sys; "
        f"resource.setrlimit(resource.RLIMIT_NOFILE, ({SOFT_LIMIT}, {hard})); "
        "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
    )

    def limited(port: int) -> list[str]:
        python, *rest = command(port)
        assert python == sys.executable
        return [sys.executable, "-c", limit, *rest]

    return limited


@pytest.fixture(scope="module")
def gateway(django_db_setup):
    env = base_environment(
        DATABASE_URL=database_url(settings.DATABASES["default"]),
        GATEWAY_MAX_WAITING=str(CONFIGURED),
    )
    app, *options = POOLS["gateway"]
    server = start_server(env, _with_file_limit(gunicorn_command(app, *options, "-w", "1")))
    yield server
    server.stop()


def _send_poll(address: tuple[str, int], credential: str) -> socket.socket:
    sock = socket.create_connection(address, timeout=30)
    sock.sendall(
        f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {credential}\r\n\r\n".encode()
    )
    return sock


def _refused_poll(address: tuple[str, int], credential: str) -> tuple[int, dict, bytes]:
    """A poll past the cap: its whole answer, read until the server closes the connection (a
    connection kept open would keep holding a descriptor). A reset raises."""
    with _send_poll(address, credential) as sock:
        sock.settimeout(15)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
    return int(status_line.split()[1]), headers, body


def _wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_past_the_file_limit_polls_are_refused_never_reset(tenant, gateway):
    url = urlparse(gateway.url)
    address = (url.hostname, url.port)
    credentials = [make_device(tenant, f"Door {n}")[1] for n in range(CAP + 4)]

    assert f"GATEWAY_MAX_WAITING={CONFIGURED} capped to {CAP}" in gateway.output()
    ready = httpx.get(f"{gateway.url}/readyz", timeout=15).json()
    assert (ready["waiting"], ready["waiting_limit"]) == (0, CAP)

    waiting = [_send_poll(address, credential) for credential in credentials[:CAP]]
    try:
        _wait_for(
            lambda: httpx.get(f"{gateway.url}/readyz", timeout=15).json()["waiting"] == CAP,
            30,
            "the polls to wait",
        )
        # More polls than the process has descriptors left, many at once: each is answered
        # 503 gateway_busy on a connection the server then closes.
        spare = credentials[CAP:]
        with ThreadPoolExecutor(32) as pool:
            answers = list(
                pool.map(
                    lambda n: _refused_poll(address, spare[n % len(spare)]),
                    range(EXTRA),
                )
            )
        statuses = [status for status, _, _ in answers]
        assert statuses == [503] * EXTRA, sorted(set(statuses))
        for _status, headers, body in answers:
            assert json.loads(body)["code"] == "gateway_busy"
            assert 5 <= int(headers["retry-after"]) <= 15
            assert headers["connection"] == "close"
        # The waiting polls are still held: neither answered nor dropped.
        readable, _, _ = select.select(waiting, [], [], 0)
        assert readable == []
        assert httpx.get(f"{gateway.url}/readyz", timeout=15).json()["waiting"] == CAP
    finally:
        for sock in waiting:
            sock.close()
    # Their places come free when they go.
    _wait_for(
        lambda: httpx.get(f"{gateway.url}/readyz", timeout=15).json()["waiting"] == 0,
        30,
        "the places to come free",
    )
    assert "out of system resource" not in gateway.output()  # asyncio's EMFILE on accept


def test_the_cap_follows_the_soft_limit_of_this_process():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    capacity._capped.cache_clear()
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1000, hard))
        assert capacity._capped(5000) == 1000 - capacity.FILE_MARGIN
        assert capacity._capped(500) == 500
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        capacity._capped.cache_clear()
