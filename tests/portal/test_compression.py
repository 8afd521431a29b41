"""GZip for portal HTML, the schema and API JSON; never for the answer that shows a new secret."""

from __future__ import annotations

import gzip
import json

import pytest

from apisecrets.submissions import new_token
from tests.factories import make_world

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


def test_api_json_is_compressed_when_asked(api_client, tenant):
    make_world(tenant)  # two call groups: an answer over GZipMiddleware's 200 bytes
    plain = api_client.get("/api/v1/call-groups")
    response = api_client.get("/api/v1/call-groups", headers=GZ)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert json.loads(gzip.decompress(response.content)) == plain.json()
    assert not plain.has_header("Content-Encoding")


def test_small_api_answers_are_left_alone(api_client):
    response = api_client.get("/api/v1/version", headers=GZ)
    assert len(response.content) < 200
    assert not response.has_header("Content-Encoding")


def test_api_problem_details_are_compressed_when_asked(api_client):
    response = api_client.get("/api/v1/call-groups?" + "x" * 300, headers=GZ)
    assert response.status_code == 400
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["code"] == "invalid_request"
