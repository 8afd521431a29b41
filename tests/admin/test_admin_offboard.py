"""Offboarding a tenant in admin ends every way in and keeps the audit trail (issue 7, item 8)."""

from __future__ import annotations

import pytest
from django.test import Client

from apisecrets.models import ApiSecret
from audit.models import AuditEntry
from audit.services import Actor, record
from devices.models import Device
from devices.services import device_credential_rotate
from tenants.models import SupportRequest, Tenant
from tenants.services import support_request_create, tenant_offboard
from tests.factories import PASSWORD, make_api_secret
from tests.helpers import bearer_client

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/tenants/tenant/"
VERSION = "/api/v1/version"


def device_client(credential: str) -> Client:
    return bearer_client(credential)


def gateway_status(credential: str) -> int:
    # An authenticated device gets 400 for the empty body; an unknown credential 401.
    return (
        device_client(credential)
        .post("/device-api/v1/calls", {}, content_type="application/json")
        .status_code
    )


@pytest.fixture
def customer(tenant, admin_user) -> dict:
    """A live tenant: an API secret in use, a registered device, a signed-in admin, an open
    support request and some history."""
    secret, secret_value = make_api_secret(tenant, name="Door app")
    device = Device.objects.create(tenant=tenant, name="Front door", sip_uri="sip:front@acme")
    credential = device_credential_rotate(device, actor=Actor.system())
    portal = Client()
    assert portal.login(username=admin_user.email, password=PASSWORD)
    support_request_create(
        tenant=tenant,
        user=admin_user,
        contact_email=admin_user.email,
        subject="Help",
        message="please",
    )
    history = record(tenant=tenant, actor=Actor.for_user(admin_user), action="api_secret.viewed")
    return {
        "secret": secret,
        "secret_value": secret_value,
        "device": device,
        "credential": credential,
        "portal": portal,
        "history": history,
    }


def offboard(client: Client, *tenants: Tenant, confirmed: bool):
    data = {"action": "offboard", "_selected_action": [str(t.pk) for t in tenants]}
    if confirmed:
        data["confirmed"] = "yes"
    return client.post(CHANGELIST, data)


def test_offboarding_asks_for_confirmation_first(superuser_client, tenant, customer):
    response = offboard(superuser_client, tenant, confirmed=False)
    assert response.status_code == 200
    assert b"Yes, offboard" in response.content and b"Acme" in response.content
    tenant.refresh_from_db()
    assert tenant.api_access_enabled
    assert ApiSecret.objects.filter(tenant=tenant).exists()
    assert not AuditEntry.objects.filter(action="tenant.offboarded").exists()


def test_offboarding_ends_every_way_in_and_keeps_the_trail(
    superuser_client,
    staff_user,
    tenant,
    other_tenant,
    admin_user,
    customer,
    django_capture_on_commit_callbacks,
):
    api = bearer_client(customer["secret_value"])
    assert api.get(VERSION).status_code == 200  # now cached by this process
    assert gateway_status(customer["credential"]) == 400
    assert customer["portal"].get("/api-access/").status_code == 200
    other_value = make_api_secret(other_tenant, name="Other app")[1]

    with django_capture_on_commit_callbacks(execute=True):
        response = offboard(superuser_client, tenant, confirmed=True)
    assert response.status_code == 302

    # The API secret: gone at once, also from this process's authentication cache.
    answer = api.get(VERSION)
    assert answer.status_code == 401 and answer.json()["code"] == "invalid_secret"
    assert not ApiSecret.objects.filter(tenant=tenant).exists()
    # The device credential.
    assert gateway_status(customer["credential"]) == 401
    device = Device.objects.get(pk=customer["device"].pk)
    assert device.credential_hash is None and device.credential_prefix == ""
    # API access, sign-in and the session already open.
    tenant.refresh_from_db()
    assert not tenant.api_access_enabled
    admin_user.refresh_from_db()
    assert not admin_user.is_active
    session = customer["portal"].get("/api-access/")
    assert session.status_code == 302 and "/accounts/login/" in session["Location"]
    login = Client().post("/accounts/login/", {"username": admin_user.email, "password": PASSWORD})
    assert login.status_code == 200 and "_auth_user_id" not in login.client.session
    # Support requests.
    assert not SupportRequest.objects.filter(
        tenant=tenant, status=SupportRequest.Status.OPEN
    ).exists()
    # The trail: kept, with the offboarding in it.
    assert AuditEntry.objects.filter(pk=customer["history"].pk).exists()
    entry = AuditEntry.objects.get(action="tenant.offboarded")
    assert (entry.tenant, entry.actor_type, entry.actor_name) == (
        tenant,
        "support",
        staff_user.email,
    )
    assert entry.details == {
        "api_secrets_revoked": ["Door app"],
        "device_credentials_revoked": ["Front door"],
        "users_deactivated": [admin_user.email],
        "support_requests_resolved": 1,
    }
    assert AuditEntry.objects.filter(action="api_secret.revoked", tenant=tenant).count() == 1
    assert AuditEntry.objects.filter(action="tenant.api_access_disabled", tenant=tenant).exists()
    assert customer["credential"] not in str(list(AuditEntry.objects.values("details")))
    # Another tenant is untouched.
    assert bearer_client(other_value).get(VERSION).status_code == 200


def test_offboarding_twice_is_harmless(tenant, customer, staff_user):
    actor = Actor.for_support(staff_user)
    tenant_offboard(tenant=tenant, actor=actor)
    second = tenant_offboard(tenant=tenant, actor=actor)
    assert second == {
        "api_secrets_revoked": [],
        "device_credentials_revoked": [],
        "users_deactivated": [],
        "support_requests_resolved": 0,
    }
    assert AuditEntry.objects.filter(action="tenant.offboarded").count() == 2


def test_a_tenant_is_not_deleted_in_admin(superuser_client, tenant, customer):
    assert superuser_client.get(f"{CHANGELIST}{tenant.pk}/delete/").status_code == 403
    assert (
        superuser_client.post(f"{CHANGELIST}{tenant.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Tenant.objects.filter(pk=tenant.pk).exists()
    assert b"delete_selected" not in superuser_client.get(CHANGELIST).content
