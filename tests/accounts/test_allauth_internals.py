"""Each wrapper of accounts/allauth_internals.py against the installed django-allauth: an upgrade
that moves or changes one of allauth's internal functions fails here, by name."""

from __future__ import annotations

import pytest
from allauth.core import context
from allauth.core.internal import ratelimit
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import Client, RequestFactory

from accounts import allauth_internals as internals
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _request(rf):
    request = rf.get("/security/")
    request.session = SessionStore()
    return request


def test_reauthentication_flows_offer_the_password(admin_user):
    assert [flow["id"] for flow in internals.reauthentication_flows(admin_user)] == [
        "reauthenticate"
    ]


def test_authentication_records_hold_a_password_sign_in(admin_user):
    client = Client()
    response = client.post("/accounts/login/", {"login": admin_user.email, "password": PASSWORD})
    assert response.status_code == 302
    request = RequestFactory().get("/")
    request.session = client.session
    records = internals.authentication_records(request, admin_user)
    assert [record["method"] for record in records] == ["password"]


def test_a_suspended_request_is_held_and_resumed(rf, admin_user):
    request = rf.post("/api-access/new/", {"name": "door app"})
    request.session = SessionStore()
    request.user = admin_user
    response = internals.suspend_for_reauthentication(request, "/accounts/reauthenticate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/?next=")
    assert internals.REAUTHENTICATION_STATE_KEY in request.session
    # Back from re-authenticating, with somewhere to go on to: the held state is taken up.
    back = rf.get("/accounts/reauthenticate/", {"next": "/security/"})
    back.session = request.session
    back.user = admin_user
    with context.request_context(back):  # as allauth's middleware sets it
        resumed = internals.resume_after_reauthentication(back)
    assert resumed is not None and resumed["Location"] == "/security/"
    assert internals.REAUTHENTICATION_STATE_KEY not in back.session


def test_rate_limit_windows_name_the_keys_allauth_counts_in(rf):
    request = rf.post("/accounts/login/")  # allauth counts POSTs only
    request.session = SessionStore()
    request.META["REMOTE_ADDR"] = "203.0.113.9"
    assert ratelimit.consume(
        request, app="allauth.account", action="login_failed", key="victim@example.org"
    )
    windows = list(
        internals.rate_limit_windows(
            request, app="allauth.account", action="login_failed", key="victim@example.org"
        )
    )
    assert {rate.per for rate, _ in windows} == {"ip", "key"}
    for _, cache_key in windows:
        assert len(cache.get(cache_key, [])) == 1  # allauth's history: one timestamp


def test_totp_activate_enrols_an_authenticator_app(admin_user):
    secret = internals.totp_activate(admin_user)
    assert len(secret) >= 16
    assert Authenticator.objects.filter(user=admin_user, type=Authenticator.Type.TOTP).exists()


def test_dangling_recovery_codes_are_deleted_and_kept_ones_are_not(admin_user):
    internals.totp_activate(admin_user)
    RecoveryCodes.activate(admin_user)
    assert internals.recovery_codes_delete_if_dangling(admin_user) is None  # the app stays
    Authenticator.objects.filter(user=admin_user, type=Authenticator.Type.TOTP).delete()
    assert internals.recovery_codes_delete_if_dangling(admin_user) is not None
    assert not Authenticator.objects.filter(user=admin_user).exists()
