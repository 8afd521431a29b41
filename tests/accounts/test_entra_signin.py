"""Sign in with Microsoft around the sign-in itself: configuration, MFA, re-authentication and
the sign-in method in the audit trail (the sign-in flows run in tests/browser/)."""

from __future__ import annotations

import time

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from accounts.adapter import AccountAdapter
from accounts.sessions import SIGN_IN_METHOD, SIGNED_IN_AT
from apisecrets.models import ApiSecret
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
    # Back through the page that carries out the held action, then on to `next`.
    assert (
        'name="next" value="/accounts/microsoft/reauthenticate/done/?next=%2Fapi-access%2F"' in page
    )
    # An outside `next` is dropped.
    page = client.get(methods[0]["url"] + "?next=https://evil.example/").content.decode()
    assert "evil.example" not in page


def test_a_login_without_microsoft_has_no_microsoft_reauthentication(configured, admin_user):
    methods = AccountAdapter().get_reauthentication_methods(admin_user)
    assert "microsoft" not in [m["id"] for m in methods]


def _microsoft_only(user) -> None:
    SocialAccount.objects.create(user=user, provider="microsoft", uid="oid-1")
    user.set_unusable_password()
    user.save()


def _microsoft_only_signed_in_at_ten(user, time_machine):
    """A login with Microsoft as its only method, signed in with it at 10:00 (clock frozen)."""
    _microsoft_only(user)
    time_machine.move_to("2026-11-28 10:00:00+00:00", tick=False)
    client = _session_signed_in_by(user, "microsoft")
    session = client.session
    session[SIGNED_IN_AT] = time.time()
    session.save()
    return client


def _create(client):
    form = {"name": "Door", "validity_days": 90, "permissions": "read"}
    return client.post("/api-access/new/", form)


def test_a_microsoft_only_login_is_asked_to_sign_in_with_microsoft_again(
    configured, admin_user, time_machine
):
    # allauth itself would let a login without password or second factor through.
    client = _microsoft_only_signed_in_at_ten(admin_user, time_machine)
    time_machine.move_to("2026-11-28 10:14:00+00:00", tick=False)
    assert _create(client).status_code == 200  # recent: no question
    time_machine.move_to("2026-11-28 10:16:00+00:00", tick=False)
    response = _create(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/microsoft/reauthenticate/?next=%2Fapi-access%2Fnew%2F"
    assert ApiSecret.objects.count() == 1
    # Coming back without a fresh Microsoft sign-in carries nothing out.
    response = client.get("/accounts/microsoft/reauthenticate/done/?next=/api-access/new/")
    assert response.status_code == 302
    assert ApiSecret.objects.count() == 1


def test_a_microsoft_only_login_adding_a_factor_signs_in_with_microsoft_again(
    configured, admin_user, time_machine
):
    client = _microsoft_only_signed_in_at_ten(admin_user, time_machine)
    for url in ("/accounts/2fa/totp/activate/", "/accounts/2fa/webauthn/add/"):
        assert client.get(url).status_code == 200, url
    time_machine.move_to("2026-11-28 10:16:00+00:00", tick=False)
    for url in ("/accounts/2fa/totp/activate/", "/accounts/2fa/webauthn/add/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/microsoft/reauthenticate/?next=%2F")
    assert client.get("/accounts/2fa/").status_code == 200  # looking is no change
