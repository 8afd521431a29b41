"""Long-polls of the customer API over real HTTP, on both production pools (README "Deploying"):
`GET /api/v1/call-log?wait=N` (and the audit trail, and a door-open command's outcome) is held
by the gateway pool (ASGI) until something new is written, without a thread per waiting request;
the web pool (WSGI) answers at once and says so. The writes come from this test process, as from
another server: on PostgreSQL the wake-up travels by NOTIFY, on SQLite the waiting poll looks
again every GATEWAY_DB_POLL_SECONDS.
"""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.utils import timezone

from apisecrets.services import api_secret_delete
from audit.services import Actor, record
from devices import services
from devices.models import DoorOpenCommand
from devices.services import call_end, door_open_request
from tests.factories import make_api_secret, make_world, start_answered_call
from tests.gateway.servers import base_environment, database_url, start_gunicorn
from tests.helpers import assert_problem, bearer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CALL_LOG = "/api/v1/call-log"
AUDIT = "/api/v1/audit-trail"


@pytest.fixture(scope="module")
def pools(django_db_setup, worker_id):
    env = base_environment(DATABASE_URL=database_url(settings.DATABASES["default"]))
    if settings.REDIS_URL:
        # The wake-ups this process publishes travel by Redis then: the servers must listen
        # there (pub/sub channels span Redis databases; their caches get one of their own).
        index = 13 + (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
        env["REDIS_URL"] = f"{settings.REDIS_URL.rsplit('/', 1)[0]}/{index}"
    started = {
        "web": start_gunicorn(env, "web", workers=1, threads=2),
        "gateway": start_gunicorn(env, "gateway", workers=1),
    }
    yield started
    for server in started.values():
        server.stop()


def caught_up(url: str, path: str, value: str) -> None:
    """Acknowledge everything there is now, so that the next read waits for something new."""
    with httpx.Client(base_url=url, headers=bearer(value), timeout=10) as client:
        while True:
            page = client.get(path, params={"limit": 500}).json()
            client.post(f"{path}/ack", json={"cursor": page["cursor"]}).raise_for_status()
            if not page["has_more"]:
                return


def timed_get(url: str, path: str, value: str, **params) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.get(f"{url}{path}", params=params, headers=bearer(value), timeout=60)
    return response, time.monotonic() - started


def remaining(response: httpx.Response) -> int:
    """The requests left, from `RateLimit: "default";r=<remaining>;t=<seconds>`."""
    match = re.search(r";r=(\d+)", response.headers["RateLimit"])
    assert match, response.headers["RateLimit"]
    return int(match.group(1))


def test_a_waiting_call_log_read_answers_when_a_call_ends(pools, tenant):
    world = make_world(tenant)
    _, value = make_api_secret(tenant, name="waiter")
    gateway = pools["gateway"].url
    caught_up(gateway, CALL_LOG, value)
    call = start_answered_call(world["front"], world["reception"], world["anna"])
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(timed_get, gateway, CALL_LOG, value, wait=20)
        time.sleep(1.0)
        assert not waiting.done()  # held: nothing new yet
        call_end(call=call)
        response, seconds = waiting.result(timeout=30)
    assert response.status_code == 200, response.text
    assert [e["id"] for e in response.json()["entries"]] != []
    assert response.json()["entries"][0]["caller"] == "sip:visitor@example.org"
    assert 1.0 <= seconds < 5
    assert "X-Long-Poll" not in response.headers


def test_a_waiting_audit_read_answers_on_a_new_entry_not_on_another_tenants(
    pools, tenant, other_tenant
):
    _, value = make_api_secret(tenant, name="waiter")
    gateway = pools["gateway"].url
    caught_up(gateway, AUDIT, value)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(timed_get, gateway, AUDIT, value, wait=20)
        time.sleep(0.5)
        record(tenant=other_tenant, actor=Actor.system(), action="elsewhere")
        time.sleep(1.0)
        assert not waiting.done()  # another tenant's entry does not answer it
        record(tenant=tenant, actor=Actor.system(), action="here")
        response, seconds = waiting.result(timeout=30)
    assert [e["action"] for e in response.json()["entries"]] == ["here"]
    assert seconds < 6


def window_left(response: httpx.Response) -> int:
    """Seconds until the rate limit's window ends, from the `t` of the RateLimit header."""
    match = re.search(r";t=(\d+)", response.headers["RateLimit"])
    assert match, response.headers["RateLimit"]
    return int(match.group(1))


def test_with_nothing_new_it_answers_empty_when_wait_is_up_and_counts_once(pools, tenant):
    _, value = make_api_secret(tenant, name="waiter")
    gateway = pools["gateway"].url
    caught_up(gateway, AUDIT, value)
    # The counts compared below come from one window: a new one starts from zero.
    left = window_left(timed_get(gateway, AUDIT, value)[0])
    if left < 8:
        time.sleep(left + 0.5)
    response, seconds = timed_get(gateway, AUDIT, value, wait=2)
    assert response.status_code == 200
    assert response.json()["entries"] == []
    assert 2 <= seconds < 5
    # However often it looked while waiting, the rate limit counted the request once.
    before = remaining(response)
    after_response, _ = timed_get(gateway, AUDIT, value)
    after = remaining(after_response)
    assert after == before - 1


def test_a_door_open_outcome_is_held_until_the_device_acknowledges(pools, tenant):
    world = make_world(tenant)
    _, value = make_api_secret(tenant, name="opener")
    start_answered_call(world["front"], world["reception"], world["anna"])
    command = door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=Actor.system()
    )
    path = f"/api/v1/door-open-commands/{command.id}"
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(timed_get, pools["gateway"].url, path, value, wait=20)
        time.sleep(0.5)
        (claimed,) = services.commands_claim(device=world["front"])  # now `delivered`
        time.sleep(0.7)
        assert not waiting.done()
        services.command_ack(device=world["front"], command_id=claimed.id, result="executed")
        response, seconds = waiting.result(timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "executed"
    assert 1.2 <= seconds < 6


def test_a_door_open_outcome_answers_expired_at_its_expiry(pools, tenant):
    world = make_world(tenant)
    _, value = make_api_secret(tenant, name="opener")
    start_answered_call(world["front"], world["reception"], world["anna"])
    command = door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=Actor.system()
    )
    DoorOpenCommand.objects.filter(pk=command.pk).update(
        expires_at=timezone.now() + timedelta(seconds=1.5)
    )
    path = f"/api/v1/door-open-commands/{command.id}"
    response, seconds = timed_get(pools["gateway"].url, path, value, wait=20)
    assert response.json()["status"] == "expired"
    assert 1 <= seconds < 5


def test_a_settled_command_answers_at_once(pools, tenant):
    world = make_world(tenant)
    _, value = make_api_secret(tenant, name="opener")
    call = start_answered_call(world["front"], world["reception"], world["anna"])
    command = door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=Actor.system()
    )
    call_end(call=call)  # the queued command expires with its call
    path = f"/api/v1/door-open-commands/{command.id}"
    response, seconds = timed_get(pools["gateway"].url, path, value, wait=20)
    assert response.json()["status"] == "expired"
    assert seconds < 2


def test_the_web_pool_answers_at_once_and_says_so(pools, tenant):
    _, value = make_api_secret(tenant, name="misrouted")
    web = pools["web"].url
    caught_up(web, AUDIT, value)
    response, seconds = timed_get(web, AUDIT, value, wait=20)
    assert response.status_code == 200
    assert response.json()["entries"] == []
    assert response.headers["X-Long-Poll"] == "unsupported; wait=0"
    assert seconds < 3


@pytest.mark.parametrize("pool", ["web", "gateway"])
@pytest.mark.parametrize("wait", ["", "31", "-1", "1.5", "abc", "٣"])
def test_a_bad_wait_is_invalid_request_after_authentication(pools, tenant, pool, wait):
    _, value = make_api_secret(tenant, name=f"bad {pool} {wait}")
    url = pools[pool].url
    for path in (CALL_LOG, AUDIT):
        response = httpx.get(f"{url}{path}?wait={wait}", headers=bearer(value), timeout=10)
        body = assert_problem(response, 400, "invalid_request")
        assert list(body["errors"]) == ["wait"]
        unauthenticated = httpx.get(f"{url}{path}?wait={wait}", timeout=10)
        assert_problem(unauthenticated, 401, "missing_credentials")


def test_a_stranger_cannot_wait_on_another_tenants_command(pools, tenant, other_tenant):
    world = make_world(tenant)
    start_answered_call(world["front"], world["reception"], world["anna"])
    command = door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=Actor.system()
    )
    _, stranger = make_api_secret(other_tenant, name="stranger")
    path = f"/api/v1/door-open-commands/{command.id}"
    response, seconds = timed_get(pools["gateway"].url, path, stranger, wait=20)
    assert_problem(response, 404, "not_found")
    assert seconds < 2


def _worker_threads(server) -> int:
    """Threads of the gunicorn worker (the master's one child)."""
    master = server.process.pid
    (worker,) = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return len(os.listdir(f"/proc/{worker}/task"))


def test_waiting_polls_hold_no_thread_each(pools, tenant):
    _, value = make_api_secret(tenant, name="many")
    gateway = pools["gateway"]
    caught_up(gateway.url, CALL_LOG, value)
    timed_get(gateway.url, CALL_LOG, value, wait=1)  # the worker's threads have started
    before = _worker_threads(gateway)
    polls = 40
    with ThreadPoolExecutor(polls) as pool:
        waiting = [
            pool.submit(timed_get, gateway.url, CALL_LOG, value, wait=4) for _ in range(polls)
        ]
        time.sleep(2)
        during = _worker_threads(gateway)
        answers = [w.result(timeout=60) for w in waiting]
    assert all(response.status_code == 200 for response, _ in answers)
    assert all(seconds >= 3.5 for _, seconds in answers)  # every one was held
    assert during - before < 5, (before, during)


def test_a_secret_deleted_while_waiting_gets_nothing_more(pools, tenant):
    secret, value = make_api_secret(tenant, name="doomed")
    gateway = pools["gateway"].url
    caught_up(gateway, AUDIT, value)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(timed_get, gateway, AUDIT, value, wait=20)
        time.sleep(0.5)
        api_secret_delete(secret=secret, actor=Actor.system())  # an audit entry: it looks again
        response, seconds = waiting.result(timeout=30)
    assert_problem(response, 401, "invalid_secret")
    assert seconds < 5
