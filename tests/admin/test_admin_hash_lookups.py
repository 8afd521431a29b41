"""Admin list filters never reach a stored hash: no `?hashed_value__startswith=` oracle
(issue 7, item 4)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from audit.services import Actor
from cybergate.lib.admin import HASH_FIELDS
from devices.models import Device
from devices.services import device_credential_rotate
from tests.admin.conftest import staff_with
from tests.factories import make_api_secret
from tests.helpers import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(tenant):
    return make_api_secret(tenant, name="Door app")[0]


@pytest.fixture
def device(tenant) -> Device:
    device = Device.objects.create(tenant=tenant, name="Front door", sip_uri="sip:front@acme")
    device_credential_rotate(device, actor=Actor.system())
    device.refresh_from_db()
    return device


@pytest.fixture
def viewer(db):
    """Staff who may only look, at every model of the app."""
    return logged_in(
        staff_with(
            "viewer@cybergate.example",
            "view_apisecret",
            "view_device",
            "view_call",
            "view_dooropencommand",
            "view_tenant",
            "view_user",
            "view_auditentry",
            "view_callgroup",
            "view_teamsuser",
        )
    )


# (changelist, lookup, which stored hash its value is a prefix of)
LOOKUPS = [
    ("/admin/apisecrets/apisecret/", "hashed_value__startswith", "secret"),
    ("/admin/apisecrets/apisecret/", "hashed_value", "secret"),
    ("/admin/apisecrets/apisecret/", "hashed_value__regex", "secret"),
    ("/admin/devices/device/", "credential_hash__startswith", "device"),
    ("/admin/devices/call/", "device__credential_hash__startswith", "device"),
    ("/admin/devices/dooropencommand/", "issued_by_secret__hashed_value__startswith", "secret"),
    ("/admin/tenants/tenant/", "api_secrets__hashed_value__startswith", "secret"),
    ("/admin/tenants/tenant/", "devices__credential_hash__startswith", "device"),
    ("/admin/callgroups/callgroup/", "tenant__api_secrets__hashed_value__startswith", "secret"),
    ("/admin/audit/auditentry/", "tenant__devices__credential_hash__gte", "device"),
    ("/admin/tenants/user/", "password__startswith", "password"),
]


@pytest.mark.parametrize(("url", "lookup", "target"), LOOKUPS)
def test_filtering_on_a_hash_is_refused(viewer, secret, device, admin_user, url, lookup, target):
    stored = {
        "secret": secret.hashed_value,
        "device": device.credential_hash,
        "password": admin_user.password,
    }[target]
    right = viewer.get(url, {lookup: stored[:4]})
    wrong = viewer.get(url, {lookup: "zzzz"})
    # Refused the same way whether the guess is right or wrong: nothing to learn from it.
    assert right.status_code == wrong.status_code == 400
    assert right.content == wrong.content
    assert stored.encode() not in right.content


def test_the_same_filter_on_a_harmless_field_still_works(viewer, secret, other_tenant):
    make_api_secret(other_tenant, name="Other app")
    response = viewer.get("/admin/apisecrets/apisecret/", {"name__startswith": "Door"})
    assert response.status_code == 200
    assert b"Door app" in response.content and b"Other app" not in response.content


def test_superusers_cannot_filter_on_hashes_either(staff_user, secret):
    response = logged_in(staff_user).get(
        "/admin/apisecrets/apisecret/", {"hashed_value__startswith": secret.hashed_value[:4]}
    )
    assert response.status_code == 400


def test_searching_for_a_hash_finds_nothing(viewer, secret, device):
    for url, stored in [
        ("/admin/apisecrets/apisecret/", secret.hashed_value),
        ("/admin/devices/device/", device.credential_hash),
    ]:
        response = viewer.get(url, {"q": stored[:8]})
        assert response.status_code == 200
        assert b"0 results" in response.content or b"0 API secrets" in response.content, url


def _mentions_hash(path: str) -> bool:
    return any(part.lstrip("-=^@") in HASH_FIELDS for part in str(path).split("__"))


@pytest.mark.parametrize(
    "model_admin",
    list(admin.site._registry.values()),
    ids=lambda model_admin: model_admin.opts.label,
)
def test_no_admin_exposes_a_hash_in_lookups_search_ordering_or_filters(model_admin, staff_user):
    request = RequestFactory().get("/")
    request.user = staff_user
    for lookup in [
        "hashed_value__startswith",
        "credential_hash__startswith",
        "password__startswith",
        "tenant__api_secrets__hashed_value__startswith",
        "device__credential_hash",
    ]:
        assert not model_admin.lookup_allowed(lookup, "dc8e", request), lookup
    exposed = [
        *model_admin.get_search_fields(request),
        *(model_admin.get_ordering(request) or []),
        *(f if isinstance(f, str) else "" for f in model_admin.get_list_filter(request)),
        *(f if isinstance(f, str) else "" for f in model_admin.get_list_display(request)),
        model_admin.date_hierarchy or "",
    ]
    assert not [path for path in exposed if _mentions_hash(path)]


def test_authenticator_data_cannot_be_filtered(staff_user):
    """An authenticator's `data` holds the TOTP seed: filtering on it would be an oracle too."""
    from allauth.mfa.models import Authenticator

    model_admin = admin.site.get_model_admin(Authenticator)
    request = RequestFactory().get("/")
    request.user = staff_user
    assert not model_admin.lookup_allowed("data__icontains", "JBSW", request)
    assert model_admin.lookup_allowed("type", "totp", request)
