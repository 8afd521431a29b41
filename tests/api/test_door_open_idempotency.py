"""Retry-safe door opening (Idempotency-Key) and the outcome's call_id / reason."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from audit.models import AuditEntry
from devices.models import DoorOpenCommand
from devices.services import call_end, command_ack, commands_claim
from tests.api.conftest import start_answered_call
from tests.conftest import needs
from tests.factories import make_api_secret
from tests.helpers import assert_problem, bearer_client

pytestmark = pytest.mark.django_db


def door_open(client, user, key: str | None = None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(f"/api/v1/active-calls/{user.upn}/door-open", headers=headers)


def test_repeat_with_the_same_key_returns_the_first_answer_and_issues_nothing(
    api_client, world, active_call
):
    first = door_open(api_client, world["anna"], "order-42")
    assert first.status_code == 202
    assert "Idempotent-Replayed" not in first
    again = door_open(api_client, world["anna"], "order-42")
    assert again.status_code == 202
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert DoorOpenCommand.objects.count() == 1
    assert AuditEntry.objects.filter(action="door.open_requested").count() == 1


def test_repeat_after_the_call_ended_still_returns_the_first_answer(api_client, world, active_call):
    first = door_open(api_client, world["anna"], "k1")
    call_end(call=active_call)
    again = door_open(api_client, world["anna"], "k1")
    assert again.status_code == 202
    assert again.json() == first.json()
    # Without the key it is a new request, refused now.
    assert door_open(api_client, world["anna"]).json()["code"] == "not_in_active_call"


def test_different_keys_and_no_key_issue_separate_commands(api_client, world, active_call):
    assert door_open(api_client, world["anna"], "a").status_code == 202
    assert door_open(api_client, world["anna"], "b").status_code == 202
    assert door_open(api_client, world["anna"]).status_code == 202
    assert door_open(api_client, world["anna"]).status_code == 202
    assert DoorOpenCommand.objects.count() == 4


def test_keys_are_per_secret(api_client, tenant, world, active_call):
    _, value = make_api_secret(tenant, name="second")
    first = door_open(api_client, world["anna"], "same")
    second = door_open(bearer_client(value), world["anna"], "same")
    assert second.status_code == 202
    assert second.json()["id"] != first.json()["id"]


def test_same_key_for_another_user_is_422(api_client, world, active_call):
    assert door_open(api_client, world["anna"], "k").status_code == 202
    start_answered_call(world["back"], world["garage"], world["ben"])
    response = door_open(api_client, world["ben"], "k")
    assert_problem(response, 422, "idempotency_key_reused")
    assert DoorOpenCommand.objects.count() == 1


def test_key_counts_for_24_hours(api_client, world, active_call):
    first = door_open(api_client, world["anna"], "k").json()
    DoorOpenCommand.objects.filter(id=first["id"]).update(
        created_at=timezone.now() - timedelta(hours=24, seconds=1)
    )
    later = door_open(api_client, world["anna"], "k")
    assert later.status_code == 202
    assert later.json()["id"] != first["id"]
    assert DoorOpenCommand.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "é"])
def test_bad_key_is_invalid_request_and_issues_nothing(api_client, world, active_call, key):
    response = api_client.post(
        f"/api/v1/active-calls/{world['anna'].upn}/door-open",
        headers={"Idempotency-Key": key.encode().decode("latin-1")},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_request"
    assert "Idempotency-Key" in body["errors"]
    assert not DoorOpenCommand.objects.exists()


def test_longest_key_is_accepted(api_client, world, active_call):
    assert door_open(api_client, world["anna"], "~" * 255).status_code == 202


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_repeats_issue_one_command(tenant, api_secret_value, world):
    needs(connection.vendor == "postgresql", "concurrent writers need PostgreSQL")
    start_answered_call(world["front"], world["reception"], world["anna"])
    barrier = threading.Barrier(8)
    answers: list[tuple[int, dict]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def repeat():
        try:
            client = bearer_client(api_secret_value)
            barrier.wait(10)
            response = door_open(client, world["anna"], "retry-me")
            with lock:
                answers.append((response.status_code, response.json()))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=repeat) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert [status for status, _ in answers] == [202] * 8
    assert len({body["id"] for _, body in answers}) == 1
    assert DoorOpenCommand.objects.count() == 1
    assert AuditEntry.objects.filter(action="door.open_requested").count() == 1


# --- The outcome says why a command did not open the door ---------------------------------


def outcome(client, command_id) -> dict:
    return client.get(f"/api/v1/door-open-commands/{command_id}").json()


def test_reason_call_ended(api_client, world, active_call):
    command_id = door_open(api_client, world["anna"]).json()["id"]
    call_end(call=active_call)
    body = outcome(api_client, command_id)
    assert (body["status"], body["reason"]) == ("expired", "call_ended")
    assert body["call_id"] == str(active_call.id)


def test_reason_device_reported_failure(api_client, world, active_call):
    command_id = door_open(api_client, world["anna"]).json()["id"]
    commands_claim(device=world["front"])
    command_ack(device=world["front"], command_id=command_id, result="failed")
    body = outcome(api_client, command_id)
    assert (body["status"], body["reason"]) == ("failed", "device_reported_failure")


def test_reason_not_delivered_in_time_and_none_when_executed(api_client, world, active_call):
    late = door_open(api_client, world["anna"]).json()["id"]
    DoorOpenCommand.objects.filter(id=late).update(expires_at=timezone.now())
    assert outcome(api_client, late)["reason"] == "not_delivered_in_time"
    done = door_open(api_client, world["anna"]).json()["id"]
    commands_claim(device=world["front"])
    command_ack(device=world["front"], command_id=done, result="executed")
    body = outcome(api_client, done)
    assert (body["status"], body["reason"]) == ("executed", None)


def test_call_log_entry_carries_call_id(api_client, world, active_call):
    call_end(call=active_call)
    (entry,) = api_client.get("/api/v1/call-log").json()["entries"]
    assert entry["call_id"] == str(active_call.id)
