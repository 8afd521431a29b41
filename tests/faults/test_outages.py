"""Outages: Redis and PostgreSQL stop and come back under running app servers (see conftest).

- Redis down: the app keeps working, so /readyz stays 200 (`degraded`) and door-opens still
  reach the device; when Redis is back, the gateway resubscribes within about a second and
  wake-ups are immediate again.
- PostgreSQL down: answers are 503 `service_unavailable` with Retry-After (never 500) and
  /readyz is 503; when it is back, the same server processes serve again, long-poll included.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from cybergate.lib import tokens
from tests.faults.conftest import Stack, _wait_until
from tests.helpers import assert_problem, bearer

pytestmark = pytest.mark.slow

ANNA = "anna.berg@demo.example"


def readyz(server) -> httpx.Response:
    return httpx.get(f"{server.url}/readyz", timeout=15)


def workers_booted(server) -> int:
    return server.output().count("Booting worker")


@pytest.fixture
def stack_up(stack: Stack) -> Stack:
    stack.ensure_running()
    return stack


@pytest.fixture
def active_call(stack_up: Stack):
    """Anna answers a call at the main entrance; hung up afterwards (she may take only one)."""
    stack, device = stack_up, bearer(stack_up.device_credential(0))
    group = stack.demo["call_groups"][0]["id"]  # Reception: Anna, Ben, Chloé
    call = httpx.post(
        f"{stack.gateway.url}/device-api/v1/calls",
        json={"caller": "sip:visitor@street", "call_group": group},
        headers=device,
    )
    assert call.status_code == 201, call.text
    call_id = call.json()["id"]
    answered = httpx.post(
        f"{stack.gateway.url}/device-api/v1/calls/{call_id}/events",
        json={"type": "answered", "user": ANNA},
        headers=device,
    )
    assert answered.status_code == 200, answered.text
    yield call_id
    stack.ensure_running()
    httpx.post(
        f"{stack.gateway.url}/device-api/v1/calls/{call_id}/events",
        json={"type": "ended"},
        headers=device,
    )


def deliver(stack: Stack, call_id: str) -> float:
    """A device long-polls the gateway pool, the door opens through the web pool: seconds from
    the API's answer to the device's."""

    def poll() -> tuple[list[dict], float]:
        response = httpx.get(
            f"{stack.gateway.url}/device-api/v1/commands",
            params={"wait": 10},
            headers=bearer(stack.device_credential(0)),
            timeout=20,
        )
        assert response.status_code == 200, response.text
        return response.json()["commands"], time.monotonic()

    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(poll)
        time.sleep(0.3)  # the poll is waiting
        opened = httpx.post(
            f"{stack.web.url}/api/v1/active-calls/{ANNA}/door-open",
            headers=bearer(stack.api_secret),
            timeout=15,
        )
        issued_at = time.monotonic()
        assert opened.status_code == 202, opened.text
        commands, received_at = waiting.result(timeout=30)
    command_id = opened.json()["id"]
    assert [(c["id"], c["call_id"]) for c in commands] == [(command_id, call_id)]
    ack = httpx.post(
        f"{stack.gateway.url}/device-api/v1/commands/{command_id}/ack",
        json={"result": "executed"},
        headers=bearer(stack.device_credential(0)),
    )
    assert ack.status_code == 200, ack.text
    return received_at - issued_at


def subscribers(stack: Stack) -> int:
    return stack.redis.client().pubsub_numsub(stack.channel)[0][1]


def test_a_redis_outage_degrades_but_does_not_stop_the_service(stack_up: Stack, active_call):
    stack = stack_up
    assert deliver(stack, active_call) < 0.5  # warm: the gateway has subscribed
    assert subscribers(stack) >= 1

    stack.redis.stop()
    stopped_at = time.monotonic()

    for server in (stack.web, stack.gateway):
        response = readyz(server)
        assert response.status_code == 200, response.text
        body = response.json()
        if server is stack.gateway:  # the gateway pool also reports its long-polls
            assert body.pop("waiting") >= 0
            assert body.pop("waiting_limit") == 2000
        assert body == {"status": "degraded", "database": "ok", "redis": "unavailable"}
    tenant = httpx.get(f"{stack.web.url}/api/v1/tenant", headers=bearer(stack.api_secret))
    assert tenant.status_code == 200, tenant.text
    # Without pub/sub the gateway polls the database meanwhile: door-opens still arrive.
    assert deliver(stack, active_call) < 2.0, stack.gateway.output()

    # Long enough that a listener backing off exponentially (0.5, 1, 2, 4, 8 s: attempts at
    # 7.5 and 15.5 s) would still be waiting when Redis is back.
    time.sleep(max(0.0, 9.5 - (time.monotonic() - stopped_at)))
    stack.redis.start()
    resubscribed = _wait_until(lambda: subscribers(stack) >= 1, 10, "gateway resubscribed")
    assert resubscribed < 1.5, f"resubscribed {resubscribed:.2f} s after Redis was back"
    assert readyz(stack.web).json()["status"] == "ok"
    latencies = [deliver(stack, active_call) for _ in range(3)]
    # Through pub/sub: milliseconds. The safety poll would take up to 5 s here (conftest).
    assert statistics.median(latencies) < 0.5, latencies


def test_a_postgres_outage_answers_503_and_the_same_processes_recover(stack_up: Stack, active_call):
    stack = stack_up
    booted = {server.url: workers_booted(server) for server in (stack.web, stack.gateway)}
    assert deliver(stack, active_call) < 0.5

    stack.postgres.stop()

    def assert_unavailable(response: httpx.Response) -> None:
        assert_problem(response, 503, "service_unavailable")
        assert int(response.headers["retry-after"]) > 0

    api, gateway = stack.web.url, stack.gateway.url
    secret, device = bearer(stack.api_secret), bearer(stack.device_credential(0))
    fresh_secret = bearer(tokens.generate(tokens.API_SECRET_PREFIX))  # looked up in the database
    session = {"Cookie": "sessionid=" + "x" * 32}
    time.sleep(0.6)  # past the per-process cache of a known secret: authentication asks the db
    requests = [
        ("GET", f"{api}/api/v1/call-groups", secret, None),
        ("POST", f"{api}/api/v1/active-calls/{ANNA}/door-open", secret, None),
        ("GET", f"{api}/api/v1/version", fresh_secret, None),  # at authentication
        ("GET", f"{gateway}/device-api/v1/commands", device, None),
        # A session cookie makes the portal middleware load the session, before any view.
        ("GET", f"{gateway}/device-api/v1/commands", {**device, **session}, None),
        ("GET", f"{api}/device-api/v1/commands", {**device, **session}, None),
        ("POST", f"{gateway}/device-api/v1/calls/{active_call}/events", device, {"type": "ended"}),
    ]
    # At once: the gateway pool's connection pool waits its timeout (10 s) before giving up.
    with ThreadPoolExecutor(max_workers=len(requests) + 2) as pool:
        answers = [
            pool.submit(httpx.request, method, url, headers=headers, json=body, timeout=30)
            for method, url, headers, body in requests
        ]
        probes = [pool.submit(readyz, server) for server in (stack.web, stack.gateway)]
        for answer in answers:
            response = answer.result()
            assert_problem(response, 503, "service_unavailable")
            assert int(response.headers["retry-after"]) > 0
        for probe in probes:
            response = probe.result()
            assert response.status_code == 503
            assert response.json()["status"] == "unavailable"
            assert response.json()["database"] == "unavailable"

    stack.postgres.start()

    for server in (stack.web, stack.gateway):
        _wait_until(lambda s=server: readyz(s).status_code == 200, 30, f"{server.url} ready")
    for _ in range(10):  # every thread's connection: none answers with a dead one
        response = httpx.get(f"{api}/api/v1/call-groups", headers=secret)
        assert response.status_code == 200, response.text
    latencies = [deliver(stack, active_call) for _ in range(3)]
    assert statistics.median(latencies) < 0.5, latencies
    for server in (stack.web, stack.gateway):
        # The same processes: no worker was restarted.
        assert server.process.poll() is None
        assert workers_booted(server) == booted[server.url], server.output()
        # And no request was treated as a bug along the way.
        assert "Internal Server Error" not in server.output()
        assert "Unhandled error" not in server.output()
