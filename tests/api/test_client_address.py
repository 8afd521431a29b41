"""The client's address: one TRUSTED_PROXIES setting, read in one place
(cybergate/lib/clientinfo.py), used by audit entries, last use and the failed-authentication
limit — the same on both pools, over real HTTP too (tests/gateway/test_pools_over_http.py)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from django.test import RequestFactory

from apisecrets.models import ApiSecret
from audit.models import AuditEntry
from cybergate.lib import tokens
from cybergate.lib.clientinfo import client_ip
from tests.api.test_endpoints import availability_url
from tests.helpers import bearer_client
from tests.settings.test_environment import ROOT, clean_environment, start

PROXY = "10.0.0.9"


def ip_of(trusted: list[str], settings, remote: str, forwarded: str | None = None) -> str | None:
    settings.TRUSTED_PROXIES = trusted
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        # No proxy trusted (the default): whatever the client writes is ignored.
        ([], "203.0.113.7", "198.51.100.1", "203.0.113.7"),
        ([], "127.0.0.1", "198.51.100.1", "127.0.0.1"),
        # A peer that is not a trusted proxy cannot speak for anyone else.
        (["10.0.0.0/8"], "203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # From a trusted proxy: the address it appended, never what the client put left of it.
        (["10.0.0.0/8"], PROXY, "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (["10.0.0.0/8"], PROXY, "203.0.113.7", "203.0.113.7"),
        # Several trusted hops are skipped from the right.
        (["10.0.0.0/8"], PROXY, "1.1.1.1, 203.0.113.7, 10.1.2.3, 10.0.0.5", "203.0.113.7"),
        # CIDR edges: 10.0.0.0/30 is .0–.3.
        (["10.0.0.0/30"], "10.0.0.3", "203.0.113.7", "203.0.113.7"),
        (["10.0.0.0/30"], "10.0.0.4", "203.0.113.7", "10.0.0.4"),
        (["10.0.0.0/30"], "10.0.0.3", "1.1.1.1, 10.0.0.4", "10.0.0.4"),
        (["192.0.2.10/32"], "192.0.2.10", "203.0.113.7", "203.0.113.7"),
        (["192.0.2.10/32"], "192.0.2.11", "203.0.113.7", "192.0.2.11"),
        # IPv6, with and without ports, and IPv4-mapped peers of dual-stack sockets.
        (["2001:db8::/64"], "2001:db8::1", "2001:db8:1::7", "2001:db8:1::7"),
        (["2001:db8::/64"], "2001:db8:0:1::1", "2001:db8:1::7", "2001:db8:0:1::1"),
        (["2001:db8::/64"], "2001:db8::1", "[2001:db8:1::7]:443", "2001:db8:1::7"),
        (["2001:db8::/64"], "2001:db8::1", "1.1.1.1, 203.0.113.7:5123", "203.0.113.7"),
        (["10.0.0.0/8"], "::ffff:10.0.0.9", "203.0.113.7", "203.0.113.7"),
        (["::1/128"], "::1", "203.0.113.7", "203.0.113.7"),
        (["::1/128"], "127.0.0.1", "203.0.113.7", "127.0.0.1"),
        # Nothing usable forwarded: the proxy is the client as far as anyone can vouch.
        (["10.0.0.0/8"], PROXY, None, PROXY),
        (["10.0.0.0/8"], PROXY, "", PROXY),
        (["10.0.0.0/8"], PROXY, "1.1.1.1, not-an-address", PROXY),
        (["10.0.0.0/8"], PROXY, "10.0.0.1, 10.0.0.2", "10.0.0.1"),
    ],
)
def test_client_ip(settings, trusted, remote, forwarded, expected):
    assert ip_of(trusted, settings, remote, forwarded) == expected


@pytest.mark.parametrize("value", ["10.0.0.1/8", "10.0.0.0/33", "proxy.example", "10.0.0.0/8;"])
def test_a_malformed_trusted_proxy_stops_start_up_naming_the_variable(value):
    result = start(TRUSTED_PROXIES=f"192.0.2.1,{value}")
    assert result.returncode != 0
    assert "Environment variable TRUSTED_PROXIES is malformed" in result.stderr


def test_trusted_proxies_are_read_as_networks():
    setup = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.TRUSTED_PROXIES)"
    )
    env = clean_environment() | {
        "DJANGO_SETTINGS_MODULE": "cybergate.settings",
        "TRUSTED_PROXIES": " 10.0.0.0/8, 2001:db8::/64,192.0.2.1 ",
    }
    result = subprocess.run(
        [sys.executable, "-c", setup], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['10.0.0.0/8', '2001:db8::/64', '192.0.2.1/32']"


# --- What uses it ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("trusted", "expected"), [([], "10.0.0.9"), (["10.0.0.0/8"], "203.0.113.7")]
)
def test_audit_entries_and_last_use_record_the_client_address(
    settings, api_secret, api_client, world, trusted, expected
):
    settings.TRUSTED_PROXIES = trusted
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.66, 203.0.113.7"}
    response = api_client.put(
        availability_url(world["reception"], world["anna"].upn),
        {"availability": "unavailable"},
        content_type="application/json",
        **meta,
    )
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.get(action="call_group.availability_changed")
    assert entry.ip == expected
    assert ApiSecret.objects.get(pk=api_secret.pk).last_used_ip == expected


@pytest.mark.django_db
def test_a_spoofed_forwarded_for_does_not_escape_the_failure_limit(settings):
    settings.AUTH_FAILURE_RATE_LIMIT = "3/min"
    bad = bearer_client(tokens.generate(tokens.API_SECRET_PREFIX))
    codes = [
        bad.get("/api/v1/version", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(5)
    ]
    assert codes == [401, 401, 401, 429, 429]


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_failure_limit_is_per_forwarded_client(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    settings.AUTH_FAILURE_RATE_LIMIT = "3/min"
    bad = bearer_client(tokens.generate(tokens.API_SECRET_PREFIX))
    one = {"HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert [bad.get("/api/v1/version", **one).status_code for _ in range(4)] == [401] * 3 + [429]
    # Another client behind the same load balancer has its own budget.
    assert bad.get("/api/v1/version", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 401
