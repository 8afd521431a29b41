"""Every portal page × every kind of login: exact status and redirect (the API's matrix, for the
portal: tests/api/test_permissions.py).

Callers: nobody signed in; support staff (a login without a tenant); a user of another tenant
(who reaches their own tenant's pages and gets 404 for this tenant's ids); the tenant's own user.
A caller who is refused changes nothing of the tenant, and pages a user of another tenant may
open show none of this tenant's data.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from apisecrets.models import secrets_of
from audit.services import Actor
from tenants.models import Tenant
from tests.factories import make_api_secret, make_missed_call
from tests.helpers import logged_in
from webhooks.models import Attempt, Endpoint
from webhooks.services import endpoint_create, endpoint_send_test

pytestmark = pytest.mark.django_db

OWNER_SECRET = "Owner's door integration"
OWNER_CALLER = "sip:owner-visitor@street.example"
NO_TENANT = b"This login has no tenant"
OWNER_WEBHOOK = "https://owner-hooks.example.com/in"
NIL = "00000000-0000-0000-0000-000000000000"


class Page:
    """One portal URL and method; `owner` is what the tenant's own user gets: (status, Location).

    `tenant_only`: the page shows one tenant's data (tenant_required), so a login without a
    tenant gets the explanation page. `access_off`: both tenants have API access disabled first
    (the support request form is offered only then).
    """

    def __init__(self, method, path, owner, data=None, *, tenant_only=True, access_off=False):
        self.method, self.path, self.owner, self.data = method, path, owner, data or {}
        self.tenant_only, self.access_off = tenant_only, access_off

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.path}" + (" (access off)" if self.access_off else "")

    @property
    def has_ids(self) -> bool:
        return "{secret}" in self.path or "{endpoint}" in self.path


PAGES = [
    Page("get", "/", (302, "/api-access/"), tenant_only=False),
    Page("get", "/api-access/", (200, None)),
    Page("get", "/api-access/new/", (200, None)),
    Page(
        "post",
        "/api-access/new/",
        (200, None),
        {"name": "New one", "validity_days": "90", "permissions": "read"},
    ),
    Page("get", "/api-access/new/test/", (200, None)),
    Page(
        "post",
        "/api-access/new/test/",
        (200, None),
        {"name": "New test one", "validity_days": "90", "permissions": "read"},
    ),
    Page("get", "/api-access/{secret}/", (200, None)),
    Page("get", "/api-access/{secret}/delete/", (200, None)),
    Page("post", "/api-access/{secret}/delete/", (302, "/api-access/")),
    Page(
        "post",
        "/api-access/{secret}/addresses/",
        (302, "/api-access/{secret}/"),
        {"allowed_addresses": "192.0.2.0/24"},
    ),
    Page(
        "post",
        "/api-access/{secret}/edit/",
        (302, "/api-access/{secret}/"),
        {"name": "Renamed", "permissions": "read"},
    ),
    Page("post", "/api-access/{secret}/disable/", (302, "/api-access/{secret}/")),
    Page("get", "/api-access/{secret}/exists/", (204, None)),
    Page("get", "/api-access/{secret}/roll/", (200, None)),
    Page("post", "/api-access/{secret}/roll/", (200, None), {"overlap": "1d"}),
    Page("get", "/api-access/support-request/", (302, "/api-access/")),
    Page("get", "/api-access/support-request/", (200, None), access_off=True),
    Page(
        "post",
        "/api-access/support-request/",
        (302, "/api-access/"),
        {"contact_email": "alice@acme.example", "subject": "API", "message": "Please enable."},
        access_off=True,
    ),
    Page("get", "/audit-trail/", (200, None)),
    Page("get", "/call-log/", (200, None)),
    Page("get", "/call-log.csv", (200, None)),
    # The Security page and what it links to: any login, tenant or not.
    Page("get", "/accounts/2fa/", (200, None), tenant_only=False),
    Page("get", "/accounts/time-zone/", (200, None), tenant_only=False),
    Page(
        "post",
        "/accounts/time-zone/",
        (302, "/accounts/2fa/"),
        {"time_zone": "Europe/Berlin"},
        tenant_only=False,
    ),
    Page("get", "/accounts/password/change/", (200, None), tenant_only=False),
    Page("get", "/users/", (200, None)),
    Page("get", "/webhooks/", (200, None)),
    Page("get", "/webhooks/new/", (200, None)),
    Page("post", "/webhooks/new/", (200, None), {"url": "https://new.example.com/hook"}),
    Page("get", "/webhooks/{endpoint}/", (200, None)),
    Page(
        "post",
        "/webhooks/{endpoint}/edit/",
        (302, "/webhooks/{endpoint}/"),
        {"url": "https://changed.example.com/hook"},
    ),
    Page("get", "/webhooks/{endpoint}/delete/", (200, None)),
    Page("post", "/webhooks/{endpoint}/delete/", (302, "/webhooks/")),
    Page("post", "/webhooks/{endpoint}/secret/", (200, None)),
    Page("post", "/webhooks/{endpoint}/rotate/", (200, None)),
    Page("post", "/webhooks/{endpoint}/test/", (302, "/webhooks/{endpoint}/")),
    Page("post", "/webhooks/{endpoint}/disable/", (302, "/webhooks/{endpoint}/")),
    Page(
        "post",
        "/webhooks/{endpoint}/recover/",
        (302, "/webhooks/{endpoint}/"),
        {"since": "2020-01-01T00:00"},
    ),
    Page(
        "post",
        "/webhooks/{endpoint}/messages/{message}/resend/",
        (302, "/webhooks/{endpoint}/"),
    ),
]
CALLERS = ["anonymous", "tenantless_staff", "other_tenant", "owner"]


def _portal_url_names() -> set[str]:
    """Names of every URL the portal's own apps route (not admin, the APIs, health or allauth)."""
    names = {"time_zone_settings"}
    for entry in get_resolver().url_patterns:
        module = getattr(entry, "urlconf_name", None)
        if isinstance(entry, URLResolver) and getattr(module, "__name__", None) in {
            "accounts.urls",
            "apisecrets.urls",
            "audit.urls",
            "devices.urls",
            "webhooks.urls",
        }:
            names |= {p.name for p in entry.url_patterns if isinstance(p, URLPattern) and p.name}
    return names


def test_the_matrix_lists_every_portal_url():
    covered = {
        resolve(page.path.format(secret=NIL, endpoint=NIL, message=NIL)).url_name for page in PAGES
    }
    assert covered >= _portal_url_names()


def _snapshot(tenant: Tenant) -> tuple:
    """The tenant's data a portal page could change."""
    tenant.refresh_from_db()
    return (
        tenant.api_access_enabled,
        list(secrets_of(tenant).order_by("id").values()),  # test secrets too
        list(tenant.support_requests.order_by("id").values()),
        tenant.audit_entries.count(),
        list(tenant.users.order_by("id").values_list("email", "time_zone")),
        list(Endpoint.objects.filter(tenant=tenant).order_by("id").values()),
        list(Attempt.objects.filter(message__tenant=tenant).order_by("id").values()),
    )


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("page", PAGES, ids=[page.id for page in PAGES])
def test_page_matrix(caller, page, tenant, other_tenant, admin_user, other_admin_user, staff_user):
    secret, _ = make_api_secret(tenant, OWNER_SECRET)
    make_missed_call(tenant, caller=OWNER_CALLER)
    endpoint, _ = endpoint_create(tenant=tenant, actor=Actor.system(), url=OWNER_WEBHOOK)
    message = endpoint_send_test(endpoint=endpoint, actor=Actor.system())
    if page.access_off:
        Tenant.objects.update(api_access_enabled=False)
    ids = {"secret": secret.id, "endpoint": endpoint.id, "message": message.id}
    path = page.path.format(**ids)
    login = {"tenantless_staff": staff_user, "other_tenant": other_admin_user, "owner": admin_user}
    client = logged_in(login[caller]) if caller in login else Client()
    before = _snapshot(tenant)

    response = getattr(client, page.method)(path, page.data)

    owner_status, owner_location = page.owner
    location = owner_location and owner_location.format(**ids)
    if caller == "anonymous" and page.path != "/":
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={quote(path)}"
    elif caller == "tenantless_staff" and page.tenant_only:
        assert response.status_code == 200, response.content
        assert NO_TENANT in response.content
        assert b'href="/admin/"' in response.content
    elif caller == "other_tenant" and page.has_ids:
        assert response.status_code == 404
    else:
        assert response.status_code == owner_status, response.content
        assert response.get("Location") == location
    if caller != "owner":
        assert _snapshot(tenant) == before
        body = _body(response)
        assert OWNER_SECRET not in body and "Owner&#x27;s door" not in body
        assert OWNER_CALLER not in body
        assert OWNER_WEBHOOK not in body


def test_the_owners_writes_took_effect(tenant, admin_user):
    """The owner row of the matrix answers as a success because the change was made."""
    secret, _ = make_api_secret(tenant, OWNER_SECRET)
    client = logged_in(admin_user)
    client.post(
        "/api-access/new/", {"name": "New one", "validity_days": "90", "permissions": "read"}
    )
    client.post(f"/api-access/{secret.id}/addresses/", {"allowed_addresses": "192.0.2.0/24"})
    secret.refresh_from_db()
    assert tenant.api_secrets.filter(name="New one").exists()
    assert [str(a) for a in secret.allowed_addresses] == ["192.0.2.0/24"]
    client.post(f"/api-access/{secret.id}/edit/", {"name": "Renamed", "permissions": "read"})
    secret.refresh_from_db()
    assert (secret.name, secret.permissions) == ("Renamed", ["read"])
    client.post(f"/api-access/{secret.id}/disable/")
    secret.refresh_from_db()
    assert secret.is_disabled
    client.post(f"/api-access/{secret.id}/roll/", {"overlap": "1d"})
    assert tenant.api_secrets.filter(replaced_by__isnull=False).count() == 1
    client.post(f"/api-access/{secret.id}/delete/")
    assert not tenant.api_secrets.filter(pk=secret.pk).exists()
    client.post("/accounts/time-zone/", {"time_zone": "Europe/Berlin"})
    admin_user.refresh_from_db()
    assert admin_user.time_zone == "Europe/Berlin"
    Tenant.objects.filter(pk=tenant.pk).update(api_access_enabled=False)
    data = {"contact_email": "alice@acme.example", "subject": "API", "message": "Please enable."}
    client.post("/api-access/support-request/", data)
    assert tenant.support_requests.get().message == "Please enable."
