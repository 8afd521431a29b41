"""Fixtures of the device gateway tests: a tenant with a call group, devices and their credentials,
and Anna's answered call (`active_call`). The tests against real servers (test_lean.py,
test_two_processes.py) use the same ones, committed.

The long-poll (`GET commands`) does its database work in the gateway's own threads, which cannot
see rows inside a test's open transaction; tests that poll therefore use committed data
(`django_db(transaction=True)`), like the real servers of test_two_processes.py do.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client

from audit.services import Actor
from callgroups.models import CallGroup, TeamsUser
from devices import services
from devices.models import Call, Device
from gateway import wakeup
from tests.factories import make_call_group, make_device, make_teams_user, start_answered_call
from tests.helpers import bearer_client


@dataclass
class Gateway:
    """A device's view of the gateway through Django's test client, and its credential (for
    the tests that talk to real servers)."""

    client: Client
    device: Device
    credential: str

    def start_call(self, call_group, caller: str = "sip:visitor@street.example"):
        return self.client.post(
            "/device-api/v1/calls",
            {"caller": caller, "call_group": str(getattr(call_group, "id", call_group))},
            content_type="application/json",
        )

    def event(self, call, type_: str, user: str | None = None):
        body = {"type": type_} | ({"user": user} if user is not None else {})
        return self.client.post(
            f"/device-api/v1/calls/{getattr(call, 'id', call)}/events",
            body,
            content_type="application/json",
        )

    def poll(self, wait: float | str | None = 0):
        """Through Django's ASGI handler, as the gateway pool serves it (under WSGI a poll
        never waits: test_pools_over_http.py)."""
        query = "" if wait is None else f"?wait={wait}"
        authorization = self.client.defaults.get("HTTP_AUTHORIZATION", "")
        return async_to_sync(AsyncClient().get)(
            f"/device-api/v1/commands{query}", headers={"Authorization": authorization}
        )

    def ack(self, command_id, result: str = "executed"):
        return self.client.post(
            f"/device-api/v1/commands/{command_id}/ack",
            {"result": result},
            content_type="application/json",
        )


@pytest.fixture
def member(tenant) -> TeamsUser:
    return make_teams_user(tenant, "anna@acme.example")


@pytest.fixture
def outsider(tenant) -> TeamsUser:
    """Same tenant, not a member of the call group."""
    return make_teams_user(tenant, "olaf@acme.example")


@pytest.fixture
def call_group(tenant, member) -> CallGroup:
    return make_call_group(tenant, "Reception", member)


@pytest.fixture
def device_pair(tenant) -> tuple[Device, str]:
    return make_device(tenant, "Main entrance")


@pytest.fixture
def device(device_pair) -> Device:
    return device_pair[0]


@pytest.fixture
def gateway(device_pair) -> Gateway:
    device, credential = device_pair
    return Gateway(bearer_client(credential), device, credential)


@pytest.fixture
def other_gateway(tenant) -> Gateway:
    """Another device of the same tenant."""
    device, credential = make_device(tenant, "Back door", "*9")
    return Gateway(bearer_client(credential), device, credential)


@pytest.fixture
def other_tenant_gateway(other_tenant) -> Gateway:
    device, credential = make_device(other_tenant, "Globex gate", "42")
    return Gateway(bearer_client(credential), device, credential)


@pytest.fixture
def active_call(device, call_group, member) -> Call:
    return start_answered_call(device, call_group, member, caller="sip:visitor@x")


def request_door_open(user: TeamsUser):
    return services.door_open_request(tenant=user.tenant, user_ref=user.upn, actor=Actor.system())


@pytest.fixture(autouse=True, scope="session")
def _stop_wakeup_thread(django_db_setup, django_db_blocker):
    """Close this process's wake-up listener and gateway connections before the test database
    is dropped (PostgreSQL refuses to drop a database that has sessions)."""
    yield
    wakeup.hub.stop()
    from django.db import connection

    # Only the test database, and only if this run created it (no test may have needed it).
    if (
        connection.vendor == "postgresql"
        and connection.settings_dict["NAME"] == connection.creation._get_test_db_name()
    ):
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
