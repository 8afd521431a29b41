"""The API Access page's curl example uses the address the portal really answers on."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_api_access_shows_a_curl_example_with_the_real_base_url(admin_client, settings):
    settings.ALLOWED_HOSTS = ["portal.example.com"]
    html = admin_client.get("/api-access/", HTTP_HOST="portal.example.com").content.decode()
    assert (
        'value="curl -H &quot;Authorization: Bearer $API_SECRET&quot; '
        'http://portal.example.com/api/v1/call-groups"'
    ) in html
