"""The lean long-poll path (gateway/lean.py) over real HTTP, against the Django view's answers.

Two servers on one database (and Redis, when REDIS_URL is set), started as README "Deploying"
runs the pools: the gateway pool, where the lean path serves the long-poll, and the web pool
(WSGI), where Django's view (gateway/longpoll.py) answers it at once. The same requests must get
the same answers as a device sees them: status, body (with its problem code and `instance`),
Content-Type, `Retry-After`, `WWW-Authenticate` and `X-Request-Id`. (Django's browser-facing
headers, CSP, X-Frame-Options and the like, are the web pool's alone.) Also: door-opens are
delivered, redelivered and never handed out twice by the lean path, the failed-authentication
limit is the same, and a rotated credential stops working within 1 s.

Each test talks from its own loopback addresses (127.0.0.x), so the servers' per-address limits
do not carry over from one test to the next.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import count

import pytest
import redis
from django.conf import settings
from django.db import connection

from devices import services
from tests.conftest import needs
from tests.factories import make_call_group, make_device, make_teams_user, start_answered_call
from tests.gateway.conftest import request_door_open
from tests.gateway.servers import base_environment, database_url, start_gunicorn

pytestmark = [
    pytest.mark.slow,  # three gunicorn servers
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module", autouse=True)
def _postgresql_only():
    # Autouse, so before the servers start; skipped on a laptop's SQLite, a failure in CI.
    needs(
        settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        "the lean path serves on PostgreSQL only (SQLite: test_demo_on_sqlite.py)",
    )


PATH = "/device-api/v1/commands"
FAILURE_LIMIT = 3
_sources = count(100)
# What a device reads of an answer, besides its status and body.
_COMPARED = ("content-type", "retry-after", "www-authenticate", "x-request-id")


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        found = [v for k, v in self.headers if k.lower() == name.lower()]
        return found[-1] if found else None

    def json(self) -> dict:
        return json.loads(self.body)

    def comparable(self, *, drop: tuple[str, ...] = ()) -> tuple:
        """Status, body and the headers a device reads (each once at most: absent is None)."""
        compared = [name for name in _COMPARED if name not in drop]
        return self.status, self.body, {name: self.header(name) for name in compared}


def request(
    url: str,
    path: str = PATH,
    *,
    source: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: dict | None = None,
) -> Answer:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60, source_address=(source, 0))
    try:
        headers = {"X-Request-Id": "lean-test-1", **(headers or {})}
        if body is not None:
            headers["Content-Type"] = "application/json"
        data = None if body is None else json.dumps(body)
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        received = response.read()
    finally:
        conn.close()
    return Answer(response.status, response.getheaders(), received)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def _own_redis_database(url: str, worker_id: str) -> str:
    """`url` with a database of this xdist worker's own (10 + its index; the tests' caches use
    1 + index): two workers' servers would otherwise count each other's failed authentications
    from the same 127.0.0.x addresses."""
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{10 + (int(worker_id[2:]) if worker_id.startswith('gw') else 0)}"


@pytest.fixture(scope="module")
def servers(django_db_setup, worker_id):
    variables = {
        "DATABASE_URL": database_url(settings.DATABASES["default"]),
        "AUTH_FAILURE_RATE_LIMIT": f"{FAILURE_LIMIT}/min",
        "DOOR_OPEN_REDELIVERY_SECONDS": "1",
    }
    if os.environ.get("REDIS_URL"):
        variables["REDIS_URL"] = _own_redis_database(os.environ["REDIS_URL"], worker_id)
        redis.Redis.from_url(variables["REDIS_URL"]).flushdb()  # no counts left from a last run
        variables["GATEWAY_WAKEUP_CHANNEL"] = f"lean_test_{os.getpid()}"
    started = {}
    try:
        started["lean"] = start_gunicorn(base_environment(**variables), "gateway")
        started["web"] = start_gunicorn(base_environment(**variables), "web")
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture
def sources():
    """Fresh loopback addresses: one per server, the same for each request to a server."""
    n = next(_sources)
    return {"lean": f"127.0.1.{n}", "web": f"127.0.3.{n}"}


def _variants(credential: str) -> dict[str, dict]:
    good = bearer(credential)
    return {
        "empty": {"path": f"{PATH}?wait=0", "headers": good},
        "no wait": {"path": PATH, "headers": good},
        "short wait": {"path": f"{PATH}?wait=0.2", "headers": good},
        "repeated wait": {"path": f"{PATH}?wait=31&wait=0", "headers": good},
        "wait not a number": {"path": f"{PATH}?wait=soon", "headers": good},
        "wait too long": {"path": f"{PATH}?wait=31", "headers": good},
        "wait nan": {"path": f"{PATH}?wait=nan", "headers": good},
        "no credential": {"path": f"{PATH}?wait=0"},
        "no credential, bad wait": {"path": f"{PATH}?wait=-1"},
        "not bearer": {"path": PATH, "headers": {"Authorization": f"Basic {credential}"}},
        "own request id": {"path": PATH, "headers": {**good, "X-Request-Id": "abc.DEF:1-2_3"}},
        "proxy headers ignored": {
            "path": PATH,
            "headers": {**good, "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        },
        "post": {"path": PATH, "method": "POST", "headers": good},
        "head": {"path": PATH, "method": "HEAD", "headers": good},
        "query too long": {"path": f"{PATH}?wait=0&pad={'a=1&' * 600}", "headers": good},
        "headers too large": {
            "path": PATH,
            "headers": {**good, "X-Pad-1": "x" * 4500, "X-Pad-2": "x" * 4500},
        },
    }


def test_the_lean_path_answers_as_the_django_view_does(servers, gateway, sources):
    for name, variant in _variants(gateway.credential).items():
        lean = request(servers["lean"].url, source=sources["lean"], **variant)
        web = request(servers["web"].url, source=sources["web"], **variant)
        assert lean.comparable() == web.comparable(), name
        if web.status == 200 and variant.get("method", "GET") == "GET":
            assert web.header("X-Long-Poll") == "unsupported; wait=0"
    # An invalid credential, and an insane request id (replaced by a fresh one: compared apart),
    # from fresh addresses (the failures above count against the limit).
    n = next(_sources)
    for headers in (
        bearer("cgd_" + "x" * 43),
        {**bearer(gateway.credential), "X-Request-Id": "bad id!"},
        {"X-Request-Id": "x" * 201},
    ):
        variant = {"path": PATH, "headers": headers}
        lean = request(servers["lean"].url, source=f"127.0.1.{n}", **variant)
        django = request(servers["web"].url, source=f"127.0.3.{n}", **variant)
        assert lean.status == django.status
        if headers.get("X-Request-Id"):
            assert re.fullmatch(r"[0-9a-f]{32}", lean.header("X-Request-Id") or "")
            assert lean.header("X-Request-Id") != django.header("X-Request-Id")
        if lean.status != 200:
            request_id = lean.header("X-Request-Id")
            assert lean.json()["instance"] == f"urn:cybergate:request:{request_id}"
            assert lean.json() | {"instance": ""} == django.json() | {"instance": ""}
        drop = ("x-request-id",)
        assert lean.comparable(drop=drop)[2] == django.comparable(drop=drop)[2]


def test_the_lean_path_is_what_serves_the_gateway_pool(servers, gateway, sources):
    """The lean path's own connections (application_name cybergate-gateway) exist: the gateway
    pool's answers above really came from it."""
    request(servers["lean"].url, source=sources["lean"], headers=bearer(gateway.credential))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = 'cybergate-gateway'"
        )
        (lean_connections,) = cursor.fetchone()
    assert 1 <= lean_connections <= settings.GATEWAY_DB_THREADS


def _post(url: str, path: str, body: dict, headers: dict, source: str) -> Answer:
    return request(url, path, source=source, method="POST", headers=headers, body=body)


def _open_door(url: str, api_secret: str, source: str) -> dict:
    """Anna (`member`, tests/gateway/conftest.py) opens the door of her active call."""
    answer = _post(
        url, "/api/v1/active-calls/anna@acme.example/door-open", {}, bearer(api_secret), source
    )
    assert answer.status == 202, answer.body
    return answer.json()


def test_door_opens_reach_the_lean_path_once_each_in_the_django_views_format(
    servers, gateway, active_call, api_secret_value, sources
):
    lean, django = servers["lean"], servers["web"]
    call_id = str(active_call.id)
    device = bearer(gateway.credential)

    # Delivered to a waiting lean poll, in the shape and format the Django path uses.
    issued = _open_door(django.url, api_secret_value, sources["web"])
    first = request(lean.url, f"{PATH}?wait=20", source=sources["lean"], headers=device)
    assert first.status == 200, first.body
    (command,) = first.json()["commands"]
    assert command == {
        "id": issued["id"],
        "type": "door_open",
        "call_id": call_id,
        "dtmf": "#1",
        "expires_at": issued["expires_at"],
    }
    # Handed out once: the Django view finds nothing now ...
    nothing = request(django.url, f"{PATH}?wait=0", source=sources["web"], headers=device)
    assert nothing.json() == {"commands": []}
    # ... and, unacknowledged, the lean path hands it out again after the redelivery delay.
    again = request(lean.url, f"{PATH}?wait=10", source=sources["lean"], headers=device)
    assert again.json()["commands"] == [command]
    ack = _post(
        lean.url, f"{PATH}/{command['id']}/ack", {"result": "executed"}, device, sources["lean"]
    )
    assert ack.status == 200, ack.body
    time.sleep(1.2)
    assert request(lean.url, f"{PATH}?wait=0", source=sources["lean"], headers=device).json() == {
        "commands": []
    }

    # The same byte for byte as the Django view's delivery of the next door-open.
    second = _open_door(django.url, api_secret_value, sources["web"])
    from_django = request(django.url, f"{PATH}?wait=0", source=sources["web"], headers=device)
    (delivered,) = from_django.json()["commands"]
    assert delivered["id"] == second["id"]
    assert list(delivered) == list(command)
    assert len(from_django.body) == len(first.body)  # same format (ids, time stamps) throughout
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", command["expires_at"])
    assert first.comparable()[2] == from_django.comparable()[2]


def test_the_failed_authentication_limit_is_the_same(servers, gateway, sources):
    wrong = bearer("cgd_" + "w" * 43)
    answers = {}
    for name in ("lean", "web"):
        # The device's credential works from this address: it keeps working over the limit.
        ok = request(servers[name].url, source=sources[name], headers=bearer(gateway.credential))
        assert ok.status == 200
        answers[name] = [
            request(servers[name].url, source=sources[name], headers=wrong)
            for _ in range(FAILURE_LIMIT + 1)
        ]
        ok = request(servers[name].url, source=sources[name], headers=bearer(gateway.credential))
        answers[name].append(ok)
    statuses = [[a.status for a in answers[name]] for name in ("lean", "web")]
    assert statuses[0] == statuses[1] == [401] * FAILURE_LIMIT + [429, 200]
    for lean, django in zip(answers["lean"], answers["web"], strict=True):
        # Retry-After (and the detail that repeats it) are the seconds left in the window.
        drop = ("retry-after",)
        assert lean.comparable(drop=drop)[::2] == django.comparable(drop=drop)[::2]
        assert (lean.header("Retry-After") is None) == (django.header("Retry-After") is None)
        if lean.status == 429:
            assert lean.json()["code"] == django.json()["code"]
        else:
            assert lean.body == django.body
    limited = answers["lean"][FAILURE_LIMIT]
    assert limited.json()["code"] == "auth_rate_limited"
    assert 1 <= int(limited.header("Retry-After")) <= 60


def test_a_rotated_credential_stops_working_on_the_lean_path_within_a_second(
    servers, gateway, sources
):
    url, source = servers["lean"].url, sources["lean"]
    old = gateway.credential
    # Warm: the process believes this credential from this address now.
    for _ in range(3):
        assert request(url, source=source, headers=bearer(old)).status == 200
    new = services.device_credential_rotate(gateway.device)  # committed (transaction=True)
    rotated_at = time.monotonic()
    while (status := request(url, source=source, headers=bearer(old)).status) == 200:
        assert time.monotonic() - rotated_at < 1.0, "the old credential still works after 1 s"
    assert status == 401
    assert request(url, source=source, headers=bearer(new)).status == 200


def test_a_device_that_hangs_up_stops_waiting(servers, gateway, sources):
    """A poll whose connection closes is no longer held (nor counted against the limit)."""
    url, source = servers["lean"].url, sources["lean"]
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5, source_address=(source, 0))
    conn.request("GET", f"{PATH}?wait=30", headers=bearer(gateway.credential))

    def waiting() -> int:
        return json.loads(request(url, "/readyz", source=source).body)["waiting"]

    deadline = time.monotonic() + 10
    while waiting() != 1:
        assert time.monotonic() < deadline, "the poll never started waiting"
        time.sleep(0.05)
    conn.close()
    deadline = time.monotonic() + 5
    while waiting() != 0:
        assert time.monotonic() < deadline, "the closed poll is still held"
        time.sleep(0.05)


def test_devices_polling_at_once_each_get_their_own_door_open_once(servers, tenant, sources):
    """Looks arriving together go in one statement (gateway/lean.py _Looks): each device still
    gets exactly its own command, and two polls of one device never both get it."""
    url, source = servers["lean"].url, sources["lean"]
    issued = {}
    for n in range(12):
        user = make_teams_user(tenant, f"user{n}@acme.example")
        group = make_call_group(tenant, f"Group {n}", user)
        device, credential = make_device(tenant, f"Door {n}")
        start_answered_call(device, group, user, caller="sip:visitor@x")
        issued[credential] = str(request_door_open(user).id)

    def poll(credential: str) -> list[str]:
        answer = request(url, f"{PATH}?wait=0", source=source, headers=bearer(credential))
        assert answer.status == 200, answer.body
        return [command["id"] for command in answer.json()["commands"]]

    credentials = [c for c in issued for _ in range(2)]  # each device polls twice at once
    with ThreadPoolExecutor(max_workers=len(credentials)) as pool:
        got = list(pool.map(poll, credentials))
    for credential in issued:
        mine = [ids for c, ids in zip(credentials, got, strict=True) if c == credential]
        assert sorted(mine, key=len) == [[], [issued[credential]]], credential


def test_an_oversized_request_is_refused_before_anything_reads_it(servers, gateway, sources):
    """A query string over 2048 characters is 414, header fields over 8192 together 431, before
    authentication (nothing counts against the address) and before the query is parsed."""
    too_long = f"{PATH}?wait=0&{'a=1&' * 25_000}"  # 100 KB of parameters
    wrong = bearer("cgd_" + "w" * 43)
    # The lean path only: gunicorn's own parser answers a request line this long on the web
    # pool (400, before Django); the pools' answers to requests just over the limits are compared
    # in test_the_lean_path_answers_as_the_django_view_does.
    url, source = servers["lean"].url, sources["lean"]
    for headers in ({}, wrong, bearer(gateway.credential)):
        for _ in range(FAILURE_LIMIT + 1):
            answer = request(url, too_long, source=source, headers=headers)
            assert answer.status == 414, answer.body
            assert answer.header("Content-Type") == "application/problem+json"
            assert answer.json()["code"] == "uri_too_long"
    big = request(url, source=source, headers={**wrong, "X-Pad": "x" * 9000})
    assert (big.status, big.json()["code"]) == (431, "headers_too_large")
    # None of it was a failed authentication: a wrong credential is 401, not yet 429.
    assert request(url, source=source, headers=wrong).status == 401
    # Up to the limit, served.
    just = f"{PATH}?wait=0&pad={'x' * (2048 - len('wait=0&pad='))}"
    answer = request(url, just, source=source, headers=bearer(gateway.credential))
    assert (answer.status, answer.json()) == (200, {"commands": []})
