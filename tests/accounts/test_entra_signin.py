"""Sign in with Microsoft around the sign-in itself: configuration, MFA, re-authentication and
the sign-in method in the audit trail (the sign-in flows run in tests/browser/)."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from accounts.adapter import AccountAdapter
from accounts.sessions import SIGN_IN_METHOD
from audit.models import AuditEntry
from tests.factories import PASSWORD

APPS = {"microsoft": {"APPS": [{"client_id": "c", "secret": "s", "settings": {"authority": "x"}}]}}


@pytest.fixture
def configured(settings):
    settings.SOCIALACCOUNT_PROVIDERS = APPS


def test_unconfigured_there_is_no_microsoft_sign_in(client, admin_user):
    assert "Sign in with Microsoft" not in client.get("/accounts/login/").content.decode()
    assert client.post("/accounts/microsoft/login/").status_code == 404
    assert client.get("/accounts/microsoft/login/callback/?code=x&state=y").status_code == 404


def test_configured_the_login_page_offers_microsoft(client, configured, db):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with Microsoft" in page
    assert 'action="/accounts/microsoft/login/?process=login"' in page


def test_a_password_sign_in_is_audited_with_its_method(client, admin_user):
    client.post("/accounts/login/", {"login": admin_user.email, "password": PASSWORD})
    entry = AuditEntry.objects.get(action="user.signed_in")
    assert entry.details == {"method": "password"}
    admin_user.refresh_from_db()
    assert admin_user.last_sign_in_method == "password"
    assert "method" in client.get("/audit-trail/").content.decode()


def _session_signed_in_by(user, method: str) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SIGN_IN_METHOD] = method
    session.save()
    return client


def test_microsoft_sign_in_satisfies_the_tenants_mfa_requirement(admin_user):
    admin_user.tenant.mfa_required = True
    admin_user.tenant.save()
    response = _session_signed_in_by(admin_user, "password").get("/api-access/")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]
    assert _session_signed_in_by(admin_user, "microsoft").get("/api-access/").status_code == 200


def test_reauthentication_through_microsoft_asks_microsoft_to_sign_in_again(
    rf, configured, admin_user
):
    SocialAccount.objects.create(user=admin_user, provider="microsoft", uid="oid-1")
    admin_user.set_unusable_password()
    admin_user.save()
    methods = AccountAdapter().get_reauthentication_methods(admin_user)
    assert [m["id"] for m in methods] == ["microsoft"]
    client = _session_signed_in_by(admin_user, "microsoft")
    page = client.get(methods[0]["url"] + "?next=/api-access/").content.decode()
    assert 'name="auth_params" value="prompt=login"' in page
    assert 'name="next" value="/api-access/"' in page
    # An outside `next` is dropped.
    page = client.get(methods[0]["url"] + "?next=https://evil.example/").content.decode()
    assert "evil.example" not in page


def test_a_login_without_microsoft_has_no_microsoft_reauthentication(configured, admin_user):
    methods = AccountAdapter().get_reauthentication_methods(admin_user)
    assert "microsoft" not in [m["id"] for m in methods]
