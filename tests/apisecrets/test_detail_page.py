"""The secret's page: its facts, the allowed-addresses form, and the requests-per-day chart
(counted in memory per process, written at most once a minute per secret)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from apisecrets import authentication
from apisecrets.models import ApiSecret, ApiSecretUsage
from apisecrets.services import api_secret_create
from audit.services import Actor
from tests.factories import make_api_secret
from tests.helpers import bearer_client

pytestmark = pytest.mark.django_db

RECT = re.compile(r'<rect class="usage-bar" x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"')


def test_page_shows_the_secrets_facts(admin_client, tenant, admin_user):
    secret, value = api_secret_create(
        tenant=tenant,
        actor=Actor.for_user(admin_user),
        name="Door app",
        validity_days=30,
        permissions=["read", "door_open"],
        allowed_addresses="192.0.2.0/24, 127.0.0.1",
        created_by=admin_user,
    )
    bearer_client(value).get("/api/v1/version", REMOTE_ADDR="127.0.0.1")
    html = admin_client.get(f"/api-access/{secret.pk}/").content.decode()
    assert "API secret “Door app”" in html
    assert '<span class="badge badge-permission">read</span>' in html
    assert "<del>availability</del> not allowed" in html
    assert "<code>192.0.2.0/24</code>" in html
    assert admin_user.email in html
    assert "from <code>127.0.0.1</code>" in html
    assert secret.expires_at.strftime("%Y-%m-%d") in html
    assert "(30 days left)" in html
    # The table links the name to this page.
    table = admin_client.get("/api-access/").content.decode()
    assert f'href="/api-access/{secret.pk}/"' in table


def test_another_tenants_secret_page_is_404(admin_client, other_tenant):
    other, _ = make_api_secret(other_tenant)
    assert admin_client.get(f"/api-access/{other.pk}/").status_code == 404
    response = admin_client.post(f"/api-access/{other.pk}/addresses/", {"allowed_addresses": ""})
    assert response.status_code == 404


def test_chart_has_30_bars_scaled_to_the_busiest_day(client, admin_user, tenant, time_machine):
    time_machine.move_to("2026-11-28 12:00:00+00:00", tick=False)
    client.force_login(admin_user)
    admin_client = client
    secret, _ = make_api_secret(tenant)
    today = date(2026, 11, 28)
    for days_ago, count in [(0, 5), (1, 10), (29, 1), (30, 999)]:  # 30 days ago: outside
        ApiSecretUsage.objects.create(
            secret=secret, day=today - timedelta(days=days_ago), count=count
        )
    html = admin_client.get(f"/api-access/{secret.pk}/").content.decode()
    bars = RECT.findall(html)
    assert len(bars) == 30
    heights = [int(b[3]) for b in bars]
    assert heights[-1] == 60 and heights[-2] == 120 and heights[0] == 12
    assert sum(1 for h in heights if h) == 3
    assert "2026-11-27: 10 requests" in html
    assert "16 requests in total" in html
    assert "style=" not in html.split("<svg")[1].split("</svg>")[0]


def test_chart_has_a_dated_axis_a_scale_and_a_named_focusable_day(
    client, admin_user, tenant, time_machine
):
    time_machine.move_to("2026-12-01 12:00:00+00:00", tick=False)
    client.force_login(admin_user)
    secret, _ = make_api_secret(tenant)
    ApiSecretUsage.objects.create(secret=secret, day=date(2026, 12, 1), count=42, refused=3)
    ApiSecretUsage.objects.create(secret=secret, day=date(2026, 11, 20), count=1, refused=7)
    html = client.get(f"/api-access/{secret.pk}/").content.decode()
    # The x axis: first, middle and last day, as dates.
    days = re.findall(r'<time datetime="([\d-]+)">([\d-]+)</time>', html.split("usage-days")[1])
    assert days[:3] == [("2026-11-02",) * 2, ("2026-11-17",) * 2, ("2026-12-01",) * 2]
    # The y scale: the busiest day at the top, half of it at the dashed mid gridline.
    scale = html.split('<div class="usage-scale" aria-hidden="true">')[1].split("</div>")[0]
    assert re.findall(r"<span>([^<]*)</span>", scale) == ["42", "21", "0"]
    assert (
        'y1="60" x2="600" y2="60" stroke="currentColor" stroke-width="1" stroke-dasharray' in html
    )
    # Each day: one focusable element named with both of its numbers.
    named = re.findall(r'<g class="usage-day" tabindex="0" role="img" aria-label="([^"]+)">', html)
    assert len(named) == 30
    assert named[-1] == "2026-12-01: 42 requests, 3 refused"
    assert named[-12] == "2026-11-20: 1 request, 7 refused"
    assert named[0] == "2026-11-02: 0 requests, 0 refused"
    # The table of values is still there.
    assert "<tr><td>2026-12-01</td><td>42</td><td>3</td></tr>" in html


def test_chart_scale_of_a_quiet_secret_says_only_zero(admin_client, tenant):
    secret, _ = make_api_secret(tenant)
    html = admin_client.get(f"/api-access/{secret.pk}/").content.decode()
    scale = html.split('<div class="usage-scale" aria-hidden="true">')[1].split("</div>")[0]
    assert re.findall(r"<span>([^<]*)</span>", scale) == ["", "", "0"]
    assert "0 requests in total, 0 refused" in html


def test_requests_are_counted_per_day_with_few_writes(
    tenant, time_machine, django_assert_max_num_queries, settings
):
    settings.API_SECRET_CACHE_SECONDS = 3600  # no reload query in the counts below
    time_machine.move_to("2026-11-28 12:00:00+00:00", tick=True)
    secret, value = make_api_secret(tenant)
    client = bearer_client(value)
    for _ in range(3):
        assert client.get("/api/v1/version").status_code == 200
    # Counted in memory: no write per request.
    assert not ApiSecretUsage.objects.exists()
    with django_assert_max_num_queries(0):
        for _ in range(20):
            client.get("/api/v1/version")
    authentication.flush_usage()
    assert ApiSecretUsage.objects.get(secret=secret).count == 23
    # A minute after the last write, the next request adds what accumulated (one upsert).
    client.get("/api/v1/version")
    authentication._usage_flushed[secret.pk] -= 61  # (monotonic time cannot be moved)
    with django_assert_max_num_queries(1):
        client.get("/api/v1/version")
    assert ApiSecretUsage.objects.get(secret=secret).count == 25


def test_addresses_are_edited_on_the_page(admin_client, tenant):
    secret, _ = make_api_secret(tenant)
    response = admin_client.post(
        f"/api-access/{secret.pk}/addresses/", {"allowed_addresses": "10.0.0.1/8"}
    )
    assert response.status_code == 200
    assert "did you mean 10.0.0.0/8?" in response.content.decode()
    secret.refresh_from_db()
    assert secret.allowed_addresses == []
    response = admin_client.post(
        f"/api-access/{secret.pk}/addresses/", {"allowed_addresses": "10.0.0.0/8\n2001:db8::1"}
    )
    assert response.status_code == 302
    secret.refresh_from_db()
    assert secret.allowed_addresses == ["10.0.0.0/8", "2001:db8::1"]
    html = admin_client.get(response["Location"]).content.decode()
    assert "Allowed addresses saved" in html


def test_expiry_warning_icon_follows_the_calendar_day_rule(tenant, time_machine):
    time_machine.move_to("2026-11-28 23:00:00+00:00", tick=False)
    secret, _ = make_api_secret(tenant, days=10)
    # 21 calendar days left (Dec 19 vs Nov 28 +21), though less than 21×24 h.
    ApiSecret.objects.filter(pk=secret.pk).update(
        expires_at=timezone.now() + timedelta(days=20, hours=2)
    )
    secret.refresh_from_db()
    assert secret.expiration_text() == "21 days left"
    assert not secret.needs_warning()
    ApiSecret.objects.filter(pk=secret.pk).update(
        expires_at=timezone.now() + timedelta(days=20, minutes=30)
    )
    secret.refresh_from_db()
    assert secret.expiration_text() == "20 days left"
    assert secret.needs_warning()
