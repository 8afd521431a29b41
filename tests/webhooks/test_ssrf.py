"""The SSRF guard: every kind of non-public address is refused, a name is resolved once and the
request goes to the vetted address with the name kept in Host; refusals show on the endpoint."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from tests.webhooks.helpers import drain
from webhooks import services, ssrf
from webhooks.models import Message
from webhooks.worker import claim, deliver


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",  # private
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",  # loopback
        "169.254.169.254",  # link-local: cloud metadata
        "100.64.0.1",  # CGNAT
        "0.0.0.0",  # unspecified
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "192.0.0.8",
        "::1",
        "fe80::1",  # link-local
        "fc00::1",  # unique-local
        "fd12:3456::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:8.8.8.8",
        "ff02::1",  # multicast
        "::",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    assert ssrf.refusal(ipaddress.ip_address(address)) is not None
    with pytest.raises(ssrf.Refused):
        ssrf.resolve(f"https://[{address}]/" if ":" in address else f"https://{address}/")


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    assert ssrf.refusal(ipaddress.ip_address(address)) is None


def test_allowed_networks_let_chosen_private_addresses_through(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert ssrf.refusal(ipaddress.ip_address("10.20.1.1")) is None
    assert ssrf.refusal(ipaddress.ip_address("10.21.1.1")) is not None


def test_a_name_is_resolved_once_and_any_private_answer_refuses_it(settings, monkeypatch):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    answers = {"mixed.example": ["8.8.8.8", "10.0.0.1"], "public.example": ["8.8.4.4"]}
    calls = []

    def fake_getaddrinfo(host, port, *args, **kwargs):  # DNS is not ours: a stand-in resolver
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(ssrf.Refused, match="10.0.0.1"):
        ssrf.resolve("https://mixed.example/hook")
    target = ssrf.resolve("https://public.example:8443/hook?a=1")
    assert calls == ["mixed.example", "public.example"]
    assert target.connect_url() == "https://8.8.4.4:8443/hook?a=1"
    assert target.host_header() == "public.example:8443"
    assert target.host == "public.example"  # the TLS server name and certificate check


def test_localhost_by_name_is_refused_end_to_end_and_shown_on_the_endpoint(
    tenant, actor, receiver, settings, db
):
    endpoint, _ = services.endpoint_create(
        tenant=tenant, actor=actor, url=f"http://localhost:{receiver.port}/hooks"
    )
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    [message] = services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    [(attempt_id, token)] = claim(1)
    assert deliver(attempt_id, token) == "failed"
    assert receiver.received == []
    attempt = message.attempts.get(number=1)
    assert "non-public address" in attempt.error and attempt.http_status is None
    endpoint.refresh_from_db()
    assert "non-public address" in endpoint.last_error
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING  # retried later: DNS may change


def test_the_request_goes_to_the_vetted_address_with_the_name_in_host(tenant, actor, receiver, db):
    services.endpoint_create(
        tenant=tenant, actor=actor, url=f"http://localhost:{receiver.port}/hooks"
    )
    services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    assert drain() == ["succeeded"]
    assert receiver.received[0].headers["host"] == f"localhost:{receiver.port}"
