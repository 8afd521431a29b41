"""The second sign-in step offers a passkey only to a login that has one of its own."""

from __future__ import annotations

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from tests.accounts.test_mfa_enrolment import enrol_passkey, sign_in

pytestmark = pytest.mark.django_db


def second_step(email: str) -> str:
    client = Client()
    sign_in(client, email)
    page = client.get("/accounts/2fa/authenticate/")
    assert page.status_code == 200
    return page.content.decode()


def test_another_logins_passkey_does_not_make_the_offer(admin_user, other_admin_user):
    TOTP.activate(admin_user, pyotp.random_base32())
    other = Client()
    other.force_login(other_admin_user)
    enrol_passkey(other)  # a stranger's passkey, in another tenant
    page = second_step(admin_user.email)
    assert "Use a passkey" not in page
    assert 'id="webauthn_form"' not in page
    assert "security key" not in page.lower()


def test_a_login_with_a_passkey_is_offered_it_beside_the_code(admin_user):
    TOTP.activate(admin_user, pyotp.random_base32())
    own = Client()
    own.force_login(admin_user)
    enrol_passkey(own)
    page = second_step(admin_user.email)
    assert "Use a passkey" in page
    assert 'id="webauthn_form"' in page
    assert 'name="code"' in page
