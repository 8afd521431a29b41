"""Retry-safe door opening (Idempotency-Key) and the outcome's call_id / reason."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from audit.models import AuditEntry
from devices.models import DoorOpenCommand, IdempotencyKey
from devices.services import call_end, command_ack, commands_claim
from tests.conftest import needs
from tests.factories import make_api_secret, start_answered_call
from tests.helpers import assert_problem, at_once, bearer_client

pytestmark = pytest.mark.django_db


def door_open(client, user, key: str | None = None, body: dict | None = None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        f"/api/v1/active-calls/{user.upn}/door-open",
        body,
        content_type="application/json",
        headers=headers,
    )


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


def test_keys_are_the_tenants_so_a_rolled_successor_replays_the_first_answer(
    api_client, tenant, world, active_call
):
    _, value = make_api_secret(tenant, name="successor")
    first = door_open(api_client, world["anna"], "same")
    second = door_open(bearer_client(value), world["anna"], "same")
    assert second.status_code == 202
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert DoorOpenCommand.objects.count() == 1


def test_another_tenants_key_of_the_same_name_is_its_own(
    api_client, world, active_call, other_world, other_tenant
):
    start_answered_call(other_world["front"], other_world["reception"], other_world["anna"])
    _, value = make_api_secret(other_tenant, name="theirs")
    ours = door_open(api_client, world["anna"], "order-1")
    theirs = door_open(bearer_client(value), other_world["anna"], "order-1")
    assert (ours.status_code, theirs.status_code) == (202, 202)
    assert "Idempotent-Replayed" not in theirs
    assert ours.json()["id"] != theirs.json()["id"]


def test_a_refusal_is_kept_so_a_retry_never_opens_a_later_visitors_door(api_client, world):
    refused = door_open(api_client, world["anna"], "visitor-1")
    assert_problem(refused, 409, "not_in_active_call")
    assert "Idempotent-Replayed" not in refused
    # The next visitor rings and Anna answers; the integrator's retry of the first request...
    start_answered_call(world["front"], world["reception"], world["anna"])
    retried = door_open(api_client, world["anna"], "visitor-1")
    # ...gets the first answer again and opens nothing.
    assert_problem(retried, 409, "not_in_active_call")
    assert retried["Idempotent-Replayed"] == "true"
    assert not DoorOpenCommand.objects.exists()
    assert not AuditEntry.objects.filter(action="door.open_requested").exists()


def test_an_unknown_user_refusal_is_kept_too(api_client, tenant, world):
    refused = api_client.post(
        "/api/v1/active-calls/nobody@acme.example/door-open",
        headers={"Idempotency-Key": "k"},
    )
    assert_problem(refused, 404, "user_not_found")
    again = api_client.post(
        "/api/v1/active-calls/nobody@acme.example/door-open",
        headers={"Idempotency-Key": "k"},
    )
    assert_problem(again, 404, "user_not_found")
    assert again["Idempotent-Replayed"] == "true"


def test_a_refused_key_for_another_request_is_422(api_client, world):
    assert_problem(door_open(api_client, world["anna"], "k"), 409, "not_in_active_call")
    start_answered_call(world["back"], world["garage"], world["ben"])
    assert_problem(door_open(api_client, world["ben"], "k"), 422, "idempotency_key_reused")
    assert not DoorOpenCommand.objects.exists()


def test_call_id_pins_the_call(api_client, world, active_call):
    response = door_open(api_client, world["anna"], body={"call_id": str(active_call.id)})
    assert response.status_code == 202
    assert response.json()["call_id"] == str(active_call.id)


def test_call_id_of_an_ended_call_is_call_mismatch_when_another_call_is_active(
    api_client, world, active_call
):
    call_end(call=active_call)
    later = start_answered_call(world["front"], world["reception"], world["anna"])
    response = door_open(api_client, world["anna"], body={"call_id": str(active_call.id)})
    assert_problem(response, 409, "call_mismatch")
    assert not DoorOpenCommand.objects.exists()
    # The call that is active now can still be named.
    assert door_open(api_client, world["anna"], body={"call_id": str(later.id)}).status_code == 202


def test_call_id_when_no_call_is_active_is_not_in_active_call(api_client, world, active_call):
    call_end(call=active_call)
    response = door_open(api_client, world["anna"], body={"call_id": str(active_call.id)})
    assert_problem(response, 409, "not_in_active_call")


def test_same_key_with_another_call_id_is_422(api_client, world, active_call):
    first = door_open(api_client, world["anna"], "k", {"call_id": str(active_call.id)})
    assert first.status_code == 202
    other = "00000000-0000-4000-8000-000000000000"
    assert_problem(
        door_open(api_client, world["anna"], "k", {"call_id": other}), 422, "idempotency_key_reused"
    )
    assert DoorOpenCommand.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"callid": "x"}, "callid"),
        ({"call_id": "not-a-uuid"}, "call_id"),
        ({"call_id": 7}, "call_id"),
        ({"call_id": None}, "call_id"),
    ],
)
def test_bad_body_is_400_naming_the_field_and_changes_nothing(
    api_client, world, active_call, body, field
):
    response = door_open(api_client, world["anna"], "k", body)
    assert_problem(response, 400, "invalid_request")
    assert field in response.json()["errors"]
    assert not DoorOpenCommand.objects.exists()
    # A 400 is not an answer kept for the key: the corrected request goes through.
    assert door_open(api_client, world["anna"], "k").status_code == 202


def test_body_that_is_not_an_object_is_400(api_client, world, active_call):
    response = api_client.post(
        f"/api/v1/active-calls/{world['anna'].upn}/door-open", [1], content_type="application/json"
    )
    assert_problem(response, 400, "invalid_request")
    assert not DoorOpenCommand.objects.exists()


def test_same_key_for_another_user_is_422(api_client, world, active_call):
    assert door_open(api_client, world["anna"], "k").status_code == 202
    start_answered_call(world["back"], world["garage"], world["ben"])
    response = door_open(api_client, world["ben"], "k")
    assert_problem(response, 422, "idempotency_key_reused")
    assert DoorOpenCommand.objects.count() == 1


def test_key_counts_for_24_hours(api_client, world, active_call):
    first = door_open(api_client, world["anna"], "k").json()
    IdempotencyKey.objects.filter(key="k").update(
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


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_and_other_keys_on_one_call_never_answer_5xx(
    tenant, api_secret_value, world
):
    needs(connection.vendor == "postgresql", "concurrent writers need PostgreSQL")
    start_answered_call(world["front"], world["reception"], world["anna"])
    for round_ in range(33):
        # Six repeats of one key and two other keys, all on the call's row at once.
        keys = [f"round-{round_}"] * 6 + [f"round-{round_}-a", f"round-{round_}-b"]

        def attempt(index: int, keys=keys) -> str:
            response = door_open(bearer_client(api_secret_value), world["anna"], keys[index])
            return f"{response.status_code} {response.json().get('id', response.json())}"

        outcomes = at_once(8, attempt)
        assert all(outcome.startswith("202 ") for outcome in outcomes), outcomes
        assert len(set(outcomes)) == 3, outcomes
    assert DoorOpenCommand.objects.count() == 33 * 3
    assert AuditEntry.objects.filter(action="door.open_requested").count() == 33 * 3


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
