"""Events where they happen: each change raises its event in its own transaction, with `data`
as the customer API shows the same object (ids that join), and a refused change raises none."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from apisecrets.notices import send_expiry_notices
from apisecrets.services import api_secret_create, api_secret_delete, api_secret_roll
from audit.services import Actor
from callgroups.models import CallGroupMember
from callgroups.services import call_group_member_set_availability
from devices.models import DoorOpenCommand
from devices.services import (
    CallError,
    ExpiredCommandsDuty,
    call_answer,
    call_end,
    call_start,
    command_ack,
    commands_claim,
    door_open_request,
)
from tests.factories import make_world, start_answered_call
from tests.helpers import bearer_client
from tests.webhooks.helpers import drain
from webhooks import services
from webhooks.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(receiver):
    world = make_world(admin=True, secrets=["integration"])
    world.endpoint, world.secret = services.endpoint_create(
        tenant=world.tenant, actor=Actor.system(), url=receiver.url
    )
    return world


def _events(receiver, secret) -> list[dict]:
    drain()
    return [Webhook(secret).verify(r.body, r.headers) for r in receiver.received]


def test_a_call_with_a_door_opening_raises_its_events_with_api_shaped_data(world, receiver):
    api = bearer_client(world.secrets["integration"][1])
    call = start_answered_call(
        world["front"], world["reception"], world["anna"], caller="sip:visitor@x"
    )
    active = api.get(f"/api/v1/active-calls/{world['anna'].upn}").json()
    command = door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=Actor.system()
    )
    commands_claim(device=world["front"])
    command_ack(device=world["front"], command_id=command.id, result="executed")
    shown = api.get(f"/api/v1/door-open-commands/{command.id}").json()
    call_end(call=call)
    log = api.get("/api/v1/call-log").json()["entries"]

    got = _events(receiver, world.secret)

    assert [e["type"] for e in got] == [
        "call.ringing",
        "call.answered",
        "door_open.executed",
        "call.ended",
    ]
    ringing, answered, executed, ended = (e["data"] for e in got)
    assert ringing["id"] == str(call.id) and ringing["caller"] == "sip:visitor@x"
    assert ringing["device"] == {"id": str(world["front"].id), "name": "Front door"}
    assert answered == active
    assert executed == shown and executed["call_id"] == str(call.id)
    assert ended == log[0] and ended["call_id"] == str(call.id)
    for event in got:
        assert len(json.dumps(event)) < 20_000


def test_a_failed_door_opening_and_one_expired_by_the_call_ending(world, receiver):
    call = start_answered_call(world["front"], world["reception"], world["anna"], caller="")
    failed = door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=Actor.system()
    )
    commands_claim(device=world["front"])
    command_ack(device=world["front"], command_id=failed.id, result="failed")
    queued = door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=Actor.system()
    )
    call_end(call=call)

    got = [e for e in _events(receiver, world.secret) if e["type"].startswith("door_open")]
    assert [(e["type"], e["data"]["id"], e["data"]["reason"]) for e in got] == [
        ("door_open.failed", str(failed.id), "device_reported_failure"),
        ("door_open.expired", str(queued.id), "call_ended"),
    ]


def test_a_door_opening_that_ran_out_of_time_is_announced_once(world, receiver):
    start_answered_call(world["front"], world["reception"], world["anna"], caller="")
    command = door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=Actor.system()
    )
    DoorOpenCommand.objects.filter(pk=command.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    duty, another_worker = ExpiredCommandsDuty(), ExpiredCommandsDuty()
    duty()
    duty()
    another_worker()
    got = [e for e in _events(receiver, world.secret) if e["type"] == "door_open.expired"]
    assert [(e["data"]["id"], e["data"]["reason"]) for e in got] == [
        (str(command.id), "not_delivered_in_time")
    ]


def test_a_refused_change_raises_no_event(world, receiver):
    call = call_start(device=world["front"], call_group=world["reception"], caller="")
    Message.objects.all().delete()
    with pytest.raises(CallError):
        call_answer(call=call, user=world["carl"])  # not a member
    with pytest.raises(CallError):
        command_ack(device=world["front"], command_id=call.id, result="executed")
    assert Message.objects.count() == 0


def test_availability_changes_but_not_repeats(world, receiver):
    member = CallGroupMember.objects.get(call_group=world["reception"], user=world["anna"])
    for _ in range(2):
        call_group_member_set_availability(
            tenant=world.tenant, actor=Actor.system(), member=member, availability="unavailable"
        )
    got = _events(receiver, world.secret)
    assert len(got) == 1
    assert got[0]["type"] == "availability.changed"
    data = got[0]["data"]
    assert data["call_group"] == {"id": str(world["reception"].id), "name": "reception"}
    assert data["user"]["upn"] == world["anna"].upn
    assert (data["availability"], data["previous_availability"]) == ("unavailable", "available")


def test_api_secret_events_never_carry_the_secret(world, receiver, smtp_inbox):
    actor = Actor.system()
    secret, value = api_secret_create(
        tenant=world.tenant, actor=actor, name="new", validity_days=10
    )
    successor, new_value = api_secret_roll(secret=secret, actor=actor, overlap="1h")
    successor_id, successor_hash = str(successor.id), successor.hashed_value
    send_expiry_notices(now=timezone.now() + timedelta(days=9, hours=12))
    api_secret_delete(secret=successor, actor=actor)

    got = _events(receiver, world.secret)
    types = [e["type"] for e in got]
    assert types[:2] == ["api_secret.created", "api_secret.rolled"]
    assert "api_secret.expiring" in types and types[-1] == "api_secret.deleted"
    rolled = got[1]["data"]
    assert rolled["id"] == successor_id and rolled["replaces"]["id"] == str(secret.id)
    expiring = next(e for e in got if e["type"] == "api_secret.expiring")
    assert expiring["data"]["notice"] == "1d"
    everything = "".join(r.body.decode() for r in receiver.received)
    for raw in (value, new_value, secret.hashed_value, successor_hash):
        assert raw not in everything


def test_another_tenants_changes_never_reach_this_endpoint(world, receiver):
    other = make_world(name="Other", prefix="o-")
    call_start(device=other["front"], call_group=other["reception"], caller="")
    assert Message.objects.count() == 0
    assert _events(receiver, world.secret) == []


def test_the_worker_runs_the_periodic_duties(world, receiver, smtp_inbox):
    """Expiry notices (email and webhook) and door-opens that ran out of time come from the
    worker's duties, without a cron."""
    from webhooks import duties
    from webhooks.worker import Worker

    assert {d.name for d in duties.registered()} >= {
        "apisecrets.expiry_notices",
        "devices.door_open_expired",
        "webhooks.purge",
    }
    api_secret_create(tenant=world.tenant, actor=Actor.system(), name="short", validity_days=10)
    from apisecrets.models import ApiSecret

    ApiSecret.objects.filter(name="short").update(expires_at=timezone.now() + timedelta(hours=5))
    Worker(threads=1).run_duties()
    got = _events(receiver, world.secret)
    assert [e["type"] for e in got] == ["api_secret.created", "api_secret.expiring"]
    assert len(smtp_inbox.received) == 1
