"""POST calls and POST calls/{id}/events: the call's life as the device reports it."""

from __future__ import annotations

import uuid

import pytest

from audit.models import AuditEntry
from devices import services
from devices.models import Call, CallLogEntry
from tests.factories import make_call_group, make_teams_user
from tests.gateway.conftest import request_door_open
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def test_starting_a_call_rings_the_call_group(gateway, call_group):
    response = gateway.start_call(call_group, caller="sip:visitor@street.example")

    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "ringing"
    assert body["caller"] == "sip:visitor@street.example"
    assert body["call_group"] == str(call_group.id)
    assert body["device"] == str(gateway.device.id)
    assert body["answered_by"] is None and body["result"] is None and body["started_at"]
    call = Call.objects.get(id=body["id"])
    assert call.device == gateway.device and call.state == Call.State.RINGING


def test_starting_a_call_to_another_tenants_call_group_is_not_found(gateway, other_tenant):
    foreign = make_call_group(other_tenant, "Globex reception")

    response = gateway.start_call(foreign)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Call.objects.exists()


def test_starting_a_call_to_an_unknown_call_group_is_not_found(gateway):
    assert gateway.start_call(uuid.uuid4()).json()["code"] == "not_found"


GROUP = "<call group id>"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"call_group": GROUP},  # no caller
        {"caller": "x"},  # no call group
        {"caller": "x", "call_group": "not-a-uuid"},
        {"caller": "x" * 255, "call_group": GROUP},
        {"caller": "", "call_group": GROUP},
    ],
)
def test_a_malformed_call_is_an_invalid_request(gateway, call_group, body):
    body = {k: str(call_group.id) if v == GROUP else v for k, v in body.items()}
    response = gateway.client.post("/device-api/v1/calls", body, content_type="application/json")

    assert_problem(response, 400, "invalid_request")
    assert response.json()["errors"]
    assert not Call.objects.exists()


def test_a_body_that_is_not_json_is_an_invalid_request(gateway):
    response = gateway.client.post(
        "/device-api/v1/calls", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_a_member_answers_a_ringing_call(gateway, call_group, member):
    call_id = gateway.start_call(call_group).json()["id"]

    response = gateway.event(call_id, "answered", user="ANNA@acme.example")

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "active"
    assert body["answered_by"] == {
        "id": str(member.id),
        "upn": member.upn,
        "display_name": member.display_name,
    }
    assert Call.objects.get(id=call_id).answered_by == member


def test_a_member_may_be_named_by_entra_object_id(gateway, call_group, member):
    call_id = gateway.start_call(call_group).json()["id"]
    assert gateway.event(call_id, "answered", user=str(member.object_id)).status_code == 200


def test_a_non_member_cannot_answer(gateway, call_group, outsider):
    call_id = gateway.start_call(call_group).json()["id"]

    response = gateway.event(call_id, "answered", user=outsider.upn)

    assert response.status_code == 409
    assert response.json()["code"] == "not_a_member"
    assert Call.objects.get(id=call_id).state == Call.State.RINGING


def test_a_user_of_another_tenant_is_not_found(gateway, call_group, other_tenant):
    stranger = make_teams_user(other_tenant, "anna@acme.example")  # same UPN, other tenant
    call_id = gateway.start_call(call_group).json()["id"]

    response = gateway.event(call_id, "answered", user=str(stranger.id))

    assert response.status_code == 404
    assert response.json()["code"] == "user_not_found"


def test_an_unknown_user_is_not_found(gateway, call_group):
    call_id = gateway.start_call(call_group).json()["id"]
    response = gateway.event(call_id, "answered", user="nobody@acme.example")
    assert response.status_code == 404
    assert response.json()["code"] == "user_not_found"


def test_answered_needs_a_user(gateway, call_group):
    call_id = gateway.start_call(call_group).json()["id"]
    response = gateway.event(call_id, "answered")
    assert response.status_code == 400
    assert "user" in response.json()["errors"]


def test_an_unknown_event_type_is_an_invalid_request(gateway, call_group):
    call_id = gateway.start_call(call_group).json()["id"]
    response = gateway.event(call_id, "exploded")
    assert response.status_code == 400
    assert "type" in response.json()["errors"]


def test_ending_an_answered_call_appends_its_call_log_entry(gateway, call_group, member):
    call_id = gateway.start_call(call_group).json()["id"]
    gateway.event(call_id, "answered", user=member.upn)

    response = gateway.event(call_id, "ended")

    assert response.status_code == 200
    assert response.json()["state"] == "ended"
    assert response.json()["result"] == "answered"
    entry = CallLogEntry.objects.get(call_id=call_id)
    assert entry.result == "answered" and entry.answered_by_upn == member.upn
    assert entry.device_name == gateway.device.name


@pytest.mark.parametrize(
    ("event", "result"), [("ended", "missed"), ("rejected", "rejected"), ("failed", "failed")]
)
def test_a_ringing_call_can_end_without_an_answer(gateway, call_group, event, result):
    call_id = gateway.start_call(call_group).json()["id"]

    response = gateway.event(call_id, event)

    assert response.status_code == 200
    assert response.json()["result"] == result
    assert CallLogEntry.objects.get(call_id=call_id).result == result


@pytest.mark.parametrize(
    ("before", "event"),
    [
        (["answered", "ended"], "answered"),  # answer an ended call
        (["ended"], "answered"),
        (["answered"], "answered"),  # answer twice
        (["answered", "ended"], "ended"),  # end twice
        (["answered"], "rejected"),  # reject a call already answered
        (["rejected"], "failed"),
    ],
)
def test_events_out_of_order_conflict(gateway, call_group, member, before, event):
    call_id = gateway.start_call(call_group).json()["id"]
    for earlier in before:
        user = member.upn if earlier == "answered" else None
        assert gateway.event(call_id, earlier, user=user).status_code == 200
    state = Call.objects.get(id=call_id).state
    log_entries = CallLogEntry.objects.count()

    response = gateway.event(call_id, event, user=member.upn if event == "answered" else None)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_call_state"
    assert Call.objects.get(id=call_id).state == state
    assert CallLogEntry.objects.count() == log_entries


def test_another_devices_call_is_not_found(gateway, other_gateway, call_group, member):
    call_id = gateway.start_call(call_group).json()["id"]

    for event, user in [("answered", member.upn), ("ended", None)]:
        response = other_gateway.event(call_id, event, user=user)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert Call.objects.get(id=call_id).state == Call.State.RINGING


def test_gateway_requests_mark_the_device_seen(gateway, call_group):
    assert gateway.device.last_seen_at is None
    gateway.start_call(call_group)
    gateway.device.refresh_from_db()
    assert gateway.device.last_seen_at is not None


def test_acknowledging_writes_audit_entries_with_the_device_as_actor(gateway, active_call):
    command = request_door_open(active_call.answered_by)
    services.commands_claim(device=gateway.device)

    assert gateway.ack(command.id).status_code == 200

    entry = AuditEntry.objects.get(action="door.opened")
    assert entry.actor_type == "device" and entry.actor_name == gateway.device.name
    active_call.refresh_from_db()
    assert active_call.door_opened
