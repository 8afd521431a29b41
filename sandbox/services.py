"""A tenant's sandbox: its virtual door station, virtual Teams users and call group, test calls,
and the virtual station that acts on door-opens as a real one would.

Everything here goes through devices.services, the rules real devices and calls follow, so a
test call's door-opens, outcomes, call log and audit entries are the real ones, in the sandbox
tenant only. The virtual station has no credential (no hardware can poll as it) and the
sandbox holds no other device (Device.tenant's limit_choices_to), so nothing done with a test
secret reaches a real door.
"""

from __future__ import annotations

import logging
import uuid

from django.db import transaction

from callgroups.models import CallGroup, CallGroupMember, TeamsUser
from devices.models import Call, Device, DoorOpenCommand
from devices.services import (
    CallError,
    call_answer,
    call_end,
    call_start,
    command_ack,
    commands_claim,
)
from sandbox.models import SandboxCall
from tenants.models import Tenant
from tenants.services import SANDBOX_DOMAIN

logger = logging.getLogger(__name__)

VIRTUAL_STATION_NAME = "Virtual door station"
VIRTUAL_DOOR_OPEN_CODE = "*1#"
VIRTUAL_CALL_GROUP_NAME = "Sandbox reception"
# (UPN local part, display name): the sandbox's Teams users, all members of its call group.
VIRTUAL_USERS = (
    ("ada.virtual", "Ada Virtual"),
    ("ben.virtual", "Ben Virtual"),
    ("cleo.virtual", "Cleo Virtual"),
)
DEFAULT_CALLER = f"sip:visitor@{SANDBOX_DOMAIN}"
END_HINT = "End a test call with POST /api/v1/test/calls/{id}/end."


def sandbox_populate(sender: object, *, sandbox: Tenant, **kwargs: object) -> None:
    """tenants.signals.sandbox_created receiver: the virtual door station (with a door-open
    code, no credential), three virtual Teams users and a multi-ring call group of them."""
    Device.objects.create(
        tenant=sandbox,
        name=VIRTUAL_STATION_NAME,
        sip_uri=f"sip:door@{SANDBOX_DOMAIN}",
        vendor="CyberGate",
        model="Virtual",
        door_open_code=VIRTUAL_DOOR_OPEN_CODE,
        virtual=True,
    )
    group = CallGroup.objects.create(tenant=sandbox, name=VIRTUAL_CALL_GROUP_NAME)
    for position, (local, display_name) in enumerate(VIRTUAL_USERS, start=1):
        user = TeamsUser.objects.create(
            tenant=sandbox,
            upn=f"{local}@{SANDBOX_DOMAIN}",
            object_id=uuid.uuid4(),
            display_name=display_name,
        )
        CallGroupMember.objects.create(call_group=group, user=user, position=position)


def _free_member(sandbox: Tenant) -> TeamsUser:
    """The first member available in a call group and not in an active call."""
    free = (
        sandbox.teams_users.filter(memberships__availability=CallGroupMember.Availability.AVAILABLE)
        .exclude(
            pk__in=Call.objects.filter(tenant=sandbox, state=Call.State.ACTIVE)
            .values("answered_by")
            .exclude(answered_by=None)
        )
        .order_by("memberships__position", "upn")
        .first()
    )
    if free is None:
        raise CallError(
            "user_busy",
            "Every available virtual Teams user is in a test call. " + END_HINT,
        )
    return free


def sandbox_call_start(
    *, sandbox: Tenant, door_open: str, answer_by: TeamsUser | None = None, caller: str = ""
) -> Call:
    """Ring the sandbox's virtual door station and have a member answer, in one transaction (a
    refusal leaves no ringing call behind). `door_open`: what the station does with the call's
    door-opens (SandboxCall.DoorOpen)."""
    if not sandbox.is_sandbox:
        raise CallError("test_secret_required", "Test calls ring a sandbox only.")
    device = sandbox.devices.filter(virtual=True).first()
    if device is None:
        raise CallError("not_found", "This sandbox has no virtual door station.")
    with transaction.atomic():
        user = answer_by if answer_by is not None else _free_member(sandbox)
        group = (
            CallGroup.objects.filter(tenant=sandbox, memberships__user=user)
            .order_by("name")
            .first()
        )
        if group is None:
            raise CallError(
                "not_a_member", "The Teams user is in none of the sandbox's call groups."
            )
        call = call_start(device=device, call_group=group, caller=caller or DEFAULT_CALLER)
        SandboxCall.objects.create(call=call, door_open=door_open)
        for _attempt in VIRTUAL_USERS:
            try:
                return call_answer(call=call, user=user)
            except CallError as exc:
                if answer_by is not None or exc.code != "user_busy":
                    raise
            # A concurrent test call took this member first: the next free one answers (none
            # left: _free_member refuses).
            user = _free_member(sandbox)
        raise CallError("user_busy", "Every virtual Teams user is in a test call. " + END_HINT)


def sandbox_call_end(*, call: Call) -> Call:
    """Hang up a test call: its call log entry is written, its queued door-opens expire."""
    if not SandboxCall.objects.filter(call_id=call.pk).exists():
        raise CallError("not_found", "No test call with this id.")
    return call_end(call=call)


def virtual_station_run(device: Device) -> list[DoorOpenCommand]:
    """What a door station does when it polls: claim its deliverable door-opens and acknowledge
    each as its test call says (executed or failed; `ignore` leaves it unacknowledged, so it
    expires). Returns the commands acknowledged."""
    if not device.virtual:
        raise ValueError("Only a virtual door station is played by the server.")
    acknowledged = []
    for command in commands_claim(device=device):
        behaviour = (
            SandboxCall.objects.filter(call_id=command.call_id)
            .values_list("door_open", flat=True)
            .first()
        )
        if behaviour == SandboxCall.DoorOpen.IGNORE:
            continue
        result = (
            DoorOpenCommand.Status.FAILED
            if behaviour == SandboxCall.DoorOpen.FAIL
            else DoorOpenCommand.Status.EXECUTED
        )
        acknowledged.append(command_ack(device=device, command_id=command.id, result=result))
    return acknowledged


def virtual_station_on_command_queued(
    sender: object, *, device_id: uuid.UUID, virtual: bool, **kwargs: object
) -> None:
    """devices.signals.command_queued receiver (after the door-open's commit): a virtual
    station acts at once, in the process that queued the command; real devices are left to
    the gateway (without a query: a door-open of a real one is the product's urgent request)."""
    if not virtual:
        return
    device = Device.objects.filter(pk=device_id, virtual=True).select_related("tenant").first()
    if device is None:
        return
    try:
        virtual_station_run(device)
    except Exception:
        # The door-open was accepted and committed; its outcome shows the station did nothing.
        logger.exception("The virtual door station %s failed to act", device_id)
