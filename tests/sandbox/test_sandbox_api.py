"""The sandbox over the customer API (Django test client): a test secret acts on its tenant's
sandbox, whose virtual door station carries out door-opens, and on nothing live."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from callgroups.models import CallGroupMember
from cybergate.lib import tokens
from devices.models import Call, CallLogEntry, Device, DoorOpenCommand
from sandbox.services import VIRTUAL_USERS
from tenants.services import SANDBOX_DOMAIN
from tests.helpers import assert_problem, bearer_client

ADA = f"{VIRTUAL_USERS[0][0]}@{SANDBOX_DOMAIN}"
BEN = f"{VIRTUAL_USERS[1][0]}@{SANDBOX_DOMAIN}"


def ring(client, **body):
    return client.post("/api/v1/test/calls", body)


def open_door(client, upn: str, call_id: str, capture):
    """POST door-open; the virtual station acts on commit (captured and run here)."""
    with capture(execute=True):
        response = client.post(f"/api/v1/active-calls/{upn}/door-open", {"call_id": call_id})
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_test_secret_has_its_own_prefix_and_checksum(test_secret_pair):
    secret, value = test_secret_pair
    assert value.startswith("cgs_test_")
    assert len(value) == tokens.TEST_API_SECRET_LENGTH
    assert tokens.checksum_ok(value)
    assert secret.prefix == value[:13] and secret.is_test
    # A leak scanner tells the two kinds apart.
    import re

    assert re.fullmatch(tokens.TEST_API_SECRET_PATTERN, value)
    assert not re.search(tokens.API_SECRET_PATTERN, value)


def test_test_secret_with_a_wrong_checksum_is_refused(test_secret_value):
    broken = test_secret_value[:-1] + ("A" if test_secret_value[-1] != "A" else "B")
    assert_problem(bearer_client(broken).get("/api/v1/version"), 401, "invalid_secret")


def test_test_secret_sees_the_sandbox_not_the_live_tenant(world, test_secret_value, sandbox):
    client = bearer_client(test_secret_value)
    tenant = client.get("/api/v1/tenant").json()
    assert tenant["id"] == str(sandbox.id) != str(world.tenant.id)

    groups = client.get("/api/v1/call-groups").json()["results"]
    assert [group["name"] for group in groups] == ["Sandbox reception"]
    upns = [member["user"]["upn"] for member in groups[0]["members"]]
    assert upns == [f"{local}@{SANDBOX_DOMAIN}" for local, _ in VIRTUAL_USERS]

    live_group = world["reception"].id
    assert_problem(client.get(f"/api/v1/call-groups/{live_group}"), 404, "not_found")
    assert_problem(client.get(f"/api/v1/active-calls/{world['anna'].upn}"), 404, "user_not_found")

    # The live secret sees none of the sandbox.
    live = bearer_client(world.secrets["live integration"][1])
    assert_problem(live.get(f"/api/v1/active-calls/{ADA}"), 404, "user_not_found")
    live_groups = live.get("/api/v1/call-groups").json()["results"]
    assert "Sandbox reception" not in [group["name"] for group in live_groups]


def test_test_secret_reads_no_live_calls_or_audit(world, test_secret_value):
    from tests.factories import start_answered_call

    live_call = start_answered_call(world["front"], world["reception"], world["anna"])
    from devices.services import call_end

    call_end(call=live_call)
    assert CallLogEntry.objects.filter(tenant=world.tenant).exists()
    assert AuditEntry.objects.filter(tenant=world.tenant).exists()  # api_secret.created, ...

    client = bearer_client(test_secret_value)
    assert client.get("/api/v1/call-log?after=start").json()["entries"] == []
    actions = [e["action"] for e in client.get("/api/v1/audit-trail?after=start").json()["entries"]]
    assert actions == []


def test_a_test_call_rings_the_virtual_station_and_a_member_answers(test_secret_value, sandbox):
    client = bearer_client(test_secret_value)
    response = ring(client)
    assert response.status_code == 201, response.content
    call = response.json()
    assert call["state"] == "active"
    assert call["device"]["name"] == "Virtual door station"
    assert call["answered_by"]["upn"] == ADA
    assert call["door_open"] == "execute"
    assert call["result"] is None and call["ended_at"] is None

    active = client.get(f"/api/v1/active-calls/{ADA}").json()
    assert active["in_active_call"] and active["call"]["id"] == call["id"]
    assert active["door_open_code_configured"] is True

    # A second test call without answer_by goes to the next free member.
    second = ring(client, answer_by=BEN.upper()).json()
    assert second["answered_by"]["upn"] == BEN
    assert Call.objects.filter(tenant=sandbox, state="active").count() == 2


def test_door_open_through_a_test_secret_is_executed_by_the_virtual_station(
    world, test_secret_value, sandbox, django_capture_on_commit_callbacks
):
    client = bearer_client(test_secret_value)
    call = ring(client, answer_by=ADA).json()
    command_id = open_door(client, ADA, call["id"], django_capture_on_commit_callbacks)

    outcome = client.get(f"/api/v1/door-open-commands/{command_id}").json()
    assert outcome["status"] == "executed" and outcome["reason"] is None
    assert outcome["delivered_at"] and outcome["acked_at"]

    # Never a command on a real device: the only one is the sandbox's virtual station's.
    command = DoorOpenCommand.objects.get()
    assert command.device.virtual and command.tenant_id == sandbox.id
    assert not DoorOpenCommand.objects.filter(device__virtual=False).exists()
    assert not DoorOpenCommand.objects.filter(tenant=world.tenant).exists()

    # Hang up: the call log and the audit trail show it, in the sandbox only.
    ended = client.post(f"/api/v1/test/calls/{call['id']}/end")
    assert ended.status_code == 200, ended.content
    assert ended.json()["result"] == "answered" and ended.json()["door_opened"] is True
    entries = client.get("/api/v1/call-log").json()["entries"]
    assert [(e["call_id"], e["door_opened"], e["result"]) for e in entries] == [
        (call["id"], True, "answered")
    ]
    actions = [e["action"] for e in client.get("/api/v1/audit-trail").json()["entries"]]
    assert actions == ["door.open_requested", "door.opened"]
    assert not CallLogEntry.objects.filter(tenant=world.tenant).exists()
    live_actions = set(
        AuditEntry.objects.filter(tenant=world.tenant).values_list("action", flat=True)
    )
    assert not live_actions & {"door.open_requested", "door.opened"}


def test_virtual_station_fails_door_opens_on_request(
    test_secret_value, django_capture_on_commit_callbacks
):
    client = bearer_client(test_secret_value)
    call = ring(client, door_open="fail").json()
    assert call["door_open"] == "fail"
    command_id = open_door(client, ADA, call["id"], django_capture_on_commit_callbacks)
    outcome = client.get(f"/api/v1/door-open-commands/{command_id}").json()
    assert (outcome["status"], outcome["reason"]) == ("failed", "device_reported_failure")
    actions = [e["action"] for e in client.get("/api/v1/audit-trail").json()["entries"]]
    assert actions == ["door.open_requested", "door.open_failed"]
    client.post(f"/api/v1/test/calls/{call['id']}/end")
    [entry] = client.get("/api/v1/call-log").json()["entries"]
    assert entry["door_opened"] is False


def test_ignored_door_open_expires(test_secret_value, settings, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    client = bearer_client(test_secret_value)
    call = ring(client, door_open="ignore").json()
    command_id = open_door(client, ADA, call["id"], django_capture_on_commit_callbacks)
    assert client.get(f"/api/v1/door-open-commands/{command_id}").json()["status"] == "delivered"
    DoorOpenCommand.objects.filter(pk=command_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    outcome = client.get(f"/api/v1/door-open-commands/{command_id}").json()
    assert (outcome["status"], outcome["reason"]) == ("expired", "not_delivered_in_time")


def test_live_secret_cannot_use_the_test_endpoints(world, test_secret_value, sandbox):
    live = bearer_client(world.secrets["live integration"][1])
    body = assert_problem(ring(live), 403, "test_secret_required")
    assert "test secret" in body["detail"]
    sandbox_call = ring(bearer_client(test_secret_value)).json()
    assert_problem(
        live.post(f"/api/v1/test/calls/{sandbox_call['id']}/end"), 403, "test_secret_required"
    )
    # Nothing rang on the live tenant; the sandbox call still runs.
    assert not Call.objects.filter(tenant=world.tenant).exists()
    assert Call.objects.get(pk=sandbox_call["id"]).state == "active"


def test_test_secret_cannot_end_a_live_call(world, test_secret_value):
    from tests.factories import start_answered_call

    live_call = start_answered_call(world["front"], world["reception"], world["anna"])
    client = bearer_client(test_secret_value)
    assert_problem(client.post(f"/api/v1/test/calls/{live_call.id}/end"), 404, "not_found")
    assert_problem(
        client.post(f"/api/v1/active-calls/{live_call.answered_by.id}/door-open"),
        404,
        "user_not_found",
    )
    live_call.refresh_from_db()
    assert live_call.state == "active"
    assert not DoorOpenCommand.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"door_open": "explode"}, "door_open"),
        ({"answer_by": 7}, "answer_by"),
        ({"caller": "x" * 255}, "caller"),
        ({"answer_by": "a\x00b"}, "answer_by"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_test_call_bodies_are_400_and_ring_nothing(test_secret_value, body, field):
    response = ring(bearer_client(test_secret_value), **body)
    problem = assert_problem(response, 400, "invalid_request")
    assert field in problem["errors"]
    assert not Call.objects.exists()


def test_refused_answer_leaves_no_ringing_call(test_secret_value, sandbox):
    client = bearer_client(test_secret_value)
    assert_problem(ring(client, answer_by="nobody@example.org"), 404, "user_not_found")
    ring(client, answer_by=ADA)
    assert_problem(ring(client, answer_by=ADA), 409, "user_busy")
    CallGroupMember.objects.filter(user__upn=BEN).update(availability="unavailable")
    assert_problem(ring(client, answer_by=BEN), 409, "member_unavailable")
    assert list(Call.objects.values_list("state", flat=True)) == ["active"]
    # Every free member busy: a clear 409, nothing rung.
    ring(client)  # cleo
    body = assert_problem(ring(client), 409, "user_busy")
    assert "/end" in body["detail"]
    assert Call.objects.filter(tenant=sandbox).count() == 2


def test_ending_twice_is_a_conflict(test_secret_value):
    client = bearer_client(test_secret_value)
    call = ring(client).json()
    assert client.post(f"/api/v1/test/calls/{call['id']}/end").status_code == 200
    assert_problem(client.post(f"/api/v1/test/calls/{call['id']}/end"), 409, "invalid_call_state")
    assert CallLogEntry.objects.filter(call_id=call["id"]).count() == 1


def test_sandbox_is_made_once_per_tenant(world, sandbox):
    from tests.factories import make_api_secret

    second, _ = make_api_secret(world.tenant, "second sandbox integration", test=True)
    assert second.tenant_id == sandbox.id
    assert Device.objects.filter(tenant=sandbox).count() == 1
    assert sandbox.sandbox_of_id == world.tenant.id


def test_the_virtual_station_has_no_credential_and_the_gateway_refuses_it(sandbox):
    from devices.selectors import device_for_credential
    from devices.services import device_credential_rotate

    station = Device.objects.get(tenant=sandbox)
    assert station.virtual and station.credential_hash is None
    with pytest.raises(ValueError):
        device_credential_rotate(station)
    # Even a hash planted on it by hand finds no device at the gateway.
    value = tokens.generate(tokens.DEVICE_CREDENTIAL_PREFIX)
    from devices.services import hash_device_credential

    Device.objects.filter(pk=station.pk).update(credential_hash=hash_device_credential(value))
    assert device_for_credential(value) is None


def test_no_real_device_can_be_put_in_a_sandbox(world, sandbox):
    from django.core.exceptions import ValidationError
    from django.forms import modelform_factory

    form_class = modelform_factory(Device, fields=["tenant", "name", "sip_uri"])
    choices = form_class().fields["tenant"].queryset
    assert world.tenant in choices and sandbox not in choices
    form = form_class({"tenant": sandbox.pk, "name": "Real door", "sip_uri": "sip:r@d.example"})
    assert not form.is_valid() and "tenant" in form.errors
    intruder = Device(tenant=sandbox, name="Real door", sip_uri="sip:real@door.example")
    with pytest.raises(ValidationError) as refused:
        intruder.full_clean()
    assert "tenant" in refused.value.message_dict


def test_each_tenant_has_its_own_sandbox(test_secret_value, sandbox, other_tenant):
    from tests.factories import make_api_secret

    other_secret, other_value = make_api_secret(other_tenant, "their sandbox", test=True)
    assert other_secret.tenant_id != sandbox.id
    mine = ring(bearer_client(test_secret_value)).json()

    theirs = bearer_client(other_value)
    assert_problem(theirs.post(f"/api/v1/test/calls/{mine['id']}/end"), 404, "not_found")
    assert theirs.get(f"/api/v1/active-calls/{ADA}").json()["in_active_call"] is False
    assert theirs.get("/api/v1/call-log?after=start").json()["entries"] == []
    assert Call.objects.get(pk=mine["id"]).state == "active"
