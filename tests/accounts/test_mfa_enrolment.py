"""Second factors can always be enrolled: nobody else's request stands in the way, and a login's
address is support's to set, not the user's to add to."""

from __future__ import annotations

import json
from importlib import import_module

import pyotp
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps as django_apps
from django.test import Client

from tests.accounts.passkeys import new_credential
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client: Client, email: str) -> None:
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]


def enrol_totp(client: Client) -> None:
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200, response.get("Location")
    code = pyotp.TOTP(client.session["mfa.totp.secret"]).now()
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]


def enrol_passkey(client: Client, name: str = "Laptop") -> None:
    page = client.get("/accounts/2fa/webauthn/add/")
    assert page.status_code == 200, page.get("Location")
    credential = new_credential(page.content.decode())
    response = client.post(
        "/accounts/2fa/webauthn/add/", {"name": name, "credential": json.dumps(credential)}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_a_strangers_password_reset_request_does_not_block_enrolment(staff_user_without_mfa):
    victim = staff_user_without_mfa
    stranger = Client()
    response = stranger.post("/accounts/password/reset/", {"email": victim.email})
    assert response.status_code == 302

    client = Client()
    sign_in(client, victim.email)
    assert client.get("/admin/").status_code == 302  # support must enrol first
    enrol_totp(client)
    enrol_passkey(client)
    kinds = set(Authenticator.objects.filter(user=victim).values_list("type", flat=True))
    assert kinds == {"totp", "webauthn", "recovery_codes"}
    assert client.get("/admin/").status_code == 200


def test_a_tenant_user_enrols_after_a_strangers_reset_request_under_required_mfa(
    admin_user, tenant
):
    tenant.mfa_required = True
    tenant.save()
    Client().post("/accounts/password/reset/", {"email": admin_user.email.upper()})
    client = Client()
    sign_in(client, admin_user.email)
    assert client.get("/api-access/").status_code == 302  # enrol first
    enrol_passkey(client)
    assert client.get("/api-access/").status_code == 200


def test_the_address_allauth_records_for_reset_requests_is_verified(admin_user):
    Client().post("/accounts/password/reset/", {"email": admin_user.email})
    Client().post("/accounts/password/reset/", {"email": admin_user.email.upper()})  # again
    assert list(EmailAddress.objects.filter(user=admin_user).values_list("email", "verified")) == [
        (admin_user.email, True)
    ]


def test_there_is_no_page_to_add_an_address(admin_user):
    client = Client()
    sign_in(client, admin_user.email)
    assert client.get("/accounts/email/").status_code == 404
    response = client.post("/accounts/email/", {"action_add": "", "email": "mine@evil.example"})
    assert response.status_code == 404
    assert not EmailAddress.objects.filter(email="mine@evil.example").exists()
    assert b"/accounts/email/" not in client.get("/accounts/2fa/").content
    other = Client()
    response = other.post("/accounts/login/", {"login": "mine@evil.example", "password": PASSWORD})
    assert response.status_code == 200  # the sign-in form again, with its error


def test_an_address_support_replaced_no_longer_signs_in(admin_user, staff_user):
    Client().post("/accounts/password/reset/", {"email": admin_user.email})  # allauth's row
    admin_user.email = "alice.new@acme.example"
    admin_user.save()
    old = Client()
    response = old.post("/accounts/login/", {"login": "alice@acme.example", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in old.session
    assert list(EmailAddress.objects.filter(user=admin_user).values_list("email", flat=True)) == []
    client = Client()
    sign_in(client, "alice.new@acme.example")
    enrol_totp(client)


def test_the_migration_repairs_addresses_a_reset_or_the_email_page_left(
    admin_user, other_admin_user
):
    EmailAddress.objects.bulk_create(  # bulk: as they were before, not through our receivers
        [
            EmailAddress(user=admin_user, email=admin_user.email, verified=False),
            EmailAddress(user=admin_user, email="alias@evil.example", verified=False),
            EmailAddress(user=other_admin_user, email=other_admin_user.email, verified=True),
        ]
    )
    migration = import_module("accounts.migrations.0001_verify_login_addresses")
    migration.verify_login_addresses(django_apps, None)
    assert sorted(EmailAddress.objects.values_list("email", "verified")) == [
        (admin_user.email, True),
        (other_admin_user.email, True),
    ]
    client = Client()
    sign_in(client, admin_user.email)
    enrol_totp(client)
