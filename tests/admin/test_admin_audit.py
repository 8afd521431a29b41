"""Support's changes in admin land in the tenant's audit trail, without secrets; rows cannot move
between tenants (issue 7, item 8)."""

from __future__ import annotations

import json
import uuid

import pytest

from audit.models import AuditEntry
from callgroups.models import CallGroup, CallGroupMember, TeamsUser
from devices.models import Device
from tenants.models import User

pytestmark = pytest.mark.django_db


def device_form(device: Device, **changes) -> dict:
    data = {
        "tenant": str(device.tenant_id),
        "name": device.name,
        "sip_uri": device.sip_uri,
        "vendor": device.vendor,
        "model": device.model,
        "door_open_code": device.door_open_code,
    }
    return {**data, **changes}


def members_form(group: CallGroup, rows: list[dict], **changes) -> dict:
    """The call group change form; rows: {"id"?, "user", "position", "availability", "DELETE"?}."""
    initial = sum(1 for row in rows if "id" in row)
    data = {
        "tenant": str(group.tenant_id),
        "name": group.name,
        "ring_strategy": group.ring_strategy,
        "ring_seconds": str(group.ring_seconds),
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(initial),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"memberships-{i}-{key}"] = str(value)
        data[f"memberships-{i}-call_group"] = str(group.pk)
    return {**data, **changes}


def entry(action: str) -> AuditEntry:
    return AuditEntry.objects.get(action=action)


def test_device_change_is_audited_with_the_door_code_masked(
    superuser_client, staff_user, world, tenant
):
    device = world["front"]
    response = superuser_client.post(
        f"/admin/devices/device/{device.pk}/change/",
        device_form(device, name="Front gate", door_open_code="9876#"),
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    device.refresh_from_db()
    assert device.door_open_code == "9876#"
    audit = entry("device.changed")
    assert audit.tenant == tenant
    assert (audit.actor_type, audit.actor_name) == ("support", staff_user.email)
    assert audit.ip == "192.0.2.7"
    assert audit.target == "device:Front gate"
    assert audit.details["id"] == str(device.pk)
    assert audit.details["fields"] == {
        "name": {"old": "Front door", "new": "Front gate"},
        "door_open_code": "changed",
    }
    stored = json.dumps(audit.details)
    assert "9876#" not in stored and "*1#" not in stored


def test_device_creation_and_deletion_are_audited_without_secrets(superuser_client, tenant):
    response = superuser_client.post(
        "/admin/devices/device/add/",
        {
            "tenant": str(tenant.pk),
            "name": "Garage",
            "sip_uri": "sip:garage@acme.example",
            "door_open_code": "4321",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    device = Device.objects.get(name="Garage")
    created = entry("device.created")
    assert created.tenant == tenant
    assert created.details["fields"]["name"] == "Garage"
    assert created.details["fields"]["door_open_code"] == "set"
    assert "4321" not in json.dumps(created.details)

    response = superuser_client.post(f"/admin/devices/device/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Device.objects.filter(pk=device.pk).exists()
    deleted = entry("device.deleted")
    assert (deleted.tenant, deleted.target) == (tenant, "device:Garage")


def test_bulk_delete_writes_one_entry_per_row(superuser_client, world, tenant):
    devices = [world["front"], world["back"]]
    response = superuser_client.post(
        "/admin/devices/device/",
        {
            "action": "delete_selected",
            "_selected_action": [str(d.pk) for d in devices],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Device.objects.filter(tenant=tenant).exists()
    targets = set(
        AuditEntry.objects.filter(action="device.deleted", tenant=tenant).values_list(
            "target", flat=True
        )
    )
    assert targets == {"device:Front door", "device:Back door"}


def test_saving_without_changes_writes_nothing(superuser_client, world):
    device = world["front"]
    response = superuser_client.post(
        f"/admin/devices/device/{device.pk}/change/", device_form(device)
    )
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action__startswith="device.").exists()


def test_tenant_change_is_audited_in_its_own_trail(superuser_client, tenant):
    response = superuser_client.post(
        f"/admin/tenants/tenant/{tenant.pk}/change/",
        {"name": "Acme Corp", "domain": tenant.domain},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    audit = entry("tenant.changed")
    assert audit.tenant == tenant
    assert audit.details["fields"] == {"name": {"old": "Acme", "new": "Acme Corp"}}


def test_teams_user_creation_is_audited(superuser_client, tenant):
    object_id = uuid.uuid4()
    response = superuser_client.post(
        "/admin/callgroups/teamsuser/add/",
        {
            "tenant": str(tenant.pk),
            "upn": "dora@acme.example",
            "object_id": str(object_id),
            "display_name": "Dora",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    audit = entry("teams_user.created")
    assert audit.tenant == tenant
    assert audit.details["fields"]["upn"] == "dora@acme.example"
    assert audit.details["fields"]["object_id"] == str(object_id)


def test_call_group_member_changes_are_audited(superuser_client, world, tenant):
    group = world["reception"]
    anna = CallGroupMember.objects.get(call_group=group, user=world["anna"])
    ben = CallGroupMember.objects.get(call_group=group, user=world["ben"])
    rows = [
        {"id": anna.pk, "user": anna.user_id, "position": 1, "availability": "unavailable"},
        {
            "id": ben.pk,
            "user": ben.user_id,
            "position": 2,
            "availability": "available",
            "DELETE": "on",
        },
        {"user": world["carl"].pk, "position": 3, "availability": "available"},
    ]
    response = superuser_client.post(
        f"/admin/callgroups/callgroup/{group.pk}/change/", members_form(group, rows)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(group.memberships.values_list("user__display_name", flat=True)) == {
        "Anna",
        "Carl (no group)",
    }
    audit = entry("call_group.changed")
    assert audit.tenant == tenant and audit.target == "call_group:reception"
    members = audit.details["memberships"]
    assert members["added"] == ["Carl (no group) <carl@acme.example> in reception (#3)"]
    assert members["removed"] == ["Ben <ben@acme.example> in reception (#2)"]
    assert members["changed"] == [
        {
            "row": "Anna <anna@acme.example> in reception (#1)",
            "fields": {"availability": {"old": "available", "new": "unavailable"}},
        }
    ]
    assert "fields" not in audit.details  # the group itself did not change


def test_support_creating_a_login_is_audited_without_the_password(superuser_client, tenant):
    password = "a-long-enough-password-42"
    response = superuser_client.post(
        "/admin/tenants/user/add/",
        {
            "email": "carol@acme.example",
            "tenant": str(tenant.pk),
            "time_zone": "UTC",
            "usable_password": "true",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="carol@acme.example")
    audit = entry("user.created")
    assert audit.tenant == tenant
    assert audit.details["fields"]["email"] == "carol@acme.example"
    assert audit.details["fields"]["password1"] == "set"
    assert password not in json.dumps(audit.details)
    assert user.password not in json.dumps(audit.details)

    response = superuser_client.post(
        f"/admin/tenants/user/{user.pk}/password/",
        {
            "usable_password": "true",
            "password1": "Another-password-43",
            "password2": "Another-password-43",
        },
    )
    assert response.status_code == 302
    changed = entry("user.password_changed")
    assert changed.tenant == tenant and "Another-password-43" not in json.dumps(changed.details)


# --- Rows stay in their tenant ---------------------------------------------------------------


def test_device_cannot_be_moved_to_another_tenant(superuser_client, world, tenant, other_tenant):
    device = world["front"]
    page = superuser_client.get(f"/admin/devices/device/{device.pk}/change/").content.decode()
    assert "disabled" in page.split('name="tenant"')[1].split(">")[0]
    response = superuser_client.post(
        f"/admin/devices/device/{device.pk}/change/",
        device_form(device, tenant=str(other_tenant.pk), name="Moved"),
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.tenant == tenant and device.name == "Moved"
    assert "tenant" not in entry("device.changed").details["fields"]


def test_teams_user_cannot_be_moved_to_another_tenant(
    superuser_client, world, tenant, other_tenant
):
    anna = world["anna"]
    response = superuser_client.post(
        f"/admin/callgroups/teamsuser/{anna.pk}/change/",
        {
            "tenant": str(other_tenant.pk),
            "upn": anna.upn,
            "object_id": str(anna.object_id),
            "display_name": "Anna B.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    anna.refresh_from_db()
    assert anna.tenant == tenant and anna.display_name == "Anna B."
    # Still a valid member of her tenant's call groups.
    assert CallGroupMember.objects.filter(user=anna, call_group__tenant=tenant).exists()


def test_call_group_cannot_be_moved_to_another_tenant(
    superuser_client, world, tenant, other_tenant
):
    group = world["garage"]
    ben = CallGroupMember.objects.get(call_group=group)
    rows = [{"id": ben.pk, "user": ben.user_id, "position": 1, "availability": "available"}]
    response = superuser_client.post(
        f"/admin/callgroups/callgroup/{group.pk}/change/",
        members_form(group, rows, tenant=str(other_tenant.pk)),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    group.refresh_from_db()
    assert group.tenant == tenant


def test_a_member_from_another_tenant_is_refused_on_change(superuser_client, world, other_tenant):
    group = world["garage"]
    ben = CallGroupMember.objects.get(call_group=group)
    stranger = TeamsUser.objects.create(
        tenant=other_tenant, upn="eve@globex.example", object_id=uuid.uuid4(), display_name="Eve"
    )
    rows = [
        {"id": ben.pk, "user": ben.user_id, "position": 1, "availability": "available"},
        {"user": stranger.pk, "position": 2, "availability": "available"},
    ]
    response = superuser_client.post(
        f"/admin/callgroups/callgroup/{group.pk}/change/", members_form(group, rows)
    )
    assert response.status_code == 200
    assert "another tenant" in response.content.decode()
    assert not CallGroupMember.objects.filter(user=stranger).exists()
    assert not AuditEntry.objects.filter(action="call_group.changed").exists()


def test_renaming_a_call_group_to_a_taken_name_is_a_form_error(superuser_client, world):
    group = world["garage"]
    ben = CallGroupMember.objects.get(call_group=group)
    rows = [{"id": ben.pk, "user": ben.user_id, "position": 1, "availability": "available"}]
    response = superuser_client.post(
        f"/admin/callgroups/callgroup/{group.pk}/change/",
        members_form(group, rows, name="Reception"),
    )
    assert response.status_code == 200
    group.refresh_from_db()
    assert group.name == "garage"


def test_moving_a_login_to_another_tenant_is_recorded_in_both_trails(
    superuser_client, admin_user, tenant, other_tenant
):
    response = superuser_client.post(
        f"/admin/tenants/user/{admin_user.pk}/change/",
        {
            "email": admin_user.email,
            "tenant": str(other_tenant.pk),
            "time_zone": "UTC",
            "is_active": "on",
            "date_joined_0": admin_user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": admin_user.date_joined.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entries = AuditEntry.objects.filter(action="user.changed")
    assert {e.tenant for e in entries} == {tenant, other_tenant}
    assert entries[0].details["fields"]["tenant"] == {"old": "Acme", "new": "Globex"}
