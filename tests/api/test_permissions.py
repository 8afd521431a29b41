"""Every operation × every kind of caller: exact status and problem code (pretix-style matrix).

The operations are what Django's URL resolver routes under /api/v1/ (each method its view
implements), so a new endpoint is in the matrix at once, and fails there until it has a case.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from apisecrets import authentication
from apisecrets.models import PERMISSIONS
from cybergate.lib import tokens
from devices.services import door_open_request
from sandbox.services import sandbox_call_start
from tenants.models import Tenant
from tenants.services import tenant_sandbox
from tests.factories import make_api_secret, start_answered_call
from tests.helpers import assert_problem, bearer_client
from webhooks.services import endpoint_create, endpoint_send_test

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


def _routes(patterns, prefix: str = "/") -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            out += _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            out.append((prefix + str(pattern.pattern), pattern.callback))
    return out


def api_operations() -> list[str]:
    """ "METHOD route" of every /api/v1/ URL pattern, for each method its view implements."""
    return [
        f"{method.upper()} {route}"
        for route, view in _routes(get_resolver().url_patterns)
        if route.startswith("/api/v1/")
        for method in METHODS
        if hasattr(getattr(view, "view_class", None), method)
    ]


# The case of each operation: (path, its placeholders filled from the tenant's own data or, for
# the "other tenant's ids" row, from another tenant's; success status).
CASES: dict[str, tuple[str, int]] = {
    "GET /api/v1/version": ("/api/v1/version", 200),
    "GET /api/v1/tenant": ("/api/v1/tenant", 200),
    "GET /api/v1/call-groups": ("/api/v1/call-groups", 200),
    "GET /api/v1/call-groups/<str:id>": ("/api/v1/call-groups/{group}", 200),
    "PUT /api/v1/call-groups/<str:id>/members/<str:user>/availability": (
        "/api/v1/call-groups/{group}/members/{user}/availability",
        200,
    ),
    "GET /api/v1/active-calls": ("/api/v1/active-calls", 200),
    "GET /api/v1/active-calls/<str:user>": ("/api/v1/active-calls/{user}", 200),
    "POST /api/v1/active-calls/<str:user>/door-open": (
        "/api/v1/active-calls/{user}/door-open",
        202,
    ),
    "GET /api/v1/door-open-commands/<str:id>": ("/api/v1/door-open-commands/{command}", 200),
    "GET /api/v1/call-log": ("/api/v1/call-log", 200),
    "POST /api/v1/call-log/ack": ("/api/v1/call-log/ack", 200),
    "GET /api/v1/audit-trail": ("/api/v1/audit-trail", 200),
    "POST /api/v1/audit-trail/ack": ("/api/v1/audit-trail/ack", 200),
    "POST /api/v1/test/calls": ("/api/v1/test/calls", 201),
    "POST /api/v1/test/calls/<uuid:id>/end": ("/api/v1/test/calls/{test_call}/end", 200),
    "GET /api/v1/webhook-endpoints": ("/api/v1/webhook-endpoints", 200),
    "POST /api/v1/webhook-endpoints": ("/api/v1/webhook-endpoints", 201),
    "GET /api/v1/webhook-endpoints/<str:id>": ("/api/v1/webhook-endpoints/{endpoint}", 200),
    "PATCH /api/v1/webhook-endpoints/<str:id>": ("/api/v1/webhook-endpoints/{endpoint}", 200),
    "DELETE /api/v1/webhook-endpoints/<str:id>": ("/api/v1/webhook-endpoints/{endpoint}", 204),
    "GET /api/v1/webhook-endpoints/<str:id>/messages": (
        "/api/v1/webhook-endpoints/{endpoint}/messages",
        200,
    ),
    "POST /api/v1/webhook-endpoints/<str:id>/messages/<str:message_id>/resend": (
        "/api/v1/webhook-endpoints/{endpoint}/messages/{message}/resend",
        202,
    ),
    "POST /api/v1/webhook-endpoints/<str:id>/recover": (
        "/api/v1/webhook-endpoints/{endpoint}/recover",
        202,
    ),
}

# The feeds that have an ack (POST <feed>/ack with a cursor of the feed).
ACK_FEEDS = ("/api/v1/call-log", "/api/v1/audit-trail")

# Operations for test secrets only: they act on the tenant's sandbox (a live secret is refused).
SANDBOX = {"POST /api/v1/test/calls", "POST /api/v1/test/calls/<uuid:id>/end"}

# What another tenant's ids give: the first unknown id in the path (or a cursor of another
# tenant's secret in the body) decides the code.
OTHER_TENANT = {
    "/api/v1/call-groups/{group}": (404, "not_found"),
    "/api/v1/call-groups/{group}/members/{user}/availability": (404, "not_found"),
    "/api/v1/active-calls/{user}": (404, "user_not_found"),
    "/api/v1/active-calls/{user}/door-open": (404, "user_not_found"),
    "/api/v1/door-open-commands/{command}": (404, "not_found"),
    "/api/v1/call-log/ack": (400, "invalid_cursor"),
    "/api/v1/audit-trail/ack": (400, "invalid_cursor"),
    "/api/v1/test/calls/{test_call}/end": (404, "not_found"),
    "/api/v1/webhook-endpoints/{endpoint}": (404, "not_found"),
    "/api/v1/webhook-endpoints/{endpoint}/messages": (404, "not_found"),
    "/api/v1/webhook-endpoints/{endpoint}/messages/{message}/resend": (404, "not_found"),
    "/api/v1/webhook-endpoints/{endpoint}/recover": (404, "not_found"),
}


def test_every_api_route_has_a_case_and_every_case_a_route():
    operations = set(api_operations())
    assert {"POST /api/v1/call-log/ack", "POST /api/v1/audit-trail/ack"} <= operations
    assert operations - set(CASES) == set(), "routes of /api/v1 without a case in the matrix"
    assert set(CASES) - operations == set(), "cases of routes the resolver no longer has"


@pytest.fixture
def api_secret_pair(tenant):
    """The matrix's secret may do everything (`webhooks` is off by default)."""
    return make_api_secret(tenant, permissions=list(PERMISSIONS))


def _ids(world, reader: str | None = None) -> dict[str, str]:
    """The world's objects the paths (and bodies) name. `reader`: the secret whose feed cursors
    the acks send (cursors are per secret), else one of the world's tenant made for them."""
    call = start_answered_call(world["front"], world["reception"], world["anna"])
    command = door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=_system()
    )
    assert call.pk
    endpoint, _ = endpoint_create(
        tenant=world["reception"].tenant, actor=_system(), url="https://hooks.example.com/in"
    )
    message = endpoint_send_test(endpoint=endpoint, actor=_system())
    test_call = sandbox_call_start(sandbox=tenant_sandbox(world.tenant), door_open="ignore")
    if reader is None:
        _, reader = make_api_secret(world.tenant, name="feed reader")
    feeds = {feed: bearer_client(reader).get(feed).json() for feed in ACK_FEEDS}
    return {
        "group": world["reception"].id,
        "user": world["anna"].upn,
        "command": command.id,
        "endpoint": endpoint.id,
        "message": message.id,
        "test_call": test_call.id,
        # A secret without `read` has no cursor to send: any will do, it is refused first.
        **{f"{feed}/ack": page.get("cursor", "none") for feed, page in feeds.items()},
    }


def _system():
    from audit.services import Actor

    return Actor.system()


def _body(method: str, path: str, ids: dict[str, str]) -> dict | None:
    """The body of an operation that takes one."""
    if method == "put":
        return {"availability": "unavailable"}
    if method == "patch":
        return {"description": "Changed"}
    if method == "post" and path.endswith("/webhook-endpoints"):
        return {"url": "https://hooks.example.com/new"}
    if method == "post" and path.endswith("/recover"):
        return {"since": "2020-01-01T00:00:00Z"}
    if method == "post" and path in ids:
        return {"cursor": ids[path]}
    if method == "post" and path.endswith("/test/calls"):
        return {"door_open": "ignore"}
    return None


def _caller(method: str, path: str, ids: dict[str, str]):
    """A function calling the operation as the client given."""

    def call(client: Client):
        body = _body(method, path, ids)
        if body is not None:
            return getattr(client, method)(path, body, content_type="application/json")
        return getattr(client, method)(path)

    return call


def _secret(tenant: Tenant, name: str, *, test: bool) -> tuple:
    return make_api_secret(tenant, name=name, permissions=list(PERMISSIONS), test=test)


CALLERS = ["no_header", "malformed", "unknown", "expired", "disabled", "other_ids", "valid"]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", api_operations())
def test_operation_matrix(caller, operation, tenant, world, other_world, api_secret_value):
    assert operation in CASES, f"{operation} has no case in the matrix"
    method = operation.split(" ", 1)[0].lower()
    template, ok = CASES[operation]
    sandbox = operation in SANDBOX
    value = _secret(tenant, "matrix test", test=True)[1] if sandbox else api_secret_value
    ids = _ids(world, value) if caller != "other_ids" else _ids(other_world)
    path = template.format(**ids)
    call = _caller(method, path, ids)

    if caller == "no_header":
        assert_problem(call(Client()), 401, "missing_credentials")
    elif caller == "malformed":
        for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer  a b", value):
            client = Client(headers={"Authorization": header})
            assert_problem(call(client), 401, "missing_credentials")
    elif caller == "unknown":
        client = bearer_client(tokens.generate(tokens.API_SECRET_PREFIX))
        assert_problem(call(client), 401, "invalid_secret")
        assert_problem(call(bearer_client("not-a-secret")), 401, "invalid_secret")
    elif caller == "expired":
        from datetime import timedelta

        from django.utils import timezone

        from apisecrets.models import ApiSecret

        secret, expired = _secret(tenant, "expired", test=sandbox)
        ApiSecret.objects.filter(pk=secret.pk).update(expires_at=timezone.now() - timedelta(1))
        assert_problem(call(bearer_client(expired)), 401, "expired_secret")
    elif caller == "disabled":
        Tenant.objects.filter(pk=tenant.pk).update(api_access_enabled=False)
        # As after the authentication cache's window: the ack's set-up used the secret.
        authentication.reset_for_tests()
        assert_problem(call(bearer_client(value)), 403, "api_access_disabled")
    elif caller == "other_ids":
        response = call(bearer_client(value))
        if template in OTHER_TENANT:
            assert_problem(response, *OTHER_TENANT[template])
        else:
            assert response.status_code == ok
            assert "Globex" not in response.content.decode()
            assert "globex" not in response.content.decode()
    else:
        if sandbox:  # a live secret may not ring the sandbox
            assert_problem(call(bearer_client(api_secret_value)), 403, "test_secret_required")
        response = call(bearer_client(value))
        assert response.status_code == ok, response.content
        if ok != 204:
            assert response["Content-Type"] == "application/json"
