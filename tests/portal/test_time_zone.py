"""The user's time zone: chosen on the Security page, used for audit details and expiry labels."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apisecrets.submissions import new_token
from audit.services import Actor, record

pytestmark = pytest.mark.django_db


def test_security_page_links_to_the_time_zone_choice(admin_client):
    html = admin_client.get("/accounts/2fa/").content.decode()
    assert "Portal pages show times in <strong>UTC</strong>" in html
    assert 'href="/accounts/time-zone/"' in html


def test_choosing_a_time_zone_saves_it(admin_client, admin_user):
    page = admin_client.get("/accounts/time-zone/").content.decode()
    assert "<h1>Time zone</h1>" in page and "Europe/Oslo" in page
    response = admin_client.post("/accounts/time-zone/", {"time_zone": "Europe/Oslo"})
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.time_zone == "Europe/Oslo"


def test_an_unknown_time_zone_is_refused_with_a_message(admin_client, admin_user):
    response = admin_client.post("/accounts/time-zone/", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Choose a time zone from the list." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.time_zone == "UTC"


def test_signed_out_time_zone_page_asks_to_sign_in(client):
    assert client.get("/accounts/time-zone/")["Location"].startswith("/accounts/login/")


def test_audit_details_are_shown_in_the_users_zone(admin_client, admin_user, tenant):
    admin_user.time_zone = "Asia/Tokyo"
    admin_user.save()
    record(
        tenant=tenant,
        actor=Actor.for_user(admin_user),
        action="api_secret.created",
        target="x",
        details={"expires_at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC).isoformat()},
    )
    html = admin_client.get("/audit-trail/").content.decode()
    assert "2026-01-02 12:04" in html  # 03:04 UTC in Tokyo, no microseconds
    assert "678901" not in html
    assert "Times in Asia/Tokyo" in html


def test_valid_until_names_the_time_zone(admin_client, admin_user):
    admin_user.time_zone = "Europe/Oslo"
    admin_user.save()
    response = admin_client.post(
        "/api-access/new/",
        {"name": "Door", "validity_days": "90", "permissions": "read", "submit_token": new_token()},
    )
    assert "(Europe/Oslo)</time>" in response.content.decode()
