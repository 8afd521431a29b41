"""Every operation × every kind of caller: exact status and problem code (pretix-style matrix)."""

from __future__ import annotations

import pytest
from django.test import Client

from apisecrets import tokens
from apisecrets.models import PERMISSIONS
from devices.services import door_open_request
from tenants.models import Tenant
from tests.api.conftest import start_answered_call
from tests.factories import make_api_secret
from tests.helpers import assert_problem, bearer_client
from webhooks.services import endpoint_create, endpoint_send_test

pytestmark = pytest.mark.django_db

# (method, path template, success status). Placeholders are filled from the tenant's own data or,
# for the "other tenant's ids" row, from another tenant's.
OPERATIONS = [
    ("get", "/api/v1/version", 200),
    ("get", "/api/v1/tenant", 200),
    ("get", "/api/v1/call-groups", 200),
    ("get", "/api/v1/call-groups/{group}", 200),
    ("put", "/api/v1/call-groups/{group}/members/{user}/availability", 200),
    ("get", "/api/v1/active-calls", 200),
    ("get", "/api/v1/active-calls/{user}", 200),
    ("post", "/api/v1/active-calls/{user}/door-open", 202),
    ("get", "/api/v1/door-open-commands/{command}", 200),
    ("get", "/api/v1/call-log", 200),
    ("get", "/api/v1/audit-trail", 200),
    ("get", "/api/v1/webhook-endpoints", 200),
    ("post", "/api/v1/webhook-endpoints", 201),
    ("get", "/api/v1/webhook-endpoints/{endpoint}", 200),
    ("patch", "/api/v1/webhook-endpoints/{endpoint}", 200),
    ("get", "/api/v1/webhook-endpoints/{endpoint}/messages", 200),
    ("post", "/api/v1/webhook-endpoints/{endpoint}/messages/{message}/resend", 202),
    ("post", "/api/v1/webhook-endpoints/{endpoint}/recover", 202),
    ("delete", "/api/v1/webhook-endpoints/{endpoint}", 204),
]
OPERATION_IDS = [f"{m.upper()} {p}" for m, p, _ in OPERATIONS]

# What another tenant's ids give: the first unknown id in the path decides the code.
OTHER_TENANT = {
    "/api/v1/call-groups/{group}": (404, "not_found"),
    "/api/v1/call-groups/{group}/members/{user}/availability": (404, "not_found"),
    "/api/v1/active-calls/{user}": (404, "user_not_found"),
    "/api/v1/active-calls/{user}/door-open": (404, "user_not_found"),
    "/api/v1/door-open-commands/{command}": (404, "not_found"),
    "/api/v1/webhook-endpoints/{endpoint}": (404, "not_found"),
    "/api/v1/webhook-endpoints/{endpoint}/messages": (404, "not_found"),
    "/api/v1/webhook-endpoints/{endpoint}/messages/{message}/resend": (404, "not_found"),
    "/api/v1/webhook-endpoints/{endpoint}/recover": (404, "not_found"),
}


@pytest.fixture
def api_secret_pair(tenant):
    """The matrix's secret may do everything (`webhooks` is off by default)."""
    return make_api_secret(tenant, permissions=list(PERMISSIONS))


def _ids(world) -> dict[str, str]:
    call = start_answered_call(world["front"], world["reception"], world["anna"])
    command = door_open_request(user=world["anna"], actor=_system())
    assert call.pk
    endpoint, _ = endpoint_create(
        tenant=world["reception"].tenant, actor=_system(), url="https://hooks.example.com/in"
    )
    message = endpoint_send_test(endpoint=endpoint, actor=_system())
    return {
        "group": world["reception"].id,
        "user": world["anna"].upn,
        "command": command.id,
        "endpoint": endpoint.id,
        "message": message.id,
    }


def _system():
    from audit.services import Actor

    return Actor.system()


def _body(method: str, path: str) -> dict | None:
    """The body of an operation that takes one."""
    if method == "put":
        return {"availability": "unavailable"}
    if method == "patch":
        return {"description": "Changed"}
    if method == "post" and path.endswith("/webhook-endpoints"):
        return {"url": "https://hooks.example.com/new"}
    if method == "post" and path.endswith("/recover"):
        return {"since": "2020-01-01T00:00:00Z"}
    return None


def _call(client: Client, method: str, path: str):
    body = _body(method, path)
    if body is not None:
        return getattr(client, method)(path, body, content_type="application/json")
    return getattr(client, method)(path)


CALLERS = ["no_header", "malformed", "unknown", "expired", "disabled", "other_ids", "valid"]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "template", "ok"), OPERATIONS, ids=OPERATION_IDS)
def test_operation_matrix(
    caller, method, template, ok, tenant, world, other_world, api_secret_value
):
    ids = _ids(world) if caller != "other_ids" else _ids(other_world)
    path = template.format(**ids)

    if caller == "no_header":
        assert_problem(_call(Client(), method, path), 401, "missing_credentials")
    elif caller == "malformed":
        for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer  a b", api_secret_value):
            client = Client(headers={"Authorization": header})
            assert_problem(_call(client, method, path), 401, "missing_credentials")
    elif caller == "unknown":
        client = bearer_client(tokens.generate(tokens.API_SECRET_PREFIX))
        assert_problem(_call(client, method, path), 401, "invalid_secret")
        assert_problem(_call(bearer_client("not-a-secret"), method, path), 401, "invalid_secret")
    elif caller == "expired":
        from datetime import timedelta

        from django.utils import timezone

        from apisecrets.models import ApiSecret

        secret, value = make_api_secret(tenant, name="expired")
        ApiSecret.objects.filter(pk=secret.pk).update(expires_at=timezone.now() - timedelta(1))
        assert_problem(_call(bearer_client(value), method, path), 401, "expired_secret")
    elif caller == "disabled":
        Tenant.objects.filter(pk=tenant.pk).update(api_access_enabled=False)
        client = bearer_client(api_secret_value)
        assert_problem(_call(client, method, path), 403, "api_access_disabled")
    elif caller == "other_ids":
        response = _call(bearer_client(api_secret_value), method, path)
        if template in OTHER_TENANT:
            assert_problem(response, *OTHER_TENANT[template])
        else:
            assert response.status_code == ok
            assert "Globex" not in response.content.decode()
            assert "globex" not in response.content.decode()
    else:
        response = _call(bearer_client(api_secret_value), method, path)
        assert response.status_code == ok, response.content
        if ok != 204:
            assert response["Content-Type"] == "application/json"
