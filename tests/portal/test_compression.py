"""GZip for portal HTML and the schema; never for the answer that shows a new secret."""

from __future__ import annotations

import gzip

import pytest

from apisecrets.submissions import new_token

pytestmark = pytest.mark.django_db

GZ = {"Accept-Encoding": "gzip"}


def test_portal_html_is_compressed(admin_client):
    response = admin_client.get("/api-access/", headers=GZ)
    assert response["Content-Encoding"] == "gzip"
    assert b"<h1>API Access</h1>" in gzip.decompress(response.content)
    assert "Accept-Encoding" in response["Vary"]


def test_the_schema_is_compressed(client):
    response = client.get("/api/schema/", headers=GZ)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"


@pytest.mark.parametrize("htmx", [False, True])
def test_the_created_secret_answer_is_not_compressed(admin_client, htmx):
    headers = {**GZ, **({"HX-Request": "true"} if htmx else {})}
    response = admin_client.post(
        "/api-access/new/",
        {"name": "Door", "validity_days": "90", "permissions": "read", "submit_token": new_token()},
        headers=headers,
    )
    assert response.status_code == 200
    assert b"cgs_" in response.content
    assert not response.has_header("Content-Encoding")


def test_api_json_is_not_compressed(api_client):
    response = api_client.get("/api/v1/call-groups", headers=GZ)
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
