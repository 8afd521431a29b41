"""Overload is refused, never a collapse: a gateway process holds at most GATEWAY_MAX_WAITING
long-polls; past it a new poll is answered at once with 503 `gateway_busy` and Retry-After, the
polls already waiting still get their door-open, and /readyz reports the count and turns
not-ready near the limit. Over real HTTP, on the gateway pool as README "Deploying" runs it.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.conf import settings

from tests.factories import make_api_secret, make_call_group, make_device, make_teams_user
from tests.gateway.servers import base_environment, database_url, start_gunicorn
from tests.helpers import assert_problem, bearer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LIMIT = 3


@pytest.fixture(scope="module")
def gateway(django_db_setup):
    env = base_environment(
        DATABASE_URL=database_url(settings.DATABASES["default"]),
        GATEWAY_MAX_WAITING=str(LIMIT),
        GATEWAY_LOOP_PROBE="true",
    )
    server = start_gunicorn(env, "gateway", workers=1)
    yield server
    server.stop()


def poll(url: str, credential: str, wait: float) -> httpx.Response:
    return httpx.get(
        f"{url}/device-api/v1/commands",
        params={"wait": wait},
        headers=bearer(credential),
        timeout=wait + 15,
    )


def readyz(url: str) -> httpx.Response:
    return httpx.get(f"{url}/readyz", timeout=15)


def wait_until(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_past_the_limit_a_poll_is_refused_and_the_waiting_ones_still_get_their_door_open(
    tenant, gateway
):
    url = gateway.url
    anna = make_teams_user(tenant, "anna@acme.example")
    group = make_call_group(tenant, "Reception", anna)
    front, front_credential = make_device(tenant, "Front door")
    others = [make_device(tenant, f"Door {n}")[1] for n in range(LIMIT)]
    _, api_secret = make_api_secret(tenant)

    call = httpx.post(
        f"{url}/device-api/v1/calls",
        json={"caller": "sip:visitor@street", "call_group": str(group.id)},
        headers=bearer(front_credential),
    )
    assert call.status_code == 201, call.text
    answered = httpx.post(
        f"{url}/device-api/v1/calls/{call.json()['id']}/events",
        json={"type": "answered", "user": "anna@acme.example"},
        headers=bearer(front_credential),
    )
    assert answered.status_code == 200, answered.text

    idle = readyz(url).json()
    # The event-loop probe (GATEWAY_LOOP_PROBE) reports the longest stall it saw.
    assert idle.pop("loop_stall_max_ms") >= 0
    assert idle == {"status": "ok", "database": "ok", "waiting": 0, "waiting_limit": LIMIT}

    with ThreadPoolExecutor(LIMIT) as pool:
        waiting = [pool.submit(poll, url, front_credential, 20)]
        waiting += [pool.submit(poll, url, credential, 8) for credential in others[: LIMIT - 1]]
        wait_until(lambda: readyz(url).json()["waiting"] == LIMIT, 15, "the polls to wait")

        full = readyz(url)
        assert full.status_code == 503
        assert full.json() | {"loop_stall_max_ms": 0} == {
            "loop_stall_max_ms": 0,
            "status": "busy",
            "database": "ok",
            "waiting": LIMIT,
            "waiting_limit": LIMIT,
        }

        started = time.monotonic()
        refused = poll(url, others[-1], 20)
        assert time.monotonic() - started < 5  # at once, not after the 20 s
        assert_problem(refused, 503, "gateway_busy")
        assert 5 <= int(refused.headers["Retry-After"]) <= 15
        assert refused.headers["X-Request-Id"]

        # A poll that does not wait is never refused: it holds nothing.
        quick = poll(url, others[-1], 0)
        assert quick.status_code == 200, quick.text
        assert quick.json() == {"commands": []}

        opened = httpx.post(
            f"{url}/api/v1/active-calls/anna@acme.example/door-open", headers=bearer(api_secret)
        )
        assert opened.status_code == 202, opened.text
        delivered = waiting[0].result(timeout=30)
        assert delivered.status_code == 200, delivered.text
        assert [c["id"] for c in delivered.json()["commands"]] == [opened.json()["id"]]

        # Below the ready fraction again: ready, and a new poll is held.
        wait_until(lambda: readyz(url).status_code == 200, 15, "readiness to return")
        assert readyz(url).json()["waiting"] == LIMIT - 1
        admitted = poll(url, others[-1], 0.5)
        assert admitted.status_code == 200, admitted.text
        for other in waiting[1:]:
            answer = other.result(timeout=30)
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"commands": []}
    assert readyz(url).json()["waiting"] == 0
