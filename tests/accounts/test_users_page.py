"""The Users page: the tenant's logins with their sign-in methods, second factors and last
sign-in; never another tenant's."""

from __future__ import annotations

import re

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone

from tenants.models import User
from tests.conftest import PASSWORD

URL = "/users/"


def _rows(response) -> dict[str, str]:
    """The table's rows by email, as text without tags."""
    html = response.content.decode()
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        email = re.search(r'class="cell-name">([^<]+)<', row)
        if email:
            rows[email[1]] = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    return rows


def test_lists_each_user_of_the_tenant_with_methods_factors_and_last_sign_in(
    client, tenant, admin_user
):
    microsoft_only = User.objects.create_user("mo@acme.example", None, tenant=tenant)
    SocialAccount.objects.create(user=microsoft_only, provider="microsoft", uid="oid-mo")
    User.objects.filter(pk=microsoft_only.pk).update(
        last_login=timezone.now(), last_sign_in_method="microsoft"
    )
    both = User.objects.create_user("both@acme.example", PASSWORD, tenant=tenant)
    SocialAccount.objects.create(user=both, provider="microsoft", uid="oid-both")
    TOTP.activate(both, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    Authenticator.objects.create(user=both, type=Authenticator.Type.WEBAUTHN, data={})
    User.objects.create_user("never@acme.example", PASSWORD, tenant=tenant, is_active=False)

    client.post("/accounts/login/", {"login": admin_user.email, "password": PASSWORD})
    response = client.get(URL)
    assert response.status_code == 200
    rows = _rows(response)
    assert list(rows) == [
        "alice@acme.example",
        "both@acme.example",
        "mo@acme.example",
        "never@acme.example",
    ]
    assert "(you)" in rows["alice@acme.example"]
    assert "Password Not set up" in rows["alice@acme.example"]
    assert "with Password" in rows["alice@acme.example"]
    assert "Microsoft Not set up" in rows["mo@acme.example"]
    assert "Password" not in rows["mo@acme.example"]
    assert "with Microsoft" in rows["mo@acme.example"]
    assert "organisation's MFA in Entra ID" in rows["mo@acme.example"]
    assert "Password Microsoft Authenticator app Passkey" in rows["both@acme.example"]
    assert "Never" in rows["both@acme.example"] and "Never" in rows["never@acme.example"]
    assert "Deactivated" in rows["never@acme.example"]


def test_another_tenants_users_are_never_listed(admin_client, other_admin_user, other_tenant):
    SocialAccount.objects.create(user=other_admin_user, provider="microsoft", uid="oid-bob")
    response = admin_client.get(URL)
    assert list(_rows(response)) == ["alice@acme.example"]
    assert b"globex" not in response.content.lower()


def test_linked_from_the_portal_nav(admin_client):
    page = admin_client.get("/audit-trail/").content.decode()
    assert '<a href="/users/">Users</a>' in page
    assert (
        '<a href="/users/" aria-current="page">Users</a>' in admin_client.get(URL).content.decode()
    )


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/users/")


def test_staff_without_a_tenant_get_the_page_pointing_to_admin(client, staff_user):
    client.force_login(staff_user)
    response = client.get(URL)
    assert response.status_code == 200
    assert b"This login has no tenant" in response.content
    assert b"<table" not in response.content


def test_only_get(admin_client):
    assert admin_client.post(URL).status_code == 405
