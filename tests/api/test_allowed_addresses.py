"""Allowed addresses per secret (SPEC §6): validation and normalisation, IPv4/IPv6 and CIDR edges,
and a proxy header from a peer that is not a trusted proxy."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apisecrets.models import ApiSecret
from apisecrets.services import api_secret_set_addresses
from apisecrets.validators import clean_allowed_addresses
from audit.models import AuditEntry
from audit.services import Actor
from tests.factories import make_api_secret
from tests.helpers import assert_problem, bearer_client

pytestmark = pytest.mark.django_db


def _secret(tenant, addresses, name="fenced"):
    return make_api_secret(tenant, name, allowed_addresses=addresses)


def _get(value, remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return bearer_client(value).get("/api/v1/version", **extra)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("203.0.113.7", ["203.0.113.7"]),
        ("203.0.113.7/32", ["203.0.113.7"]),
        ("192.0.2.0/24\n 10.0.0.0/8 ,203.0.113.7", ["192.0.2.0/24", "10.0.0.0/8", "203.0.113.7"]),
        ("2001:DB8:0:0::1", ["2001:db8::1"]),
        ("2001:db8::/48, 2001:db8::/48", ["2001:db8::/48"]),
        ("", []),
        (["198.51.100.0/25", "::1"], ["198.51.100.0/25", "::1"]),
    ],
)
def test_addresses_are_stored_normalised(given, stored):
    assert clean_allowed_addresses(given) == stored


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("192.0.2.1/24", "did you mean 192.0.2.0/24?"),
        ("2001:db8::1/32", "did you mean 2001:db8::/32?"),
        ("example.com", "“example.com” is not an IP address or CIDR range"),
        ("10.0.0.0/33", "“10.0.0.0/33” is not an IP address or CIDR range"),
        ("256.1.1.1", "is not an IP address"),
        (",".join(f"10.0.{i}.0/24" for i in range(51)), "At most 50"),
    ],
)
def test_bad_addresses_get_clear_messages(given, message):
    with pytest.raises(ValidationError) as caught:
        clean_allowed_addresses(given)
    assert any(message in m for m in caught.value.messages), caught.value.messages


def test_service_refuses_bad_addresses_and_creates_nothing(tenant):
    with pytest.raises(ValidationError) as caught:
        _secret(tenant, "192.0.2.1/24")
    assert "allowed_addresses" in caught.value.message_dict
    assert not ApiSecret.objects.exists()


@pytest.mark.parametrize(
    ("allowed", "remote", "ok"),
    [
        # CIDR edges: 192.0.2.0/30 is .0–.3.
        ("192.0.2.0/30", "192.0.2.0", True),
        ("192.0.2.0/30", "192.0.2.3", True),
        ("192.0.2.0/30", "192.0.2.4", False),
        ("192.0.2.0/30", "192.0.1.255", False),
        ("203.0.113.7", "203.0.113.7", True),
        ("203.0.113.7", "203.0.113.8", False),
        # IPv6, and IPv4 peers of a dual-stack socket.
        ("2001:db8::/64", "2001:db8::ffff", True),
        ("2001:db8::/64", "2001:db8:0:0:ffff:ffff:ffff:ffff", True),
        ("2001:db8::/64", "2001:db8:0:1::", False),
        ("2001:db8::1", "2001:db8::1", True),
        ("2001:db8::1", "2001:db8::2", False),
        ("192.0.2.0/24", "::ffff:192.0.2.9", True),
        # Versions never match across.
        ("::/0", "192.0.2.1", False),
        ("0.0.0.0/0", "2001:db8::1", False),
        # Several entries: any one suffices.
        ("10.0.0.0/8, 2001:db8::/32", "2001:db8:ab::1", True),
    ],
)
def test_requests_from_elsewhere_are_refused(tenant, allowed, remote, ok):
    _, value = _secret(tenant, allowed)
    response = _get(value, remote)
    if ok:
        assert response.status_code == 200, response.content
    else:
        body = assert_problem(response, 403, "ip_not_allowed")
        assert remote in body["detail"]


def test_a_secret_without_addresses_works_from_anywhere(tenant):
    _, value = _secret(tenant, "")
    for remote in ("192.0.2.1", "2001:db8::1", "127.0.0.1"):
        assert _get(value, remote).status_code == 200


def test_forwarded_header_from_an_untrusted_peer_is_ignored(tenant, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    _, value = _secret(tenant, "192.0.2.0/24")
    # An outsider claims to be inside the allowed range: refused, and named by its real address.
    response = _get(value, "203.0.113.9", forwarded="192.0.2.1")
    assert response.status_code == 403
    assert "203.0.113.9" in response.json()["detail"]
    # Through the trusted proxy, the address it appended counts.
    assert _get(value, "10.0.0.9", forwarded="203.0.113.9, 192.0.2.1").status_code == 200
    response = _get(value, "10.0.0.9", forwarded="192.0.2.1, 203.0.113.9")
    assert response.status_code == 403


def test_changing_addresses_applies_at_once_and_is_audited(
    tenant, admin_user, django_capture_on_commit_callbacks
):
    secret, value = _secret(tenant, "")
    assert _get(value, "198.51.100.1").status_code == 200  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        api_secret_set_addresses(
            secret=secret, actor=Actor.for_user(admin_user), allowed_addresses="192.0.2.0/24"
        )
    assert _get(value, "198.51.100.1").status_code == 403
    assert _get(value, "192.0.2.77").status_code == 200
    entry = AuditEntry.objects.get(action="api_secret.addresses_changed")
    assert entry.details["after"] == ["192.0.2.0/24"]
    assert entry.details["before"] == []


def test_create_dialog_takes_addresses(admin_client):
    response = admin_client.post(
        "/api-access/new/",
        {
            "name": "fenced",
            "validity_days": "90",
            "permissions": ["read"],
            "allowed_addresses": "192.0.2.0/24\n2001:db8::/48",
        },
    )
    assert response.status_code == 200
    assert ApiSecret.objects.get().allowed_addresses == ["192.0.2.0/24", "2001:db8::/48"]


def test_create_dialog_shows_address_errors_and_creates_nothing(admin_client):
    html = admin_client.post(
        "/api-access/new/",
        {
            "name": "fenced",
            "validity_days": "90",
            "permissions": ["read"],
            "allowed_addresses": "192.0.2.1/24, nonsense",
        },
    ).content.decode()
    assert "did you mean 192.0.2.0/24?" in html
    assert "“nonsense” is not an IP address or CIDR range" in html
    assert 'id="id_allowed_addresses_error"' in html
    assert not ApiSecret.objects.exists()
