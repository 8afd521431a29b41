"""Domain data for the customer API tests: Teams users, call groups, devices and calls."""

from __future__ import annotations

import uuid

import pytest

from callgroups.models import CallGroup, CallGroupMember, TeamsUser
from devices.models import Call, Device
from devices.services import call_answer, call_start


def make_world(tenant, prefix: str = "") -> dict:
    domain = tenant.domain
    anna = TeamsUser.objects.create(
        tenant=tenant,
        upn=f"{prefix}anna@{domain}",
        object_id=uuid.uuid4(),
        display_name=f"{prefix}Anna",
    )
    ben = TeamsUser.objects.create(
        tenant=tenant,
        upn=f"{prefix}ben@{domain}",
        object_id=uuid.uuid4(),
        display_name=f"{prefix}Ben",
    )
    carl = TeamsUser.objects.create(
        tenant=tenant,
        upn=f"{prefix}carl@{domain}",
        object_id=uuid.uuid4(),
        display_name=f"{prefix}Carl (no group)",
    )
    reception = CallGroup.objects.create(tenant=tenant, name="reception")
    CallGroupMember.objects.create(call_group=reception, user=ben, position=2)
    CallGroupMember.objects.create(call_group=reception, user=anna, position=1)
    garage = CallGroup.objects.create(
        tenant=tenant, name="garage", ring_strategy=CallGroup.RingStrategy.SEQUENTIAL
    )
    CallGroupMember.objects.create(call_group=garage, user=ben, position=1)
    front = Device.objects.create(
        tenant=tenant, name="Front door", sip_uri=f"sip:front@{domain}", door_open_code="*1#"
    )
    back = Device.objects.create(tenant=tenant, name="Back door", sip_uri=f"sip:back@{domain}")
    return {
        "anna": anna,
        "ben": ben,
        "carl": carl,
        "reception": reception,
        "garage": garage,
        "front": front,
        "back": back,
    }


@pytest.fixture
def world(tenant) -> dict:
    return make_world(tenant)


@pytest.fixture
def other_world(other_tenant) -> dict:
    return make_world(other_tenant, prefix="o-")


def start_answered_call(device: Device, group: CallGroup, user: TeamsUser) -> Call:
    call = call_start(device=device, call_group=group, caller="sip:visitor@example.org")
    return call_answer(call=call, user=user)


@pytest.fixture
def active_call(world) -> Call:
    """Anna answered a call from the front door (which has a door-open code)."""
    return start_answered_call(world["front"], world["reception"], world["anna"])
