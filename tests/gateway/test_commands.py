"""GET commands (long-poll) and POST commands/{id}/ack: every safety rule of SPEC §4.

A command goes only to the device of the call its Teams user answered, only while that call is
active and the command unexpired, at most once (again only when unacknowledged and still valid
after the redelivery delay), and only that device can acknowledge it.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.utils import timezone

from devices import services
from devices.models import Call, Device, DoorOpenCommand
from tests.gateway.conftest import request_door_open
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db(transaction=True)
# Tests that never poll (nor authenticate in the gateway's threads) roll back instead.
ROLLED_BACK = pytest.mark.django_db


def door_open(api_client, user) -> dict:
    response = api_client.post(f"/api/v1/active-calls/{user.upn}/door-open")
    assert response.status_code == 202, response.content
    return response.json()


def outcome(api_client, command_id) -> str:
    return api_client.get(f"/api/v1/door-open-commands/{command_id}").json()["status"]


def polled(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()["commands"]


def test_a_pending_command_is_returned_at_once(gateway, active_call, api_client):
    issued = door_open(api_client, active_call.answered_by)

    started = time.monotonic()
    commands = polled(gateway.poll(wait=10))

    assert time.monotonic() - started < 2
    assert commands == [
        {
            "id": issued["id"],
            "type": "door_open",
            "call_id": str(active_call.id),
            "dtmf": "#1",
            "expires_at": issued["expires_at"],
        }
    ]
    command = DoorOpenCommand.objects.get(id=issued["id"])
    assert command.status == DoorOpenCommand.Status.DELIVERED and command.delivered_at
    assert outcome(api_client, issued["id"]) == "delivered"


@pytest.mark.slow  # waits in real time
def test_a_waiting_poll_returns_when_a_command_arrives(gateway, active_call, api_client):
    result: dict = {}

    def poll() -> None:
        started = time.monotonic()
        result["commands"] = polled(gateway.poll(wait=10))
        result["returned_at"] = time.monotonic()
        result["started"] = started

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.5)  # the poll is waiting
    issued_at = time.monotonic()
    issued = door_open(api_client, active_call.answered_by)
    thread.join(timeout=15)

    assert [c["id"] for c in result["commands"]] == [issued["id"]]
    assert result["returned_at"] - issued_at < 5.0  # woken, not timed out (wait=10)


@pytest.mark.slow  # waits in real time
def test_a_poll_without_commands_waits_then_answers_empty(gateway, active_call):
    started = time.monotonic()
    assert polled(gateway.poll(wait=1)) == []
    assert 0.9 <= time.monotonic() - started < 3


@pytest.mark.parametrize("wait", [None, "", "0"])
def test_without_wait_the_poll_answers_at_once(gateway, active_call, wait):
    started = time.monotonic()
    assert polled(gateway.poll(wait=wait)) == []
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("wait", ["-1", "31", "abc", "nan", "inf", "1e3", "0x10"])
def test_a_bad_wait_is_an_invalid_request(gateway, wait):
    response = gateway.poll(wait=wait)

    body = assert_problem(response, 400, "invalid_request")
    assert "wait" in body["errors"]


def test_the_long_poll_allows_only_get(gateway):
    response = gateway.client.post("/device-api/v1/commands")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"


def test_a_command_is_delivered_at_most_once(gateway, active_call, api_client):
    door_open(api_client, active_call.answered_by)

    assert len(polled(gateway.poll())) == 1
    assert polled(gateway.poll()) == []
    assert polled(gateway.poll(wait=0.5)) == []


@pytest.mark.slow  # a race between threads
def test_concurrent_polls_of_one_device_share_a_command_out_once(gateway, active_call, api_client):
    door_open(api_client, active_call.answered_by)
    results: list[list] = []
    barrier = threading.Barrier(4)

    def poll() -> None:
        barrier.wait()
        results.append(polled(gateway.poll(wait=1)))

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(len(r) for r in results) == [0, 0, 0, 1]


def test_only_the_calls_device_gets_the_command(
    gateway, other_gateway, other_tenant_gateway, active_call, api_client
):
    door_open(api_client, active_call.answered_by)

    assert polled(other_gateway.poll()) == []
    assert polled(other_tenant_gateway.poll()) == []
    assert len(polled(gateway.poll())) == 1


@pytest.mark.slow  # waits in real time
def test_an_unacknowledged_command_is_redelivered_after_the_delay(
    gateway, active_call, api_client, settings
):
    # Long enough that the "too soon" poll is surely sooner, also on a loaded CI machine.
    settings.DOOR_OPEN_REDELIVERY_SECONDS = 2
    issued = door_open(api_client, active_call.answered_by)
    assert len(polled(gateway.poll())) == 1
    assert polled(gateway.poll()) == []  # too soon

    time.sleep(2.1)
    again = polled(gateway.poll())

    assert [c["id"] for c in again] == [issued["id"]]


@pytest.mark.slow  # waits in real time
def test_a_waiting_poll_gets_the_redelivery_without_a_new_notify(
    gateway, active_call, api_client, settings
):
    settings.DOOR_OPEN_REDELIVERY_SECONDS = 0.5
    issued = door_open(api_client, active_call.answered_by)
    assert len(polled(gateway.poll())) == 1

    started = time.monotonic()
    again = polled(gateway.poll(wait=5))  # the wake-up safety net notices it

    assert [c["id"] for c in again] == [issued["id"]]
    assert time.monotonic() - started < 0.5 + settings.GATEWAY_SAFETY_POLL_SECONDS + 1


def test_an_acknowledged_command_is_never_redelivered(gateway, active_call, api_client, settings):
    settings.DOOR_OPEN_REDELIVERY_SECONDS = 0.2
    issued = door_open(api_client, active_call.answered_by)
    polled(gateway.poll())

    response = gateway.ack(issued["id"], "executed")
    time.sleep(0.3)

    assert response.status_code == 200
    assert response.json()["status"] == "executed" and response.json()["acked_at"]
    assert polled(gateway.poll()) == []
    assert outcome(api_client, issued["id"]) == "executed"
    assert Call.objects.get(pk=active_call.pk).door_opened


def test_a_failed_execution_is_reported(gateway, active_call, api_client):
    issued = door_open(api_client, active_call.answered_by)
    polled(gateway.poll())

    assert gateway.ack(issued["id"], "failed").json()["status"] == "failed"
    assert outcome(api_client, issued["id"]) == "failed"
    assert not Call.objects.get(pk=active_call.pk).door_opened


def test_no_command_is_delivered_after_the_call_ended(gateway, active_call, api_client):
    issued = door_open(api_client, active_call.answered_by)

    assert gateway.event(active_call, "ended").status_code == 200

    assert polled(gateway.poll()) == []
    assert outcome(api_client, issued["id"]) == "expired"


def test_no_redelivery_after_the_call_ended(gateway, active_call, api_client, settings):
    settings.DOOR_OPEN_REDELIVERY_SECONDS = 0.2
    door_open(api_client, active_call.answered_by)
    assert len(polled(gateway.poll())) == 1
    gateway.event(active_call, "ended")
    time.sleep(0.3)

    assert polled(gateway.poll()) == []


@pytest.mark.slow  # waits in real time
def test_no_command_is_delivered_after_it_expired(gateway, active_call, api_client, settings):
    settings.DOOR_OPEN_COMMAND_TTL_SECONDS = 1
    issued = door_open(api_client, active_call.answered_by)

    time.sleep(1.1)

    assert polled(gateway.poll()) == []
    assert outcome(api_client, issued["id"]) == "expired"
    assert gateway.ack(issued["id"]).status_code == 409


@pytest.mark.slow  # waits in real time
def test_no_redelivery_after_expiry(gateway, active_call, api_client, settings):
    settings.DOOR_OPEN_COMMAND_TTL_SECONDS = 1
    settings.DOOR_OPEN_REDELIVERY_SECONDS = 0.2
    door_open(api_client, active_call.answered_by)
    assert len(polled(gateway.poll())) == 1

    time.sleep(1.1)

    assert polled(gateway.poll()) == []


@ROLLED_BACK
def test_the_default_lifetime_is_fifteen_seconds(gateway, active_call, api_client):
    issued = door_open(api_client, active_call.answered_by)
    command = DoorOpenCommand.objects.get(id=issued["id"])
    assert (command.expires_at - command.created_at).total_seconds() == 15


@ROLLED_BACK
def test_no_command_for_a_call_that_is_only_ringing(gateway, call_group, member, api_client):
    assert gateway.start_call(call_group).status_code == 201

    response = api_client.post(f"/api/v1/active-calls/{member.upn}/door-open")

    assert response.status_code == 409
    assert response.json()["code"] == "not_in_active_call"
    assert not DoorOpenCommand.objects.exists()


@ROLLED_BACK
def test_no_command_after_the_call_ended(gateway, active_call, api_client):
    gateway.event(active_call, "ended")
    response = api_client.post(f"/api/v1/active-calls/{active_call.answered_by.upn}/door-open")
    assert response.status_code == 409
    assert response.json()["code"] == "not_in_active_call"


@ROLLED_BACK
def test_no_command_for_a_device_without_a_door_open_code(gateway, active_call, api_client):
    Device.objects.filter(pk=gateway.device.pk).update(door_open_code="")
    response = api_client.post(f"/api/v1/active-calls/{active_call.answered_by.upn}/door-open")
    assert response.status_code == 409
    assert response.json()["code"] == "no_door_open_code"


def test_another_device_cannot_acknowledge(
    gateway, other_gateway, other_tenant_gateway, active_call, api_client
):
    issued = door_open(api_client, active_call.answered_by)
    polled(gateway.poll())

    for intruder in (other_gateway, other_tenant_gateway):
        response = intruder.ack(issued["id"])
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert outcome(api_client, issued["id"]) == "delivered"


@ROLLED_BACK
def test_an_unknown_command_is_not_found(gateway):
    assert gateway.ack(uuid.uuid4()).status_code == 404


def test_a_command_is_acknowledged_once(gateway, active_call, api_client):
    issued = door_open(api_client, active_call.answered_by)
    polled(gateway.poll())
    assert gateway.ack(issued["id"]).status_code == 200

    response = gateway.ack(issued["id"], "failed")

    assert response.status_code == 409
    assert response.json()["code"] == "already_acknowledged"
    assert outcome(api_client, issued["id"]) == "executed"


@ROLLED_BACK
def test_an_undelivered_command_cannot_be_acknowledged(gateway, active_call, api_client):
    issued = door_open(api_client, active_call.answered_by)

    response = gateway.ack(issued["id"])

    assert response.status_code == 409
    assert response.json()["code"] == "not_delivered"
    assert outcome(api_client, issued["id"]) == "queued"


@ROLLED_BACK
@pytest.mark.parametrize("body", [{}, {"result": "opened"}, {"result": ""}])
def test_a_bad_ack_is_an_invalid_request(gateway, active_call, body):
    command = request_door_open(active_call.answered_by)
    services.commands_claim(device=gateway.device)
    response = gateway.client.post(
        f"/device-api/v1/commands/{command.id}/ack", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "result" in response.json()["errors"]


@ROLLED_BACK
def test_a_claim_after_the_devices_credential_was_rotated_hands_out_nothing(gateway, active_call):
    authenticated = gateway.device  # as the poll's authentication found it
    command = request_door_open(active_call.answered_by)
    services.device_credential_rotate(Device.objects.get(pk=authenticated.pk))

    assert services.commands_claim(device=authenticated) == []
    assert DoorOpenCommand.objects.get(pk=command.pk).status == DoorOpenCommand.Status.QUEUED
    assert services.commands_claim(device=Device.objects.get(pk=authenticated.pk)) == [command]


def test_polling_marks_the_device_seen(gateway):
    Device.objects.filter(pk=gateway.device.pk).update(last_seen_at=None)
    before = timezone.now()

    polled(gateway.poll())

    gateway.device.refresh_from_db()
    assert gateway.device.last_seen_at >= before
    assert gateway.device.is_online()
