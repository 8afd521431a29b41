"""Test secrets on the API Access page: made beside live ones, counted apart from the 4."""

from __future__ import annotations

import re

from apisecrets.models import ApiSecret
from audit.models import AuditEntry
from tests.factories import make_admin, make_api_secret, make_tenant
from tests.helpers import logged_in

URL = "/api-access/"
FORM = {"name": "sandbox app", "validity_days": "30", "permissions": ["read", "door_open"]}


def create_test_secret(client, name: str):
    return client.post("/api-access/new/test/", {**FORM, "name": name})


def test_test_secret_is_created_beside_four_live_ones(admin_client, tenant, actor):
    for i in range(4):
        make_api_secret(tenant, f"live {i}", actor=actor)
    html = admin_client.get(URL).content.decode()
    assert re.search(r"<button [^>]*disabled>Create API secret</button>", html)
    assert re.search(r"<button type=\"submit\"[^>]*>Create test secret</button>", html)

    response = create_test_secret(admin_client, "sandbox app")
    assert response.status_code == 200, response.content
    value = re.search(r'value="(cgs_test_[0-9A-Za-z]{46})"', response.content.decode()).group(1)
    secret = ApiSecret.objects.get(name="sandbox app")
    assert secret.is_test and secret.tenant.sandbox_of_id == tenant.id
    assert value.startswith(secret.prefix)
    assert "test secret" in response.content.decode()

    html = admin_client.get(URL).content.decode()
    assert "4 of 4" in html  # the live count is unchanged
    assert "1 of 4." in html  # the test places
    assert '<span class="badge badge-test">test</span>' in html
    assert "sandbox app" in html
    entry = AuditEntry.objects.get(
        tenant=tenant, action="api_secret.created", target__contains="sandbox"
    )
    assert entry.details["test"] is True


def test_test_secrets_have_four_places_of_their_own(admin_client, tenant, actor):
    for i in range(4):
        make_api_secret(tenant, f"test {i}", actor=actor, test=True)
    html = admin_client.get(URL).content.decode()
    assert re.search(r"<button [^>]*disabled>Create test secret</button>", html)
    assert "at most 4 test secrets per tenant" in html
    assert re.search(r"<button type=\"submit\"[^>]*>Create API secret</button>", html)

    response = create_test_secret(admin_client, "fifth")
    assert "at most 4 test secrets per tenant" in response.content.decode()
    assert not ApiSecret.objects.filter(name="fifth").exists()
    # A live secret still fits.
    make_api_secret(tenant, "live", actor=actor)


def test_test_secret_names_are_distinct_from_live_ones(admin_client, tenant, actor):
    make_api_secret(tenant, "Door app", actor=actor)
    response = create_test_secret(admin_client, "door APP")
    assert "already exists" in response.content.decode()
    assert ApiSecret.objects.count() == 1


def test_test_secret_is_deleted_and_rolled_from_the_page(admin_client, tenant, actor):
    secret, _ = make_api_secret(tenant, "sandbox app", actor=actor, test=True)
    detail = admin_client.get(f"/api-access/{secret.id}/")
    assert detail.status_code == 200
    assert "acts on your sandbox only" in detail.content.decode()

    response = admin_client.post(f"/api-access/{secret.id}/roll/", {"overlap": "1h"})
    assert response.status_code == 200
    assert re.search(r'value="cgs_test_[0-9A-Za-z]{46}"', response.content.decode())
    successor = ApiSecret.objects.get(name="sandbox app", rolled_at__isnull=True)
    assert successor.tenant_id == secret.tenant_id

    admin_client.post(f"/api-access/{successor.id}/delete/")
    assert not ApiSecret.objects.filter(pk=successor.pk).exists()
    actions = set(AuditEntry.objects.filter(tenant=tenant).values_list("action", flat=True))
    assert {"api_secret.rolled", "api_secret.deleted"} <= actions


def test_another_tenant_cannot_touch_a_test_secret(tenant, actor):
    secret, _ = make_api_secret(tenant, "sandbox app", actor=actor, test=True)
    stranger = logged_in(make_admin(make_tenant("Other")))
    assert stranger.get(f"/api-access/{secret.id}/").status_code == 404
    assert stranger.post(f"/api-access/{secret.id}/delete/").status_code == 404
    assert "sandbox app" not in stranger.get(URL).content.decode()
    assert ApiSecret.objects.filter(pk=secret.pk).exists()


def test_offboarding_revokes_test_secrets_too(tenant, actor):
    from tenants.services import tenant_offboard

    secret, _ = make_api_secret(tenant, "sandbox app", actor=actor, test=True)
    summary = tenant_offboard(tenant=tenant, actor=actor)
    assert "sandbox app" in summary["api_secrets_revoked"]
    assert not ApiSecret.objects.filter(pk=secret.pk).exists()


def test_test_secret_stops_when_live_api_access_is_off(tenant, actor):
    from tenants.models import Tenant
    from tests.helpers import assert_problem, bearer_client

    _, value = make_api_secret(tenant, "sandbox app", actor=actor, test=True)
    client = bearer_client(value)
    assert client.get("/api/v1/version").status_code == 200
    Tenant.objects.filter(pk=tenant.pk).update(api_access_enabled=False)
    from apisecrets import authentication

    authentication.reset_for_tests()
    assert_problem(client.get("/api/v1/version"), 403, "api_access_disabled")


def test_create_api_secret_command_makes_a_test_secret(tenant):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "create_api_secret",
        tenant=tenant.name,
        name="ci",
        test=True,
        stdout=out,
        stderr=io.StringIO(),
    )
    value = out.getvalue().strip()
    assert value.startswith("cgs_test_")
    assert ApiSecret.objects.get(name="ci").tenant.sandbox_of_id == tenant.id


def test_no_secret_is_made_in_a_sandbox_itself(tenant, actor):
    import pytest

    from cybergate.lib.errors import ServiceError

    secret, _ = make_api_secret(tenant, "sandbox app", actor=actor, test=True)
    with pytest.raises(ServiceError) as caught:
        make_api_secret(secret.tenant, "inside", actor=actor)
    assert caught.value.code == "sandbox"
    with pytest.raises(ServiceError) as caught:
        make_api_secret(secret.tenant, "inside", actor=actor, test=True)
    assert caught.value.code == "sandbox"
    assert ApiSecret.objects.count() == 1


def test_a_test_secret_expiry_notice_goes_to_the_tenant_admins(
    tenant, admin_user, actor, mailoutbox
):
    from datetime import timedelta

    from apisecrets.notices import send_expiry_notices

    make_api_secret(tenant, "sandbox app", actor=actor, test=True, expires_in=timedelta(days=5))
    assert send_expiry_notices().sent == 1
    [mail] = mailoutbox
    assert mail.to == [admin_user.email]
    assert f"“sandbox app” of {tenant.name} expires" in mail.body
