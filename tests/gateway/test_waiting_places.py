"""A gateway process's waiting places, shared fairly, and a rotated credential's waiting poll.

Over real HTTP, on the gateway pool's long-poll: the lean path on PostgreSQL, Django's view on
SQLite:

- a device holds at most two waiting polls: a newer one ends its oldest at once with the empty
  answer, so one credential opening many polls takes no place from the other devices;
- when the process holds GATEWAY_MAX_WAITING polls, a new poll takes the place of the oldest
  poll of a device holding two; only when every device holds one is it refused (503);
- a poll that began before its credential was rotated never gets a door-open code.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator

import httpx
import pytest
from django.conf import settings

from devices import services
from devices.models import DoorOpenCommand
from tests.factories import (
    make_api_secret,
    make_call_group,
    make_device,
    make_teams_user,
    start_answered_call,
)
from tests.gateway.servers import base_environment, database_url, start_gunicorn
from tests.helpers import assert_problem, bearer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LIMIT = 4
PATH = "/device-api/v1/commands"


@pytest.fixture(scope="module")
def url(django_db_setup) -> Iterator[str]:
    """The gateway pool: the lean path on PostgreSQL, Django's view on SQLite."""
    variables = {
        "DATABASE_URL": database_url(settings.DATABASES["default"]),
        "GATEWAY_MAX_WAITING": str(LIMIT),
    }
    server = start_gunicorn(base_environment(**variables), "gateway")
    try:
        yield server.url
    finally:
        server.stop()


class Poll:
    """A long-poll sent now, its answer read later (or its connection closed)."""

    def __init__(self, url: str, credential: str, wait: float = 25) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=wait + 15)
        self.conn.request("GET", f"{PATH}?wait={wait}", headers=bearer(credential))
        self.sent = time.monotonic()

    def answer(self, timeout: float | None = None) -> tuple[int, dict, float]:
        """(status, body, seconds from sending to the answer)."""
        if timeout is not None:
            self.conn.sock.settimeout(timeout)
        response = self.conn.getresponse()
        body = json.loads(response.read())
        return response.status, body, time.monotonic() - self.sent

    def close(self) -> None:
        self.conn.close()


def waiting(url: str) -> int:
    return httpx.get(f"{url}/readyz", timeout=10).json()["waiting"]


def wait_until_waiting(url: str, count: int) -> None:
    deadline = time.monotonic() + 15
    while (now := waiting(url)) != count:
        assert time.monotonic() < deadline, f"{now} polls waiting, not {count}"
        time.sleep(0.05)


def answered_call(tenant, name: str):
    """A device of `tenant` in an active call with a member: door-opens can be requested."""
    user = make_teams_user(tenant, f"{name.lower()}@acme.example")
    group = make_call_group(tenant, f"{name} group", user)
    device, credential = make_device(tenant, name)
    start_answered_call(device, group, user, caller="sip:visitor@street")
    return user, device, credential


def test_one_credential_opening_more_polls_than_the_limit_takes_no_other_devices_place(
    url, tenant, other_tenant
):
    _, greedy = make_device(other_tenant, "Greedy gate")
    user, _, front = answered_call(tenant, "Front")
    _, api_secret = make_api_secret(tenant)
    held = []
    try:
        # Three times the process's limit, one after the other: each poll from the third on
        # ends the device's oldest at once, with the empty answer; none is refused.
        for n in range(3 * LIMIT):
            held.append(Poll(url, greedy))
            wait_until_waiting(url, min(n + 1, 2))
            if n >= 2:
                status, body, seconds = held.pop(0).answer(timeout=10)
                assert (status, body) == (200, {"commands": []})
                assert seconds < 5
        assert waiting(url) == 2

        # The other tenant's device still gets every door-open, while the greedy one keeps
        # opening polls.
        for _ in range(3):
            poll = Poll(url, front)
            wait_until_waiting(url, 3)
            held.append(Poll(url, greedy))
            status, body, _ = held.pop(0).answer(timeout=10)
            assert (status, body) == (200, {"commands": []})
            opened = httpx.post(
                f"{url}/api/v1/active-calls/{user.upn}/door-open", headers=bearer(api_secret)
            )
            assert opened.status_code == 202, opened.text
            status, body, _ = poll.answer(timeout=20)
            assert status == 200
            assert [c["id"] for c in body["commands"]] == [opened.json()["id"]]
            ack = httpx.post(
                f"{url}{PATH}/{opened.json()['id']}/ack",
                json={"result": "executed"},
                headers=bearer(front),
            )
            assert ack.status_code == 200, ack.text
            wait_until_waiting(url, 2)
    finally:
        for poll in held:
            poll.close()
    wait_until_waiting(url, 0)


def test_a_full_process_takes_places_from_the_devices_holding_the_most_first(url, tenant):
    credentials = {name: make_device(tenant, name)[1] for name in "ABCDE"}
    polls: dict[str, list[Poll]] = {name: [] for name in credentials}
    try:
        # A holds two, B and C one each: the process is full.
        for name in "AABC":
            polls[name].append(Poll(url, credentials[name]))
            wait_until_waiting(url, sum(map(len, polls.values())))
        assert waiting(url) == LIMIT

        # D, new, gets a place: A's oldest poll answers at once, A keeps its newer one.
        polls["D"].append(Poll(url, credentials["D"]))
        status, body, _ = polls["A"].pop(0).answer(timeout=10)
        # "At once": counted from D's poll, which takes the place, not from A's own start
        # (setting the others up takes seconds on a loaded machine).
        assert (status, body) == (200, {"commands": []})
        assert time.monotonic() - polls["D"][0].sent < 5
        wait_until_waiting(url, LIMIT)

        # Every device holds one now: E is refused, and so is a second poll of A.
        for name in "EA":
            refused = httpx.get(f"{url}{PATH}?wait=20", headers=bearer(credentials[name]))
            assert_problem(refused, 503, "gateway_busy")
        assert waiting(url) == LIMIT
        for name in "ABCD":  # nobody lost the poll it held
            with pytest.raises(TimeoutError):
                polls[name][0].answer(timeout=0.2)
    finally:
        for held in polls.values():
            for poll in held:
                poll.close()
    wait_until_waiting(url, 0)


def test_a_poll_begun_before_its_credential_was_rotated_never_gets_the_door_open_code(url, tenant):
    user, device, old = answered_call(tenant, "Front")
    _, api_secret = make_api_secret(tenant)
    poll = Poll(url, old, wait=5)
    try:
        wait_until_waiting(url, 1)
        new = services.device_credential_rotate(device)  # committed (transaction=True)
        opened = httpx.post(
            f"{url}/api/v1/active-calls/{user.upn}/door-open", headers=bearer(api_secret)
        )
        assert opened.status_code == 202, opened.text
        status, body, _ = poll.answer(timeout=20)
    finally:
        poll.close()
    assert (status, body) == (200, {"commands": []})
    command = DoorOpenCommand.objects.get(id=opened.json()["id"])
    assert command.status == DoorOpenCommand.Status.QUEUED
    # The device, with its new credential, gets it.
    got = httpx.get(f"{url}{PATH}?wait=0", headers=bearer(new))
    assert [(c["id"], c["dtmf"]) for c in got.json()["commands"]] == [(str(command.id), "#1")]
