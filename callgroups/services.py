"""Writes of call groups that the API (and later the portal) share."""

from __future__ import annotations

from django.db import transaction

from audit.services import Actor, record
from callgroups.models import CallGroupMember
from callgroups.serializers import CallGroupMemberSerializer, CallGroupRefSerializer
from tenants.models import Tenant
from webhooks import events
from webhooks.services import emit


def call_group_member_set_availability(
    *,
    tenant: Tenant,
    actor: Actor,
    member: CallGroupMember,
    availability: str,
    ip: str | None = None,
) -> CallGroupMember:
    """Set a member's availability; audit `call_group.availability_changed` if it changed.

    Setting the value it already has is a successful no-op without an audit entry: nothing
    changed, and integrators that re-send their whole state would otherwise flood the trail.
    """
    if availability not in CallGroupMember.Availability.values:
        raise ValueError(f"Unknown availability {availability!r}.")
    with transaction.atomic():
        locked = (
            CallGroupMember.objects.select_for_update(of=("self",))
            .select_related("call_group", "user")
            .get(pk=member.pk, call_group__tenant=tenant)
        )
        previous = locked.availability
        if previous != availability:
            locked.availability = availability
            locked.save(update_fields=["availability"])
            record(
                tenant=tenant,
                actor=actor,
                action="call_group.availability_changed",
                target=f"call_group:{locked.call_group.name}",
                details={
                    "call_group_id": str(locked.call_group.id),
                    "user_id": str(locked.user.id),
                    "user": locked.user.upn,
                    "from": previous,
                    "to": availability,
                },
                ip=ip,
            )
            emit(
                tenant_id=tenant.id,
                event_type=events.AVAILABILITY_CHANGED,
                data={
                    "call_group": CallGroupRefSerializer(locked.call_group).data,
                    **CallGroupMemberSerializer(locked).data,
                    "previous_availability": previous,
                },
            )
    return locked
