"""Django admin for call groups and devices (support staff)."""

from __future__ import annotations

import uuid

import pytest

from callgroups.models import CallGroup, CallGroupMember, TeamsUser
from devices.models import Call, CallLogEntry, DoorOpenCommand
from devices.services import call_end, device_credential_rotate
from tests.factories import start_answered_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def users(tenant, n: int) -> list[TeamsUser]:
    return [
        TeamsUser.objects.create(
            tenant=tenant, upn=f"u{i}@acme.example", object_id=uuid.uuid4(), display_name=f"U{i}"
        )
        for i in range(n)
    ]


def group_form(tenant, strategy: str, seconds: int, members: list[TeamsUser]) -> dict:
    data = {
        "tenant": str(tenant.pk),
        "name": "lobby",
        "ring_strategy": strategy,
        "ring_seconds": str(seconds),
        "memberships-TOTAL_FORMS": str(len(members)),
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, user in enumerate(members):
        data[f"memberships-{i}-position"] = str(i + 1)
        data[f"memberships-{i}-user"] = str(user.pk)
        data[f"memberships-{i}-availability"] = "available"
    return data


def test_call_group_with_ordered_members_is_created(staff_client, tenant):
    members = users(tenant, 3)
    response = staff_client.post(
        "/admin/callgroups/callgroup/add/", group_form(tenant, "multi_ring", 15, members)
    )
    assert response.status_code == 302, response.content[:2000]
    group = CallGroup.objects.get(name="lobby")
    ordered = list(group.memberships.order_by("position").values_list("user__upn", flat=True))
    assert ordered == ["u0@acme.example", "u1@acme.example", "u2@acme.example"]


def test_multi_ring_group_refuses_a_sixteenth_member(staff_client, tenant):
    response = staff_client.post(
        "/admin/callgroups/callgroup/add/", group_form(tenant, "multi_ring", 15, users(tenant, 16))
    )
    assert response.status_code == 200
    assert "at most 15 members" in response.content.decode()
    assert not CallGroup.objects.filter(name="lobby").exists()


def test_sequential_group_may_have_sixteen_members(staff_client, tenant):
    response = staff_client.post(
        "/admin/callgroups/callgroup/add/", group_form(tenant, "sequential", 10, users(tenant, 16))
    )
    assert response.status_code == 302
    assert CallGroupMember.objects.filter(call_group__name="lobby").count() == 16


@pytest.mark.parametrize("seconds", [4, 31])
def test_sequential_ring_seconds_must_be_5_to_30(staff_client, tenant, seconds):
    response = staff_client.post(
        "/admin/callgroups/callgroup/add/",
        group_form(tenant, "sequential", seconds, users(tenant, 1)),
    )
    assert response.status_code == 200
    assert not CallGroup.objects.filter(name="lobby").exists()


def test_member_of_another_tenant_is_refused(staff_client, tenant, other_tenant):
    response = staff_client.post(
        "/admin/callgroups/callgroup/add/",
        group_form(tenant, "multi_ring", 15, users(other_tenant, 1)),
    )
    assert response.status_code == 200
    assert "another tenant" in response.content.decode()


def test_device_admin_shows_credential_prefix_never_the_hash(staff_client, world):
    device = world["front"]
    value = device_credential_rotate(device)
    device.refresh_from_db()
    html = staff_client.get(f"/admin/devices/device/{device.pk}/change/").content.decode()
    assert device.credential_prefix in html
    assert device.credential_hash not in html
    assert value not in html
    listing = staff_client.get("/admin/devices/device/").content.decode()
    assert device.credential_hash not in listing


def test_calls_log_and_commands_are_read_only(staff_client, world):
    call = start_answered_call(world["front"], world["reception"], world["anna"])
    from audit.services import Actor
    from devices.services import door_open_request

    command = door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=Actor.system()
    )
    call_end(call=call)
    entry = CallLogEntry.objects.get()
    for model, obj in (("call", call), ("calllogentry", entry), ("dooropencommand", command)):
        base = f"/admin/devices/{model}/"
        assert staff_client.get(base).status_code == 200
        assert staff_client.get(f"{base}{obj.pk}/change/").status_code == 200  # view only
        assert staff_client.get(f"{base}add/").status_code == 403
        assert staff_client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Call.objects.filter(pk=call.pk).exists()
    assert DoorOpenCommand.objects.filter(pk=command.pk).exists()
