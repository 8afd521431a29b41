"""The gateway has its own OpenAPI schema, apart from the customer API's."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("/device-api/v1/calls", "post"),
    ("/device-api/v1/calls/{call_id}/events", "post"),
    ("/device-api/v1/commands", "get"),
    ("/device-api/v1/commands/{command_id}/ack", "post"),
}


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/device-api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_every_gateway_operation_is_documented_under_its_tag(schema):
    documented = {
        (path, method)
        for path, item in schema["paths"].items()
        if path.startswith("/device-api/")
        for method in item
        if method != "parameters"
    }
    assert documented == OPERATIONS
    for path, method in OPERATIONS:
        operation = schema["paths"][path][method]
        assert operation["tags"] == ["Device gateway"]
        assert operation["security"] == [{"deviceCredential": []}]
        for status in ("400", "401", "404", "429"):
            assert "application/problem+json" in operation["responses"][status]["content"]


def test_the_device_credential_is_its_own_bearer_scheme(schema, client):
    assert set(schema["components"]["securitySchemes"]) == {"deviceCredential"}
    scheme = schema["components"]["securitySchemes"]["deviceCredential"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert all(path.startswith("/device-api/v1/") for path in schema["paths"])
    # Integrators never see it.
    customer = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "deviceCredential" not in customer["components"]["securitySchemes"]
    assert not any(path.startswith("/device-api/") for path in customer["paths"])


def test_the_gateway_has_its_own_docs_page(client):
    response = client.get("/device-api/docs/")
    assert response.status_code == 200
    assert "<title>CyberGate device gateway</title>" in response.content.decode()
    # Swagger UI's set-up comes from a script of its own (no inline script under the CSP).
    assert '<script src="/device-api/docs/?script="></script>' in response.content.decode()
    script = client.get("/device-api/docs/?script=")
    assert script.status_code == 200
    assert "/device\\u002Dapi/schema/" in script.content.decode()  # JSON-escaped "-"


def test_the_long_poll_documents_wait_and_its_answer(schema):
    operation = schema["paths"]["/device-api/v1/commands"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["wait"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/CommandList")
    command = schema["components"]["schemas"]["Command"]
    assert set(command["properties"]) == {"id", "type", "call_id", "dtmf", "expires_at"}
