"""Versions: API-Version on every /api/ answer; Deprecation/Sunset/Link for what a view deprecates
(a fake parameter registered only here); a well-formed unknown secret's 401 names its prefix."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from apisecrets.models import ApiSecret
from cybergate.api import VersionView
from cybergate.lib import tokens
from cybergate.lib.versioning import Deprecated
from devices.api import CallLogAckView
from tests.factories import make_api_secret
from tests.helpers import assert_problem, bearer_client

pytestmark = pytest.mark.django_db

VERSION = "/api/v1/version"


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        (VERSION, "get", 200),
        ("/api/v1/call-groups/00000000-0000-0000-0000-000000000000", "get", 404),
        ("/api/v1/nowhere", "get", 404),
        (VERSION, "delete", 405),
        ("/api/v1/version?bogus=1", "get", 400),
        ("/api/schema/", "get", 200),
    ],
)
def test_every_api_answer_says_the_version_it_is(api_client, path, method, status):
    expected = api_client.get(VERSION).json()["api_version"]
    response = getattr(api_client, method)(path)
    assert response.status_code == status
    assert response["API-Version"] == expected == "1.0"


def test_refused_requests_say_the_version_too(db):
    response = Client().get(VERSION)
    assert_problem(response, 401, "missing_credentials")
    assert response["API-Version"] == "1.0"


def test_portal_and_gateway_answers_do_not(client):
    assert "API-Version" not in client.get("/healthz")
    assert "API-Version" not in client.get("/device-api/v1/commands")


def test_the_schema_declares_api_version_on_every_answer(client):
    schema = json.loads(
        client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).content
    )
    for item in schema["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                assert "API-Version" in response["headers"], (operation["operationId"], status)


# --- Deprecation: a fake parameter, registered on the version view only in these tests -----------

SINCE = datetime(2026, 1, 15, tzinfo=UTC)
SUNSET = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.fixture
def verbose_deprecated(monkeypatch):
    monkeypatch.setattr(VersionView, "query_parameters", frozenset({"verbose"}))
    monkeypatch.setattr(
        VersionView,
        "deprecated_parameters",
        {"verbose": Deprecated(SINCE, SUNSET, "Leave it out.", anchor="verbose")},
    )


def test_a_request_using_a_deprecated_parameter_is_told_when_it_goes(
    api_client, verbose_deprecated
):
    response = api_client.get(VERSION + "?verbose=1")
    assert response.status_code == 200
    assert response["Deprecation"] == f"@{int(SINCE.timestamp())}" == "@1768435200"
    assert response["Sunset"] == "Fri, 01 Jan 2027 00:00:00 GMT"
    assert response["Link"] == '</api/docs/changelog/#verbose>; rel="deprecation"'


def test_a_request_without_it_gets_no_deprecation_headers(api_client, verbose_deprecated):
    response = api_client.get(VERSION)
    assert response.status_code == 200
    for header in ("Deprecation", "Sunset", "Link"):
        assert header not in response


def test_problems_of_a_request_using_it_say_so_too(api_client, verbose_deprecated):
    response = api_client.get(VERSION + "?verbose=1&bogus=2")
    assert_problem(response, 400, "invalid_request")
    assert response["Deprecation"] == "@1768435200"


def test_a_deprecated_body_field_is_noticed_too(api_client, monkeypatch):
    monkeypatch.setattr(
        CallLogAckView, "deprecated_parameters", {"cursor": Deprecated(SINCE, SUNSET, "-")}
    )
    used = api_client.post("/api/v1/call-log/ack", {"cursor": "nope"})
    assert_problem(used, 400, "invalid_cursor")
    assert used["Sunset"] == "Fri, 01 Jan 2027 00:00:00 GMT"
    unused = api_client.post("/api/v1/call-log/ack", {})
    assert_problem(unused, 400, "invalid_request")
    assert "Sunset" not in unused


def test_a_deprecated_operation_says_so_on_every_answer(api_client, monkeypatch):
    monkeypatch.setattr(VersionView, "deprecated", Deprecated(SINCE, SUNSET, "Use /tenant."))
    response = api_client.get(VERSION)
    assert response["Deprecation"] == "@1768435200"
    assert response["Link"] == '</api/docs/changelog/>; rel="deprecation"'


def test_the_schema_marks_and_documents_the_deprecation(client, monkeypatch):
    monkeypatch.setattr(VersionView, "deprecated", Deprecated(SINCE, SUNSET, "Use /tenant."))
    schema = json.loads(
        client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).content
    )
    operation = schema["paths"]["/api/v1/version"]["get"]
    assert operation["deprecated"] is True
    assert "may stop working from 2027-01-01" in operation["description"]
    assert {"Deprecation", "Sunset", "Link"} <= set(operation["responses"]["200"]["headers"])
    other = schema["paths"]["/api/v1/tenant"]["get"]
    assert "deprecated" not in other and "Sunset" not in other["responses"]["200"]["headers"]


# --- 401 for a well-formed but unknown secret names its prefix ----------------------------------


def test_a_deleted_secret_is_named_by_its_prefix(tenant):
    secret, value = make_api_secret(tenant)
    ApiSecret.objects.filter(pk=secret.pk).delete()
    body = assert_problem(bearer_client(value).get(VERSION), 401, "invalid_secret")
    assert f"No API secret {secret.prefix}… exists (deleted or replaced?)" in body["detail"]
    assert value[: tokens.DISPLAY_PREFIX_LENGTH + 1] not in body["detail"]  # never more of it


def test_a_malformed_or_mistyped_secret_is_not_named(db):
    value = tokens.generate_api_secret()
    mistyped = value[:-1] + ("A" if value[-1] != "A" else "B")  # the checksum no longer matches
    for bad in (mistyped, "cgs_short"):
        body = assert_problem(bearer_client(bad).get(VERSION), 401)
        assert body["detail"] == "The API secret is not valid.", bad
        assert bad[:8] not in body["detail"]
