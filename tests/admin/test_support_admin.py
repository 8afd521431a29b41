"""Django admin for support: actions go through the services and are audited; audit is read-only."""

from __future__ import annotations

import pytest

from apisecrets.models import ApiSecret
from audit.models import AuditEntry
from audit.services import Actor, record
from tenants.models import SupportRequest, User
from tenants.services import support_request_create
from tests.factories import make_api_secret


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def secret(tenant, actor):
    secret, value = make_api_secret(tenant, "Door app", actor=actor)
    secret.value = value
    return secret


def run_action(client, url: str, action: str, ids) -> None:
    response = client.post(url, {"action": action, "_selected_action": [str(i) for i in ids]})
    assert response.status_code == 302, response.content[:500]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/tenants/tenant/",
        "/admin/tenants/tenant/add/",
        "/admin/tenants/user/",
        "/admin/tenants/user/add/",
        "/admin/tenants/supportrequest/",
        "/admin/apisecrets/apisecret/",
        "/admin/audit/auditentry/",
    ],
)
def test_admin_pages_load(staff_client, tenant, url):
    assert staff_client.get(url).status_code == 200


def test_tenant_action_enables_api_access_as_support(staff_client, tenant, staff_user):
    tenant.api_access_enabled = False
    tenant.save()
    run_action(staff_client, "/admin/tenants/tenant/", "enable_api_access", [tenant.pk])
    tenant.refresh_from_db()
    assert tenant.api_access_enabled
    entry = AuditEntry.objects.get(action="tenant.api_access_enabled")
    assert (entry.actor_type, entry.actor_name) == ("support", staff_user.email)


def test_tenant_list_filters_and_searches(staff_client, tenant, other_tenant):
    other_tenant.api_access_enabled = False
    other_tenant.save()
    html = staff_client.get("/admin/tenants/tenant/?api_access_enabled__exact=0").content.decode()
    assert "Globex" in html and "Acme" not in html
    html = staff_client.get("/admin/tenants/tenant/?q=acme").content.decode()
    assert "Acme" in html and "Globex" not in html


def test_support_request_action_enables_access_and_resolves(staff_client, tenant, admin_user):
    tenant.api_access_enabled = False
    tenant.save()
    request = support_request_create(
        tenant=tenant,
        user=admin_user,
        contact_email=admin_user.email,
        subject="Enable API access for Acme",
        message="please",
    )
    run_action(
        staff_client,
        "/admin/tenants/supportrequest/",
        "enable_api_access_and_resolve",
        [request.pk],
    )
    request.refresh_from_db()
    tenant.refresh_from_db()
    assert request.status == SupportRequest.Status.RESOLVED and request.resolved_at
    assert tenant.api_access_enabled
    assert AuditEntry.objects.filter(action="support_request.resolved").exists()


def test_open_support_requests_are_listed_first(staff_client, tenant, admin_user):
    def make(subject, status):
        return SupportRequest.objects.create(
            tenant=tenant,
            contact_email="a@acme.example",
            subject=subject,
            message="m",
            status=status,
        )

    make("Older open", "open")
    make("Newer resolved", "resolved")
    html = staff_client.get("/admin/tenants/supportrequest/").content.decode()
    assert html.index("Older open") < html.index("Newer resolved")


def test_secret_admin_shows_metadata_but_no_hash_or_value(staff_client, secret):
    html = staff_client.get(f"/admin/apisecrets/apisecret/{secret.pk}/change/").content.decode()
    assert "Door app" in html and secret.masked in html
    assert secret.hashed_value not in html
    assert secret.value not in html
    assert "hashed_value" not in html
    assert 'name="_save"' not in html
    listing = staff_client.get("/admin/apisecrets/apisecret/").content.decode()
    assert secret.hashed_value not in listing


def test_secrets_cannot_be_added_in_admin(staff_client):
    assert staff_client.get("/admin/apisecrets/apisecret/add/").status_code == 403


def test_revoke_action_deletes_and_audits(staff_client, secret, staff_user):
    run_action(staff_client, "/admin/apisecrets/apisecret/", "revoke", [secret.pk])
    assert not ApiSecret.objects.filter(pk=secret.pk).exists()
    entry = AuditEntry.objects.get(action="api_secret.revoked")
    assert (entry.actor_type, entry.actor_name) == ("support", staff_user.email)
    assert entry.tenant_id == secret.tenant_id


def test_delete_page_of_a_secret_revokes_through_the_service(staff_client, secret):
    response = staff_client.post(
        f"/admin/apisecrets/apisecret/{secret.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not ApiSecret.objects.filter(pk=secret.pk).exists()
    assert AuditEntry.objects.filter(action="api_secret.revoked").exists()


def test_audit_entries_cannot_be_changed_or_deleted_in_admin(staff_client, tenant):
    entry = record(tenant=tenant, actor=Actor("user", "alice@acme.example"), action="x.y")
    change = staff_client.get(f"/admin/audit/auditentry/{entry.pk}/change/")
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert b"x.y" in change.content
    post = staff_client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"action": "tampered"})
    assert post.status_code == 403
    assert staff_client.get(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403
    assert (
        staff_client.post(
            f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert staff_client.get("/admin/audit/auditentry/add/").status_code == 403
    listing = staff_client.get("/admin/audit/auditentry/").content.decode()
    assert "delete_selected" not in listing
    entry.refresh_from_db()
    assert entry.action == "x.y"


def test_audit_admin_filters(staff_client, tenant):
    record(tenant=tenant, actor=Actor("support", "s@cg.example"), action="tenant.x")
    for query in [
        "actor_type__exact=support",
        "action=tenant.x",
        f"tenant__id__exact={tenant.pk}",
        "q=tenant",
    ]:
        response = staff_client.get(f"/admin/audit/auditentry/?{query}")
        assert response.status_code == 200
        assert b"tenant.x" in response.content


def test_support_creates_a_tenant_admin_login(staff_client, tenant):
    response = staff_client.post(
        "/admin/tenants/user/add/",
        {
            "email": "New.Admin@Acme.example",
            "full_name": "New Admin",
            "tenant": str(tenant.pk),
            "time_zone": "Europe/Oslo",
            "usable_password": "true",
            "password1": "a-long-enough-password-42",
            "password2": "a-long-enough-password-42",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(email="new.admin@acme.example")
    assert user.tenant == tenant and user.time_zone == "Europe/Oslo"
    assert user.check_password("a-long-enough-password-42")


def test_duplicate_email_is_refused_case_insensitively(staff_client, admin_user):
    response = staff_client.post(
        "/admin/tenants/user/add/",
        {
            "email": admin_user.email.upper(),
            "time_zone": "UTC",
            "usable_password": "true",
            "password1": "a-long-enough-password-42",
            "password2": "a-long-enough-password-42",
        },
    )
    assert response.status_code == 200
    assert User.objects.filter(email__iexact=admin_user.email).count() == 1


def test_user_change_page_loads(staff_client, admin_user):
    assert staff_client.get(f"/admin/tenants/user/{admin_user.pk}/change/").status_code == 200
