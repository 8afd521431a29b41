"""One door-open delivery rule, two statements of it: the ORM claim of devices.services
(commands_claim: the Django view and the simulators) and the lean path's SQL (gateway.lean.look:
the gateway pool on PostgreSQL) hand out the same commands and leave the same rows.

Each case is one command of a device, in every combination of its status (queued; delivered and
unacknowledged, within or past DOOR_OPEN_REDELIVERY_SECONDS; acknowledged), its validity and its
call's state. Both claims run on the same starting rows (restored in between), and must agree
with each other and with the rule: handed out only when queued or due for redelivery, valid, and
its call still active.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from audit.services import Actor
from devices import services
from devices.models import Call, Device, DoorOpenCommand
from gateway import lean
from tests.conftest import needs
from tests.gateway.conftest import make_call_group, make_device, make_teams_user

pytestmark = pytest.mark.django_db(transaction=True)  # lean's own connections see committed rows


@pytest.fixture(scope="module", autouse=True)
def _postgresql_only():
    needs(
        settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        "the lean path's claim is PostgreSQL SQL",
    )


@pytest.fixture(scope="module")
def loop():
    """One event loop for the module, as in a gateway process: lean's pool and its batched looks
    belong to the first loop that needs them."""
    loop = asyncio.new_event_loop()
    yield loop
    while lean._pools:  # closed, so the test database can be dropped
        loop.run_until_complete(lean._pools.pop().close())
    lean._looks.clear()
    loop.close()


QUEUED = "queued"
DUE = "delivered, unacknowledged, past the redelivery window"
NOT_YET_DUE = "delivered, unacknowledged, within the redelivery window"
ACKNOWLEDGED = "acknowledged"


def _place(command: DoorOpenCommand, state: str, now) -> None:
    window = timedelta(seconds=settings.DOOR_OPEN_REDELIVERY_SECONDS)
    if state == QUEUED:
        return
    command.status = DoorOpenCommand.Status.DELIVERED
    command.delivered_at = now - (window + timedelta(seconds=2))
    if state == NOT_YET_DUE:
        command.delivered_at = now - window + timedelta(seconds=2)
    elif state == ACKNOWLEDGED:
        command.status = DoorOpenCommand.Status.EXECUTED
        command.acked_at = now - window
    command.save(update_fields=["status", "delivered_at", "acked_at"])


def _row_state(command_id, since) -> tuple[str, bool, bool]:
    """Status, whether this claim stamped delivered_at, whether it is acknowledged."""
    row = DoorOpenCommand.objects.get(pk=command_id)
    stamped = row.delivered_at is not None and row.delivered_at >= since
    return row.status, stamped, row.acked_at is not None


@pytest.mark.parametrize("call_active", [True, False], ids=["active call", "ended call"])
@pytest.mark.parametrize("valid", [True, False], ids=["valid", "expired"])
@pytest.mark.parametrize("state", [QUEUED, DUE, NOT_YET_DUE, ACKNOWLEDGED])
def test_orm_and_lean_claim_the_same_commands(tenant, loop, state, valid, call_active):
    member = make_teams_user(tenant, "anna@acme.example")
    group = make_call_group(tenant, "Reception", member)
    device, credential = make_device(tenant, "Main entrance")
    other, _ = make_device(tenant, "Back door", "*9")
    call = services.call_answer(
        call=services.call_start(device=device, call_group=group, caller="sip:visitor@x"),
        user=member,
    )
    command = services.door_open_request(
        tenant=member.tenant, user_ref=member.upn, actor=Actor.system()
    )
    # Another device's deliverable command is never this device's to claim.
    other_call = services.call_start(device=other, call_group=group, caller="sip:visitor@y")
    DoorOpenCommand.objects.create(
        tenant=tenant,
        call=other_call,
        device=other,
        issued_by_name="test",
        dtmf="*9",
        expires_at=timezone.now() + timedelta(minutes=1),
    )
    now = timezone.now()
    _place(command, state, now)
    if not valid:
        DoorOpenCommand.objects.filter(pk=command.pk).update(expires_at=now - timedelta(seconds=1))
    if not call_active:
        Call.objects.filter(pk=call.pk).update(state=Call.State.ENDED, ended_at=now)
    before = list(DoorOpenCommand.objects.filter(device=device).values())
    credential_hash = services.hash_device_credential(credential)

    started = timezone.now()
    orm_ids = [c.id for c in services.commands_claim(device=Device.objects.get(pk=device.pk))]
    orm_row = _row_state(command.pk, started)

    for row in before:  # the same starting rows for the lean claim
        DoorOpenCommand.objects.filter(pk=row["id"]).update(**row)
    started = timezone.now()
    device_id, lean_commands = loop.run_until_complete(lean.look(credential_hash))
    lean_row = _row_state(command.pk, started)

    expected = (
        [command.id] if valid and call_active and state in (QUEUED, DUE) else []
    )  # the rule itself, so two claims that agree in error still fail
    assert device_id == str(device.pk)
    assert orm_ids == expected
    assert [c.id for c in lean_commands] == orm_ids
    assert lean_row == orm_row
    assert orm_row[1] is bool(expected)  # a claim stamps delivered_at, and only a claim
