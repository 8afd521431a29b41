"""Support rotates a device credential in Django admin: confirm, then see the new value once."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from devices.models import Device
from tests.factories import PASSWORD
from tests.helpers import bearer_client

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/devices/device/"


@pytest.fixture
def support(staff_user) -> Client:
    client = Client()
    assert client.login(username=staff_user.email, password=PASSWORD)
    return client


def rotate(client: Client, *devices: Device, confirmed: bool):
    data = {"action": "rotate_credential", "_selected_action": [str(d.pk) for d in devices]}
    if confirmed:
        data["confirmed"] = "yes"
    return client.post(CHANGELIST, data)


def test_rotation_asks_for_confirmation_first(support, device_pair):
    device, credential = device_pair
    old_hash = device.credential_hash

    response = rotate(support, device, confirmed=False)

    assert response.status_code == 200
    assert b"Yes, rotate" in response.content
    device.refresh_from_db()
    assert device.credential_hash == old_hash


def test_the_new_credential_is_shown_once_and_replaces_the_old(support, device_pair):
    device, old_credential = device_pair

    response = rotate(support, device, confirmed=True)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    start = page.index("<code>cgd_") + len("<code>")
    new_credential = page[start : page.index("</code>", start)]
    assert (
        bearer_client(new_credential)
        .post("/device-api/v1/calls", {}, content_type="application/json")
        .status_code
        == 400
    )  # authenticated; the empty body is what is wrong
    old = bearer_client(old_credential).post(
        "/device-api/v1/calls", {}, content_type="application/json"
    )
    assert old.status_code == 401
    # Nowhere to be seen again: not in the device pages, not in the audit trail.
    device.refresh_from_db()
    assert new_credential not in support.get(CHANGELIST).content.decode()
    assert new_credential not in support.get(f"{CHANGELIST}{device.pk}/change/").content.decode()
    entry = AuditEntry.objects.get(action="device.credential_rotated", actor_type="support")
    assert new_credential not in str(entry.details)
    assert entry.details["prefix"] == device.credential_prefix == new_credential[:8]


def test_several_devices_rotate_at_once(support, device_pair, other_gateway):
    device, _ = device_pair
    before = {d.pk: d.credential_hash for d in Device.objects.all()}

    response = rotate(support, device, other_gateway.device, confirmed=True)

    assert response.content.decode().count("<code>cgd_") == 2
    assert all(d.credential_hash != before[d.pk] for d in Device.objects.all())


def test_a_device_without_a_credential_gets_its_first(support, tenant):
    device = Device.objects.create(tenant=tenant, name="New", sip_uri="sip:new@x")

    response = rotate(support, device, confirmed=True)

    device.refresh_from_db()
    assert device.credential_hash and response.content.decode().count("<code>cgd_") == 1
