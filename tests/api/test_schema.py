"""The customer API's OpenAPI document: only its own operations, shapes generators accept,
examples and headers for every answer, no internal notes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audit.models import AuditEntry
from cybergate.problems import TITLES

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["/api/schema/", "/device-api/schema/"])
def schema(client, request) -> dict:
    response = client.get(request.param, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def customer(client) -> dict:
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def test_customer_schema_has_only_v1_operations_and_the_bearer_scheme(customer):
    assert customer["paths"] and all(p.startswith("/api/v1/") for p in customer["paths"])
    assert set(customer["components"]["securitySchemes"]) == {"ApiSecret"}
    assert customer["servers"]


def test_no_null_enum_and_no_internal_notes(schema):
    text = json.dumps(schema)
    assert "NullEnum" not in text and "BlankEnum" not in text
    for leak in ("Input:", "api.example.org", "drf-spectacular", "docstring", "Refuses body"):
        assert leak not in text


def test_every_response_has_an_example_and_declares_its_headers(schema):
    customer = any(p.startswith("/api/v1/") for p in schema["paths"])
    for path, method, operation in operations(schema):
        assert operation.get("description"), (method, path)
        for status, response in operation["responses"].items():
            for media, content in response.get("content", {}).items():
                assert content.get("examples") or content.get("example"), (path, status, media)
            headers = response.get("headers", {})
            assert "X-Request-Id" in headers
            if status == "401":
                assert "WWW-Authenticate" in headers
            if status in ("429", "503"):
                assert "Retry-After" in headers
            if customer and status not in ("401", "403"):
                assert {"RateLimit", "RateLimit-Policy"} <= set(headers), (path, status)


def test_problem_examples_use_documented_codes(schema):
    codes = schema["components"]["schemas"]["ProblemCodeEnum"]["enum"]
    assert set(codes) == set(TITLES)
    for _path, _method, operation in operations(schema):
        for status, response in operation["responses"].items():
            for example in (
                response.get("content", {})
                .get("application/problem+json", {})
                .get("examples", {})
                .values()
            ):
                assert example["value"]["status"] == int(status)
                assert example["value"]["code"] in codes


def test_door_open_documents_its_headers_and_422(customer):
    operation = customer["paths"]["/api/v1/active-calls/{user}/door-open"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    accepted = operation["responses"]["202"]
    assert {"Location", "Idempotent-Replayed"} <= set(accepted["headers"])
    assert "422" in operation["responses"]
    assert "406" in operation["responses"]


def test_bodies_document_415_and_audit_action_is_an_enum(customer):
    ack = customer["paths"]["/api/v1/call-log/ack"]["post"]
    assert "415" in ack["responses"]
    actions = customer["components"]["schemas"]["AuditActionEnum"]["enum"]
    assert set(actions) == set(AuditEntry.Action.values)


def test_every_action_and_code_in_the_code_base_is_in_its_enum():
    """An unlisted value would break typed clients, which refuse unknown enum values."""
    sources = [
        p.read_text()
        for folder in (
            "accounts",
            "apisecrets",
            "audit",
            "callgroups",
            "devices",
            "gateway",
            "tenants",
            "cybergate",
        )
        for p in (ROOT / folder).rglob("*.py")
        if "migrations" not in p.parts
    ]
    text = "\n".join(sources)
    # `action="x.y"`, `action = "x.y" if ... else "x.z"`, `REVOKED = "x.y"`, `else "x.y"`.
    actions = set(
        re.findall(r'(?:action\s*=|REVOKED =|if \w+|else)\s*\(?\s*"([a-z_]+\.[a-z_]+)"', text)
    )
    assert len(actions) >= 10
    # Support's admin changes: `<audit_name>.<verb>` of every audited admin.
    from django.contrib import admin

    from cybergate.admin import AuditedAdminMixin

    audited = [m for m in admin.site._registry.values() if isinstance(m, AuditedAdminMixin)]
    assert len(audited) >= 5
    for model_admin in audited:
        name = model_admin.audit_name or model_admin.opts.model_name
        actions |= {f"{name}.{verb}" for verb in ("created", "changed", "deleted")}
    assert actions <= set(AuditEntry.Action.values), actions - set(AuditEntry.Action.values)
    codes = set(re.findall(r'(?:Problem|CallError|ServiceError)\(\s*(?:\d+,\s*)?"([a-z_]+)"', text))
    codes |= set(re.findall(r'CallError\(\s*\n\s*"([a-z_]+)"', text))
    codes |= set(re.findall(r'Problem\(\s*\n\s*\d+,\s*\n\s*"([a-z_]+)"', text))
    assert codes and codes <= set(TITLES), codes - set(TITLES)
