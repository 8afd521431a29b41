"""The customer API's OpenAPI document: only its own operations, shapes generators accept,
examples and headers for every answer, no internal notes."""

from __future__ import annotations

import json
import re

import pytest

from audit.models import AuditEntry
from cybergate.lib.problems import (
    CUSTOMER_ONLY_CODES,
    CUSTOMER_PROBLEM_CODES,
    GATEWAY_ONLY_CODES,
    GATEWAY_PROBLEM_CODES,
    PORTAL_ONLY_CODES,
    TITLES,
)
from tests.helpers import project_apps, python_sources

pytestmark = pytest.mark.django_db


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
    customer = any(p.startswith("/api/v1/") for p in schema["paths"])
    assert codes == (CUSTOMER_PROBLEM_CODES if customer else GATEWAY_PROBLEM_CODES)
    assert not set(codes) & (GATEWAY_ONLY_CODES if customer else CUSTOMER_ONLY_CODES)
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
    text = "\n".join(p.read_text() for p in python_sources(*project_apps(), "cybergate"))
    # `action="x.y"`, `action = "x.y" if ... else "x.z"`, `REVOKED = "x.y"`, `else "x.y"`.
    actions = set(
        re.findall(r'(?:action\s*=|REVOKED =|if \w+|else)\s*\(?\s*"([a-z_]+\.[a-z_]+)"', text)
    )
    assert len(actions) >= 10
    # Support's admin changes: `<audit_name>.<verb>` of every audited admin.
    from django.contrib import admin

    from audit.admin_audit import AuditedAdminMixin

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


def test_every_code_belongs_to_at_least_one_api_or_the_portal():
    apis = set(CUSTOMER_PROBLEM_CODES) | set(GATEWAY_PROBLEM_CODES)
    assert apis | PORTAL_ONLY_CODES == set(TITLES)
    assert not apis & PORTAL_ONLY_CODES
    assert {"gateway_busy", "invalid_credentials", "not_delivered"} <= GATEWAY_ONLY_CODES
    assert {"invalid_cursor", "insufficient_permission", "call_mismatch"} <= CUSTOMER_ONLY_CODES


def _enum_refs(prop: dict) -> list[str]:
    """The enum components a property refers to, whatever the wrapper."""
    text = json.dumps(prop)
    return re.findall(r'"#/components/schemas/(\w+Enum)"', text)


def test_every_enum_in_an_answer_accepts_unknown_values_and_requests_stay_closed(schema):
    components = schema["components"]["schemas"]
    opened = closed = 0
    for name, component in components.items():
        for prop_name, prop in component.get("properties", {}).items():
            target = prop.get("items", prop)
            if not _enum_refs(target):
                assert "enum" not in target, (name, prop_name)
                continue
            if name.endswith("Request"):
                closed += 1
                assert "anyOf" not in target, (name, prop_name)
                continue
            opened += 1
            assert {"type": "string"} in target["anyOf"], (name, prop_name)
            assert "new values may appear" in target["description"], (name, prop_name)
    assert opened >= 2
    if any(p.startswith("/api/v1/") for p in schema["paths"]):
        assert opened >= 9 and closed >= 1  # action, code, status, reason, availability, ...


def test_the_compatibility_policy_is_in_the_description(schema):
    description = schema["info"]["description"]
    assert "Compatibility within v1" in description
    assert "anyOf" in description


def test_every_operation_declares_503_with_retry_after(schema):
    for path, method, operation in operations(schema):
        unavailable = operation["responses"].get("503")
        assert unavailable, (method, path)
        assert "Retry-After" in unavailable["headers"]
        examples = unavailable["content"]["application/problem+json"]["examples"]
        assert "service_unavailable" in {e["value"]["code"] for e in examples.values()}


def test_every_response_and_every_property_is_described(schema):
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            assert response["description"].strip(), (method, path, status)
    undocumented = []
    for name, component in schema["components"]["schemas"].items():
        for variant in [component, *component.get("oneOf", [])]:
            for prop_name, prop in variant.get("properties", {}).items():
                if not prop.get("description"):
                    undocumented.append(f"{name}.{prop_name}")
    assert undocumented == []


def test_invalid_cursor_only_where_a_cursor_is_taken(customer):
    with_example, with_cursor = set(), set()
    for path, method, operation in operations(customer):
        names = {p["name"] for p in operation.get("parameters", [])}
        if names & {"after", "cursor"} or path.endswith("/ack"):
            with_cursor.add((method, path))
        bad_request = operation["responses"].get("400", {})
        examples = bad_request.get("content", {}).get("application/problem+json", {})
        codes = {e["value"]["code"] for e in examples.get("examples", {}).values()}
        if "invalid_cursor" in codes or "invalid_cursor" in bad_request.get("description", ""):
            with_example.add((method, path))
    assert with_example == with_cursor
    assert len(with_cursor) == 6  # the two feeds, their acks, the call group and active call lists


def test_servers_name_the_server_the_schema_came_from(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["servers"] == [{"url": "http://testserver", "description": "This server"}]
    gateway = client.get(
        "/device-api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json", secure=True
    ).json()
    assert gateway["servers"][0]["url"] == "https://testserver"


def test_servers_are_the_public_url_when_set(client, settings):
    settings.PUBLIC_URL = "https://api.contoso.example"
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert [s["url"] for s in schema["servers"]] == ["https://api.contoso.example"]


def test_every_customer_operation_names_its_permission(customer):
    from django.urls import resolve

    seen = set()
    for path, method, operation in operations(customer):
        concrete = re.sub(r"\{id\}", "6b1f2d4e-0c7a-4e55-9a51-3f4e2b1c0d01", path)
        concrete = re.sub(r"\{user\}", "anna@acme.example", concrete)
        concrete = re.sub(r"\{message_id\}", "6b1f2d4e-0c7a-4e55-9a51-3f4e2b1c0d02", concrete)
        view = resolve(concrete).func.view_class
        assert operation["x-permission"] == view.required_permission, (method, path)
        assert f"**Permission:** `{view.required_permission}`" in operation["description"]
        seen.add(operation["x-permission"])
    assert seen == {"read", "availability", "door_open", "webhooks"}


def _parameter(schema: dict, path: str, name: str) -> dict:
    [parameter] = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
    return parameter


@pytest.mark.parametrize("path", ["/api/v1/call-log", "/api/v1/audit-trail"])
def test_after_admits_only_start_and_cursors(customer, api_client, path):
    pattern = re.compile(_parameter(customer, path, "after")["schema"]["pattern"])
    cursor = api_client.get(path).json()["cursor"]
    assert pattern.search("start") and pattern.search(cursor)
    for refused in ("", "0", "start ", cursor[:-1], cursor + "A"):
        assert not pattern.search(refused), refused
        assert api_client.get(path, {"after": refused}).json()["code"] == "invalid_cursor"


def test_call_group_cursor_admits_base64_only(customer, api_client, world):
    pattern = re.compile(_parameter(customer, "/api/v1/call-groups", "cursor")["schema"]["pattern"])
    next_url = api_client.get("/api/v1/call-groups", {"limit": 1}).json()["next"]
    from urllib.parse import parse_qs, urlparse

    [cursor] = parse_qs(urlparse(next_url).query)["cursor"]
    assert pattern.search(cursor)
    for refused in ("", "a b", "%"):
        assert not pattern.search(refused)
        response = api_client.get("/api/v1/call-groups", {"cursor": refused})
        assert response.json()["code"] == "invalid_cursor"


def test_the_long_polls_wait_is_bounded_and_may_be_empty(client):
    schema = client.get("/device-api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    wait = _parameter(schema.json(), "/device-api/v1/commands", "wait")
    assert wait["schema"] == {"type": "number", "minimum": 0, "maximum": 30}
    assert wait["allowEmptyValue"] is True


def test_a_body_with_required_fields_in_every_shape_is_required(client):
    schema = client.get("/device-api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    events = schema.json()["paths"]["/device-api/v1/calls/{call_id}/events"]["post"]
    assert events["requestBody"]["required"] is True


def test_404_examples_name_the_resource_of_their_operation(schema):
    names = {
        "/api/v1/call-groups/{id}": "No call group with this id.",
        "/api/v1/call-groups/{id}/members/{user}/availability": "No call group with this id.",
        "/api/v1/door-open-commands/{id}": "No door-open command with this id.",
        "/device-api/v1/calls": "Call group not found.",
        "/device-api/v1/calls/{call_id}/events": "Call not found.",
        "/device-api/v1/commands/{command_id}/ack": "Command not found.",
    }
    checked = 0
    for path, _method, operation in operations(schema):
        examples = operation["responses"].get("404", {}).get("content", {})
        for example in examples.get("application/problem+json", {}).get("examples", {}).values():
            if example["value"]["code"] == "not_found" and path in names:
                assert example["value"]["detail"] == names[path], path
                checked += 1
    assert checked >= 3


def test_an_id_parameter_names_the_resource_of_its_own_path(customer):
    """`{id}` is described by what the path is about: a test call is not a call group."""
    for path, item in customer["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "id" and parameter["in"] == "path":
                    description = parameter["description"].lower()
                    if "/test/calls/" in path:
                        assert "test call" in description, (method, path)
                    elif "/call-groups/" in path:
                        assert "call group" in description, (method, path)
