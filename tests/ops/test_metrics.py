"""`/metrics`: who may read it, and what the web pool counts (routes, refusals, sign-ins, feeds,
expiry notices), read back from the exposition the endpoint serves."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import resolve
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from apisecrets.notices import send_expiry_notices
from tests.factories import PASSWORD, make_api_secret, make_missed_call
from tests.helpers import assert_problem, bearer, bearer_client
from tests.settings.test_environment import ROOT

pytestmark = pytest.mark.django_db

STRANGER = "203.0.113.9"
TOKEN = "metrics-token-for-the-tests-0123456789"


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics as {(name, sorted labels): value}, read as Prometheus would."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def metrics_client(client, settings):
    settings.METRICS_ALLOWED = ["127.0.0.0/8", "::1/128"]
    return client


# --- Who may read it --------------------------------------------------------------------------


def test_a_stranger_gets_the_404_of_an_unknown_url(client, settings):
    settings.METRICS_ALLOWED = ["127.0.0.0/8"]
    settings.METRICS_TOKEN = TOKEN
    unknown = client.get("/no-such-page", REMOTE_ADDR=STRANGER)
    for extra in (
        {},
        {"headers": bearer("wrong-token")},
        {"headers": bearer(TOKEN[:-1])},
        {"HTTP_X_FORWARDED_FOR": "127.0.0.1"},  # not a trusted proxy: not believed
    ):
        response = client.get("/metrics", REMOTE_ADDR=STRANGER, **extra)
        assert response.status_code == 404
        assert response["Content-Type"] == unknown["Content-Type"]
        assert b"cybergate_" not in response.content
    browser = Client(enforce_csrf_checks=True)
    for method in ("post", "put", "delete", "options"):
        response = getattr(browser, method)("/metrics", REMOTE_ADDR=STRANGER)
        assert response.status_code == 404, method
    scrape(client)  # while the allowed address reads it
    assert client.post("/metrics").status_code == 405


def test_an_allowed_address_gets_the_text_format(metrics_client):
    samples = scrape(metrics_client)
    assert ("cybergate_gateway_polls_waiting", ()) in samples


def test_the_token_opens_it_from_anywhere(client, settings):
    settings.METRICS_ALLOWED = []
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404  # loopback is not allowed by itself
    scrape(client, REMOTE_ADDR=STRANGER, headers=bearer(TOKEN))


def test_metrics_off_answers_404_everywhere(metrics_client, settings):
    settings.METRICS_TOKEN = TOKEN
    scrape(metrics_client, headers=bearer(TOKEN))
    settings.METRICS_ENABLED = False
    assert metrics_client.get("/metrics").status_code == 404
    assert metrics_client.get("/metrics", headers=bearer(TOKEN)).status_code == 404


@pytest.mark.parametrize(
    ("debug", "allowed", "expected"),
    [
        ("true", None, ["127.0.0.0/8", "::1/128"]),  # make run
        ("false", None, []),  # production: closed until configured
        ("false", "10.1.0.0/16, 2001:db8::1", ["10.1.0.0/16", "2001:db8::1/128"]),
    ],
)
def test_metrics_allowed_defaults_to_loopback_only_under_debug(debug, allowed, expected):
    env = {"DEBUG": debug, "DJANGO_SETTINGS_MODULE": "cybergate.settings", "PATH": "/usr/bin"}
    if allowed is not None:
        env["METRICS_ALLOWED"] = allowed
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.METRICS_ALLOWED)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == repr(expected)


def test_a_malformed_metrics_allowed_stops_start_up():
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.METRICS_ALLOWED"],
        cwd=ROOT,
        env={"METRICS_ALLOWED": "10.0.0.1/8", "DJANGO_SETTINGS_MODULE": "cybergate.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "Environment variable METRICS_ALLOWED is malformed" in result.stderr


# --- HTTP -------------------------------------------------------------------------------------


def test_requests_are_counted_by_route_template_never_by_raw_path(metrics_client, api_client):
    command_id = "0b7f4c1e-9d2a-4a8e-8f00-5d1c2b3a4e5f"
    before = scrape(metrics_client)
    assert api_client.get(f"/api/v1/door-open-commands/{command_id}").status_code == 404
    assert api_client.get(f"/api/v1/door-open-commands/{command_id}").status_code == 404
    assert metrics_client.get(f"/no-such/{command_id}").status_code == 404
    assert metrics_client.get("/healthz").status_code == 200
    response = metrics_client.get("/metrics")
    after = scrape(metrics_client)

    assert command_id not in response.content.decode()
    route = resolve(f"/api/v1/door-open-commands/{command_id}").route
    assert route.startswith("api/v1/door-open-commands/<")  # the template, e.g. <str:id>
    counted = "cybergate_http_request_duration_seconds_count"
    assert (
        value(after, counted, route=route, method="GET", status="4xx")
        - value(before, counted, route=route, method="GET", status="4xx")
        == 2
    )
    assert (
        value(after, counted, route="unmatched", method="GET", status="4xx")
        - value(before, counted, route="unmatched", method="GET", status="4xx")
        == 1
    )
    ok = {"route": "healthz", "method": "GET", "status": "2xx"}
    assert value(after, counted, **ok) - value(before, counted, **ok) == 1
    timed = "cybergate_http_request_duration_seconds_bucket"
    assert value(after, timed, le="+Inf", **ok) - value(before, timed, le="+Inf", **ok) == 1


def test_a_method_of_the_clients_own_invention_is_counted_as_other(metrics_client):
    metrics_client.generic("BREW", "/healthz")
    samples = scrape(metrics_client)
    other = {"route": "healthz", "method": "other", "status": "4xx"}
    assert value(samples, "cybergate_http_request_duration_seconds_count", **other) >= 1
    assert not any(("method", "BREW") in labels for _, labels in samples)


# --- Authentication ---------------------------------------------------------------------------


def test_api_refusals_are_counted_once_by_problem_code(metrics_client, tenant):
    expired = make_api_secret(tenant, "old", expires_in=-timedelta(seconds=1))[1]
    elsewhere = make_api_secret(tenant, "office", allowed_addresses=["192.0.2.0/24"])[1]
    before = scrape(metrics_client)
    assert_problem(bearer_client(expired).get("/api/v1/version"), 401, "expired_secret")
    for _ in range(2):
        response = bearer_client(elsewhere).get("/api/v1/version")
        assert_problem(response, 403, "ip_not_allowed")
    after = scrape(metrics_client)

    def delta(code: str) -> float:
        name = "cybergate_auth_refusals_total"
        return value(after, name, surface="api", code=code) - value(
            before, name, surface="api", code=code
        )

    assert (delta("expired_secret"), delta("ip_not_allowed")) == (1, 2)
    # No tenant, secret or address in any label.
    text = metrics_client.get("/metrics").content.decode()
    assert str(tenant.id) not in text and elsewhere[:12] not in text


def test_sign_in_failures_are_counted_and_a_lockout_once(metrics_client, admin_user):
    before = scrape(metrics_client)
    browser = Client()
    for _ in range(7):  # five fail, then the lockout refuses the rest
        browser.post("/accounts/login/", {"login": admin_user.email, "password": "wrong"})
    browser.post("/accounts/login/", {"login": admin_user.email, "password": PASSWORD})
    after = scrape(metrics_client)

    failures = "cybergate_sign_in_failures_total"
    assert (
        value(after, failures, factor="password") - value(before, failures, factor="password") == 5
    )
    lockouts = "cybergate_sign_in_lockouts_total"
    assert value(after, lockouts) - value(before, lockouts) == 1
    assert "wrong" not in metrics_client.get("/metrics").content.decode().replace("wrong_", "")


# --- Feeds and notices ------------------------------------------------------------------------


def test_feed_entries_served_and_acks_are_counted(metrics_client, api_client, tenant, other_tenant):
    for _ in range(3):
        make_missed_call(tenant)
    make_missed_call(other_tenant)  # another tenant's entry is never served here
    before = scrape(metrics_client)
    page = api_client.get("/api/v1/call-log").json()
    assert len(page["entries"]) == 3
    for _ in range(2):  # a repeated ack is an ack too
        response = api_client.post(
            "/api/v1/call-log/ack", {"cursor": page["cursor"]}, content_type="application/json"
        )
        assert response.status_code == 200
    bad = api_client.post("/api/v1/call-log/ack", {"cursor": "x"}, content_type="application/json")
    assert bad.status_code == 400  # refused: no ack
    after = scrape(metrics_client)

    served = "cybergate_feed_entries_served_total"
    acks = "cybergate_feed_acks_total"
    assert value(after, served, feed="call_log") - value(before, served, feed="call_log") == 3
    assert value(after, acks, feed="call_log") - value(before, acks, feed="call_log") == 2


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_expiry_notices_sent_and_failed_are_counted(metrics_client, settings, admin_user, tenant):
    make_api_secret(tenant, "soon", expires_in=timedelta(hours=20))
    make_api_secret(tenant, "later", expires_in=timedelta(days=6))
    before = scrape(metrics_client)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()  # nobody listening
    assert send_expiry_notices().failed == 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_expiry_notices(now=timezone.now() + timedelta(hours=1)).sent == 2  # retried
    assert send_expiry_notices(now=timezone.now() + timedelta(hours=2)).sent == 0  # once each
    after = scrape(metrics_client)

    notices = "cybergate_expiry_notices_total"
    assert value(after, notices, outcome="failed") - value(before, notices, outcome="failed") == 2
    assert value(after, notices, outcome="sent") - value(before, notices, outcome="sent") == 2


def test_an_allowed_ipv4_peer_of_a_dual_stack_socket_reads_them(client, settings):
    """A server listening on `::` reports an IPv4 client as ::ffff:a.b.c.d; it is that IPv4
    address for METRICS_ALLOWED, as for API secrets' allowed addresses."""
    settings.METRICS_ALLOWED = ["127.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="::ffff:127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::ffff:203.0.113.9").status_code == 404
