"""Reads of devices, calls and door-open commands (no writes): the credential lookup, a user's
active call, and the rule of which commands may be handed to a device now, which
`devices.services.commands_claim` applies and the wake-up safety net looks for (the lean gateway
path states it again in SQL, held to the same answers by tests/gateway/test_claim_rule.py)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from callgroups.models import TeamsUser
from cybergate.lib import tokens
from devices.models import Call, Device, DoorOpenCommand

DEVICE_CREDENTIAL_PURPOSE = "device_credential"


def device_for_credential(value: str) -> Device | None:
    """The device a bearer credential belongs to (one indexed lookup; tokens.find), or None."""
    if not tokens.looks_like(value, tokens.DEVICE_CREDENTIAL_PREFIX):
        return None
    device: Device | None = tokens.find(
        Device.objects.select_related("tenant").filter(virtual=False),
        "credential_hash",
        value,
        DEVICE_CREDENTIAL_PURPOSE,
    )
    return device


def active_call_of(user: TeamsUser) -> Call | None:
    """The call `user` answered that is active right now, if any."""
    return (
        Call.objects.filter(tenant_id=user.tenant_id, answered_by=user, state=Call.State.ACTIVE)
        .select_related("device", "call_group")
        .order_by("-answered_at")
        .first()
    )


# --- Door-open commands -------------------------------------------------------------------


def redelivery_after() -> timedelta:
    """A delivered command the device has not acknowledged after this long is handed out again
    (while it is still valid), in case the first delivery was lost on the way."""
    return timedelta(seconds=settings.DOOR_OPEN_REDELIVERY_SECONDS)


def deliverable(now: datetime) -> Q:
    """Commands that may be handed out now: never after expiry or after the call ended."""
    return Q(expires_at__gt=now, call__state=Call.State.ACTIVE) & (
        Q(status=DoorOpenCommand.Status.QUEUED)
        | Q(
            status=DoorOpenCommand.Status.DELIVERED,
            acked_at__isnull=True,
            delivered_at__lte=now - redelivery_after(),
        )
    )


def pending_commands_filter(device: Device, now: datetime) -> Q:
    """Commands `device` may be handed now: never after expiry or after the call ended."""
    return Q(device=device) & deliverable(now)


def devices_with_new_pending_commands(
    since: datetime, now: datetime | None = None
) -> set[uuid.UUID]:
    """Devices with a command that became deliverable after `since`: created since, or due for
    redelivery since. The wake-up safety net's query: its cost follows the commands still valid
    (an index on `expires_at`), not the number of waiting devices or the table's size."""
    now = now or timezone.now()
    again = redelivery_after()
    became = Q(created_at__gt=since) | Q(
        status=DoorOpenCommand.Status.DELIVERED, delivered_at__gt=since - again
    )
    return set(
        DoorOpenCommand.objects.filter(deliverable(now) & became)
        .values_list("device_id", flat=True)
        .distinct()
    )
