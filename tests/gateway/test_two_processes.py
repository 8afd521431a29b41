"""End to end over real HTTP: a command issued on one server process reaches a device polling on
another, through each wake-up backend (Redis pub/sub, database poll).

The servers are uvicorn processes on the test database; the test commits its rows
(`transaction=True`) so they see them. The safety-net poll of the Redis servers is
set to a minute, so a delivery within a few seconds proves the notification did it (typically
it takes milliseconds; the bound leaves room for a loaded CI machine).
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.conftest import needs
from tests.factories import make_device
from tests.gateway.servers import base_environment, database_url, start_server
from tests.helpers import bearer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module", params=["redis", "db-poll"])
def servers(request, django_db_setup, django_db_blocker):
    """Two server processes, A and B, on the test database with one wake-up backend."""
    backend = request.param
    db = settings.DATABASES["default"]
    needs(backend != "redis" or _redis_available(), "Redis is not running on 127.0.0.1:6379")
    # A channel of our own: Redis pub/sub is shared by every database number and every test run.
    channel = f"cg_test_{uuid.uuid4().hex[:12]}"
    env = base_environment(
        DATABASE_URL=database_url(db),
        GATEWAY_WAKEUP=backend,
        GATEWAY_WAKEUP_CHANNEL=channel,
        GATEWAY_SAFETY_POLL_SECONDS="60",
        GATEWAY_DB_POLL_SECONDS="0.2",
    )
    if backend == "redis":
        env["REDIS_URL"] = REDIS_TEST_URL
    started = []
    try:
        for _ in range(2):
            started.append(start_server(env))
        for server in started:
            server.extra.update(backend=backend, channel=channel)
        yield started
    finally:
        for server in started:
            server.stop()


def answered_call_over_http(url: str, gateway, call_group) -> str:
    """The device of `gateway` rings `call_group` and Anna answers, through the device API of the
    server at `url` (requests Django serves there)."""
    device = bearer(gateway.credential)
    call = httpx.post(
        f"{url}/device-api/v1/calls",
        json={"caller": "sip:visitor@street", "call_group": str(call_group.id)},
        headers=device,
    )
    assert call.status_code == 201, call.text
    answered = httpx.post(
        f"{url}/device-api/v1/calls/{call.json()['id']}/events",
        json={"type": "answered", "user": "anna@acme.example"},
        headers=device,
    )
    assert answered.status_code == 200, answered.text
    return call.json()["id"]


def poll(url: str, credential: str, wait: float) -> tuple[list[dict], float]:
    response = httpx.get(
        f"{url}/device-api/v1/commands",
        params={"wait": wait},
        headers=bearer(credential),
        timeout=wait + 30,  # generous: these tests measure threads and wake-ups, not speed
    )
    assert response.status_code == 200, response.text
    return response.json()["commands"], time.monotonic()


def open_door(url: str, api_secret: str) -> tuple[dict, float]:
    """Anna (`member`, tests/gateway/conftest.py) opens the door of her active call."""
    issued_at = time.monotonic()
    response = httpx.post(
        f"{url}/api/v1/active-calls/anna@acme.example/door-open",
        headers=bearer(api_secret),
    )
    assert response.status_code == 202, response.text
    return response.json(), issued_at


def test_a_command_issued_on_one_process_reaches_the_device_polling_on_another(
    servers, gateway, other_gateway, other_tenant_gateway, active_call, api_secret_value
):
    a, b = servers
    call_id = str(active_call.id)

    with ThreadPoolExecutor(max_workers=3) as pool:
        front = pool.submit(poll, a.url, gateway.credential, 10)
        back = pool.submit(poll, a.url, other_gateway.credential, 3)
        foreign = pool.submit(poll, b.url, other_tenant_gateway.credential, 3)
        time.sleep(1.0)  # all three are waiting, listeners are up
        issued, issued_at = open_door(b.url, api_secret_value)

        commands, received_at = front.result(timeout=15)
        assert [c["id"] for c in commands] == [issued["id"]], a.output()
        assert commands[0]["call_id"] == call_id and commands[0]["dtmf"] == "#1"
        assert received_at - issued_at < 3.0, f"took {received_at - issued_at:.3f} s"
        assert back.result(timeout=15)[0] == []  # the tenant's other device: nothing
        assert foreign.result(timeout=15)[0] == []

    ack = httpx.post(
        f"{b.url}/device-api/v1/commands/{issued['id']}/ack",
        json={"result": "executed"},
        headers=bearer(gateway.credential),
    )
    assert ack.status_code == 200, ack.text
    outcome = httpx.get(
        f"{a.url}/api/v1/door-open-commands/{issued['id']}",
        headers=bearer(api_secret_value),
    )
    assert outcome.json()["status"] == "executed"


@pytest.mark.usefixtures("active_call")
def test_a_second_poll_elsewhere_does_not_get_the_command_again(servers, gateway, api_secret_value):
    a, b = servers
    issued, _ = open_door(b.url, api_secret_value)

    first, _ = poll(a.url, gateway.credential, 0)
    again, _ = poll(b.url, gateway.credential, 1)

    assert [c["id"] for c in first] == [issued["id"]]
    assert again == []


@pytest.mark.usefixtures("active_call")
def test_delivery_survives_a_lost_listener_connection(servers, gateway, api_secret_value):
    a, b = servers
    backend = a.extra["backend"]
    poll(a.url, gateway.credential, 0.1)  # starts the listeners

    if backend != "db-poll":  # the database poll has no listener connection to lose
        time.sleep(0.5)
        killed = _kill_listeners(backend, a.extra["channel"])
        assert killed >= 1
        time.sleep(2.0)  # reconnect with back-off

    with ThreadPoolExecutor(max_workers=1) as pool:
        front = pool.submit(poll, a.url, gateway.credential, 10)
        time.sleep(0.5)
        issued, issued_at = open_door(b.url, api_secret_value)
        commands, received_at = front.result(timeout=15)

    assert [c["id"] for c in commands] == [issued["id"]]
    assert received_at - issued_at < 3.0, a.output()


def _kill_listeners(backend: str, channel: str) -> int:
    client = redis.Redis.from_url(REDIS_TEST_URL)
    killed = 0
    for info in client.client_list(_type="pubsub"):
        if info.get("name") == f"cybergate-wakeup-{channel}":
            killed += client.client_kill_filter(_id=info["id"])
    return killed


def test_waiting_polls_hold_no_thread_and_no_database_connection(
    servers, gateway, call_group, tenant
):
    a, _ = servers
    process = a.process.pid
    answered_call_over_http(a.url, gateway, call_group)
    # 30 door stations with two polls each (a device holds at most two waiting polls).
    credentials = [make_device(tenant, f"Gate {n}")[1] for n in range(30)] * 2
    poll(a.url, gateway.credential, 0)  # start the pools and listeners
    before = _threads(process)

    with ThreadPoolExecutor(max_workers=60) as pool:
        waiting = [pool.submit(poll, a.url, credential, 4) for credential in credentials]
        time.sleep(2.0)
        during = _threads(process)
        # The fewest of three looks over a second: a connection the lean pool is replacing (one
        # returned broken is closed while its successor opens) is a moment's, not a poll's.
        samples = []
        for _ in range(3):
            samples.append((_connections_of(process), _sessions_of(process)))
            time.sleep(0.5)
        connections, sessions = min(samples, key=lambda sample: sample[0])
        assert all(f.result(timeout=45)[0] == [] for f in waiting)

    assert during - before <= 4, (before, during)
    # The lean path's pool and the wake-up safety net: never one per poll, and none left behind
    # by the requests Django served before (the call set-up).
    assert connection.vendor != "postgresql" or connections >= 1
    assert connections <= settings.GATEWAY_DB_THREADS + 1 < len(waiting), sessions


def test_requests_django_served_leave_no_database_connection_behind(servers, api_secret_value):
    """Django runs each request of the gateway pool in a thread of its own; a connection kept
    for CONN_MAX_AGE would stay open after its thread ended, until the garbage collector came
    by (the connection too many that once broke the bound above)."""
    a, _ = servers
    api = bearer(api_secret_value)
    for _ in range(12):
        path = f"/api/v1/door-open-commands/{uuid.uuid4()}"
        assert httpx.get(f"{a.url}{path}", headers=api).status_code == 404  # looked up
    time.sleep(0.5)
    # The wake-up safety net's one connection at most (the lean path's pool is its own).
    assert _connections_of(a.process.pid, but_lean=True) <= 1


def _threads(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("Threads:"))


def _connections_of(pid: int, *, but_lean: bool = False) -> int:
    """Database sessions opened by the server process `pid` (matched by client TCP port); with
    `but_lean`, not counting the lean path's pool."""
    if connection.vendor != "postgresql":
        return 0
    ports = _local_ports(pid)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_port, application_name FROM pg_stat_activity "
            "WHERE datname = current_database()"
        )
        return sum(
            1
            for port, name in cursor.fetchall()
            if port in ports and not (but_lean and name == "cybergate-gateway")
        )


def _sessions_of(pid: int) -> list[tuple[str, str, str]]:
    """The server process's database sessions: application name, state and last query."""
    if connection.vendor != "postgresql":
        return []
    ports = _local_ports(pid)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_port, application_name, state, left(query, 80) FROM pg_stat_activity "
            "WHERE datname = current_database()"
        )
        return [row[1:] for row in cursor.fetchall() if row[0] in ports]


def _local_ports(pid: int) -> set[int]:
    """Local TCP ports of the sockets `pid` holds (from /proc, no extra package)."""
    import os

    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{table}") as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def test_a_call_log_long_poll_on_one_process_wakes_when_a_call_ends_on_another(
    servers, gateway, active_call, api_secret_value
):
    """The customer API's long-poll rides the same wake-up (gateway/apilongpoll.py)."""
    a, b = servers
    call_id = str(active_call.id)
    api = bearer(api_secret_value)
    page = httpx.get(f"{a.url}/api/v1/call-log", params={"limit": 500}, headers=api).json()
    httpx.post(f"{a.url}/api/v1/call-log/ack", json={"cursor": page["cursor"]}, headers=api)

    def read() -> tuple[httpx.Response, float]:
        response = httpx.get(f"{a.url}/api/v1/call-log?wait=15", headers=api, timeout=45)
        return response, time.monotonic()

    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(read)
        time.sleep(1.0)  # waiting, listeners up
        assert not waiting.done()
        ended_at = time.monotonic()
        ended = httpx.post(
            f"{b.url}/device-api/v1/calls/{call_id}/events", json={"type": "ended"},
            headers=bearer(gateway.credential),
        )  # fmt: skip
        assert ended.status_code == 200, ended.text
        response, answered_at = waiting.result(timeout=30)
    assert response.status_code == 200, response.text
    assert [entry["call_id"] for entry in response.json()["entries"]] == [call_id]
    assert answered_at - ended_at < 3.0, f"took {answered_at - ended_at:.3f} s"
