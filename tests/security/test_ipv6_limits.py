"""An IPv6 client counts as its /64 (IPV6_LIMIT_PREFIX) for the failed-authentication limit of
both APIs and for the sign-in limits: rotating addresses inside it escapes neither. Audit entries
and the security log keep the full address."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from cybergate.lib import tokens
from cybergate.lib.clientinfo import limit_key
from tests.factories import make_device
from tests.helpers import assert_problem, bearer_client

LOGIN = "/accounts/login/"
# Three addresses in one /64, one in the next /64 of the same /48, one in another /48.
SAME_64 = ["2001:db8:1:2::1", "2001:db8:1:2:aaaa::7", "2001:db8:1:2:ffff:ffff:ffff:fffe"]
NEXT_64 = "2001:db8:1:3::1"
OTHER_48 = "2001:db8:2:2::1"


@pytest.mark.parametrize(
    ("prefix", "address", "key"),
    [
        (64, "198.51.100.7", "198.51.100.7"),
        (64, "::ffff:198.51.100.7", "198.51.100.7"),  # IPv4-mapped: the IPv4 client
        (64, "2001:db8:1:2:aaaa::7", "2001:db8:1:2::/64"),
        (64, "2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        (48, "2001:db8:1:2:aaaa::7", "2001:db8:1::/48"),
        (128, "2001:db8:1:2:aaaa::7", "2001:db8:1:2:aaaa::7/128"),
        (64, "not an address", "not an address"),
    ],
)
def test_the_limit_key_of_an_address(settings, prefix, address, key):
    settings.IPV6_LIMIT_PREFIX = prefix
    assert limit_key(address) == key


def _bad_api(ip: str):
    return bearer_client(tokens.generate(tokens.API_SECRET_PREFIX)).get(
        "/api/v1/version", REMOTE_ADDR=ip
    )


def _bad_device(ip: str):
    return bearer_client("cgd_" + "B" * 43).post(
        "/device-api/v1/calls", {}, content_type="application/json", REMOTE_ADDR=ip
    )


@pytest.mark.parametrize("attempt", [_bad_api, _bad_device], ids=["api", "device-api"])
def test_addresses_of_one_64_share_the_failed_authentication_limit(
    tenant, settings, security_log_lines, attempt
):
    make_device(tenant, "Main entrance")
    settings.AUTH_FAILURE_RATE_LIMIT = "3/min"
    assert [attempt(ip).status_code for ip in SAME_64] == [401] * 3
    assert_problem(attempt("2001:db8:1:2::99"), 429, "auth_rate_limited")
    # The next /64 is another client.
    assert attempt(NEXT_64).status_code == 401
    assert attempt(OTHER_48).status_code == 401
    # The log names the address that asked, not its network.
    limited = [e for e in security_log_lines.events() if e["event"] == "rate_limited"]
    assert [e["client_ip"] for e in limited] == ["2001:db8:1:2::99"]


def test_a_secret_that_worked_from_the_64_keeps_working_there(api_secret_value, settings):
    settings.AUTH_FAILURE_RATE_LIMIT = "3/min"
    good = bearer_client(api_secret_value)
    assert good.get("/api/v1/version", REMOTE_ADDR=SAME_64[0]).status_code == 200
    assert [_bad_api(ip).status_code for ip in SAME_64] == [401] * 3
    assert_problem(_bad_api(SAME_64[1]), 429, "auth_rate_limited")
    assert good.get("/api/v1/version", REMOTE_ADDR=SAME_64[2]).status_code == 200


@pytest.mark.parametrize(
    ("prefix", "shares", "apart"),
    [(48, NEXT_64, OTHER_48), (128, None, SAME_64[1])],
)
def test_the_prefix_is_configurable(db, settings, prefix, shares, apart):
    settings.IPV6_LIMIT_PREFIX = prefix
    settings.AUTH_FAILURE_RATE_LIMIT = "3/min"
    assert [_bad_api(SAME_64[0]).status_code for _ in range(3)] == [401] * 3
    if shares:
        assert_problem(_bad_api(shares), 429, "auth_rate_limited")
    assert _bad_api(apart).status_code == 401


def _sign_in(client, email: str, ip: str):
    return client.post(LOGIN, {"login": email, "password": "wrong password"}, REMOTE_ADDR=ip)


def test_addresses_of_one_64_share_the_sign_in_lockout(client, db):
    # The per-address limit (10 a minute), spread over the /64: guesses at ten accounts.
    for n in range(10):
        assert _sign_in(client, f"guess{n}@acme.example", SAME_64[n % 3]).status_code == 200
    assert "Try again in 1 minute." in _sign_in(client, "g@acme.example", SAME_64[0]).text
    # Refused at the door from another address of the /64, before any form or hash.
    response = _sign_in(client, "h@acme.example", "2001:db8:1:2::99")
    assert response.status_code == 429
    assert "Try again in 1 minute." in response.text
    # Another /64 signs in as usual.
    response = _sign_in(client, "i@acme.example", NEXT_64)
    assert response.status_code == 200
    assert "not correct" in response.text
    # One lockout, audited with the full address that tripped it.
    locked = AuditEntry.objects.filter(action="user.locked_out")
    assert list(locked.values_list("ip", flat=True)) == [SAME_64[0]]


@pytest.mark.parametrize(
    ("prefix", "other", "locked"), [(48, NEXT_64, True), (128, SAME_64[1], False)]
)
def test_the_sign_in_limit_follows_the_prefix(client, db, settings, prefix, other, locked):
    settings.IPV6_LIMIT_PREFIX = prefix
    for n in range(10):
        _sign_in(client, f"guess{n}@acme.example", SAME_64[0])
    assert "Try again in 1 minute." in _sign_in(client, "g@acme.example", SAME_64[0]).text
    response = _sign_in(client, "h@acme.example", other)
    assert (response.status_code == 429) is locked
    assert ("Try again in 1 minute." in response.text) is locked
