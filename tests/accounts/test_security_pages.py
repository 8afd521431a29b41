"""Every page of the Security area opens, whatever second factors the login has."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.accounts.test_mfa_enrolment import enrol_passkey, enrol_totp, sign_in

pytestmark = pytest.mark.django_db

# The Security page's neighbours outside allauth.mfa's URLs (all linked from it).
SECURITY_PAGES = {"account_change_password", "account_reauthenticate", "time_zone_settings"}


def security_routes(patterns=None, prefix: str = "") -> list[tuple[str, str]]:
    """(name, route) of every URL named mfa_* or in SECURITY_PAGES, from the URLconf itself."""
    routes = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # support's admin of authenticators is not the Security area
            routes += security_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif (
            isinstance(pattern, URLPattern)
            and pattern.name
            and (pattern.name.startswith("mfa_") or pattern.name in SECURITY_PAGES)
        ):
            routes.append((pattern.name, prefix + str(pattern.pattern)))
    return routes


def test_every_security_page_opens_with_each_kind_of_factor(admin_user):
    client = Client()
    sign_in(client, admin_user.email)
    enrol_totp(client)
    enrol_passkey(client)
    kinds = set(Authenticator.objects.filter(user=admin_user).values_list("type", flat=True))
    assert kinds == {"totp", "webauthn", "recovery_codes"}
    passkey = Authenticator.objects.get(user=admin_user, type="webauthn")

    routes = security_routes()
    assert {"mfa_index", "mfa_list_webauthn", "mfa_edit_webauthn", "mfa_view_recovery_codes"} <= {
        name for name, _ in routes
    }
    answers = {}
    for name, route in routes:
        path = "/" + route.replace("<int:pk>", str(passkey.pk))
        answers[name] = client.get(path).status_code
    assert all(status < 500 for status in answers.values()), answers
    for name in ("mfa_index", "mfa_list_webauthn", "mfa_edit_webauthn", "mfa_remove_webauthn"):
        assert answers[name] == 200, (name, answers)


def test_a_passkey_is_renamed_and_removed_from_its_list(admin_user):
    client = Client()
    sign_in(client, admin_user.email)
    enrol_passkey(client, name="Laptop")
    passkey = Authenticator.objects.get(user=admin_user, type="webauthn")
    listing = client.get("/accounts/2fa/webauthn/")
    assert listing.status_code == 200
    assert b"Laptop" in listing.content
    assert f"/accounts/2fa/webauthn/keys/{passkey.pk}/edit/".encode() in listing.content

    response = client.post(f"/accounts/2fa/webauthn/keys/{passkey.pk}/edit/", {"name": "Phone"})
    assert response.status_code == 302
    assert b"Phone" in client.get("/accounts/2fa/webauthn/").content

    response = client.post(f"/accounts/2fa/webauthn/keys/{passkey.pk}/remove/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=admin_user, type="webauthn").exists()
