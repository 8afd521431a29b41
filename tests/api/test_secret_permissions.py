"""Permissions per secret (SPEC §6): each permission × each operation, the declaration on every
view, the OpenAPI descriptions, the Create form and the command."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import get_resolver

from apisecrets.models import PERMISSIONS, ApiSecret
from cybergate.lib.apiviews import CustomerAPIMixin
from tests.api.test_permissions import CASES, SANDBOX, _caller, _ids, api_operations
from tests.factories import make_api_secret
from tests.helpers import assert_problem, bearer_client

pytestmark = pytest.mark.django_db

# The permission each operation needs, as SPEC §6 lists them.
NEEDED = {
    "/api/v1/call-groups/{group}/members/{user}/availability": "availability",
    "/api/v1/active-calls/{user}/door-open": "door_open",
    **{template: "webhooks" for template, _ in CASES.values() if "/webhook-endpoints" in template},
}


def _secret(tenant, permissions, name="limited", *, test=False):
    return make_api_secret(tenant, name, permissions=permissions, test=test)


def _call(operation: str, value: str, ids: dict[str, str]):
    """Call `operation` (a key of CASES) with the secret `value`."""
    method = operation.split(" ", 1)[0].lower()
    path = CASES[operation][0].format(**ids)
    return _caller(method, path, ids)(bearer_client(value))


@pytest.mark.parametrize("permission", list(PERMISSIONS))
@pytest.mark.parametrize("operation", api_operations())
def test_each_permission_on_each_operation(permission, operation, tenant, world):
    template, ok = CASES[operation]
    needed = NEEDED.get(template, "read")
    _, value = _secret(tenant, [permission], test=operation in SANDBOX)
    response = _call(operation, value, _ids(world, value))
    if permission == needed:
        assert response.status_code == ok, response.content
    else:
        body = assert_problem(response, 403, "insufficient_permission")
        assert f"'{needed}'" in body["detail"]


@pytest.mark.parametrize("path", ["/api/v1/call-log/ack", "/api/v1/audit-trail/ack"])
def test_acknowledging_a_log_needs_read(tenant, path):
    _, value = _secret(tenant, ["door_open"])
    response = bearer_client(value).post(path, {"cursor": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert "'read'" in response.json()["detail"]


def test_a_method_the_operation_lacks_stays_405_whatever_the_permissions(tenant, world):
    _, value = _secret(tenant, ["read"])
    response = bearer_client(value).put("/api/v1/active-calls/x/door-open")
    assert response.status_code == 405


def test_all_permissions_allow_everything(tenant, world):
    _, value = _secret(tenant, list(PERMISSIONS))
    _, test_value = _secret(tenant, list(PERMISSIONS), "limited test", test=True)
    ids = _ids(world, value)
    # Deletes last: the others still need what they delete.
    for operation in sorted(api_operations(), key=lambda op: op.startswith("DELETE ")):
        response = _call(operation, test_value if operation in SANDBOX else value, ids)
        assert response.status_code == CASES[operation][1], (operation, response.content)


def _customer_views():
    for pattern in get_resolver().url_patterns:
        for sub in getattr(pattern, "url_patterns", []):
            view = getattr(sub.callback, "view_class", None)
            if view is not None and issubclass(view, CustomerAPIMixin):
                yield view


def test_every_customer_view_declares_a_known_permission():
    views = list(_customer_views())
    assert len(views) >= 12
    for view in views:
        assert view.__dict__.get("required_permission") in PERMISSIONS, view


def test_openapi_description_of_every_operation_names_its_permission(client):
    schema = client.get("/api/schema/?format=json").json()
    count = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            count += 1
            needed = "read"
            if path.endswith("/availability"):
                needed = "availability"
            elif path.endswith("/door-open"):
                needed = "door_open"
            elif path.startswith("/api/v1/webhook-endpoints"):
                needed = "webhooks"
            assert f"**Permission:** `{needed}`" in operation["description"], (path, method)
            assert "insufficient_permission" in str(operation["responses"]["403"])
    assert count >= 12


def test_service_refuses_no_or_unknown_permissions(tenant):
    from django.core.exceptions import ValidationError

    for bad, message in [([], "at least one"), (["read", "admin"], "Unknown permission: admin")]:
        with pytest.raises(ValidationError) as caught:
            _secret(tenant, bad)
        assert message in str(caught.value.message_dict["permissions"])
    assert not ApiSecret.objects.exists()


def test_create_form_offers_three_unchecked_boxes(admin_client):
    html = admin_client.get("/api-access/new/").content.decode()
    assert "<legend>Permissions</legend>" in html
    for name in PERMISSIONS:
        assert f'value="{name}"' in html
    assert "checked" not in html  # least privilege: the admin chooses


def test_create_form_without_a_permission_is_a_field_error(admin_client):
    response = admin_client.post("/api-access/new/", {"name": "none", "validity_days": "90"})
    assert response.status_code == 200
    assert "Choose at least one permission." in response.content.decode()
    assert not ApiSecret.objects.exists()


def test_create_with_only_read_shows_one_badge(admin_client):
    response = admin_client.post(
        "/api-access/new/", {"name": "reader", "validity_days": "90", "permissions": ["read"]}
    )
    assert response.status_code == 200
    secret = ApiSecret.objects.get()
    assert secret.permissions == ["read"]
    html = admin_client.get("/api-access/").content.decode()
    row = html.split("reader")[1].split("</tr>")[0]
    assert row.count("badge-permission") == 1
    assert ">read</span>" in row


def test_create_api_secret_command_takes_permissions(tenant, capsys):
    call_command("create_api_secret", tenant=tenant.name, name="cli", permissions="read,door_open")
    value = capsys.readouterr().out.strip()
    assert ApiSecret.objects.get().permissions == ["read", "door_open"]
    assert bearer_client(value).get("/api/v1/version").status_code == 200


def test_create_api_secret_command_defaults_to_all_but_webhooks(tenant):
    call_command("create_api_secret", tenant=tenant.name, name="cli")
    assert ApiSecret.objects.get().permissions == ["read", "availability", "door_open"]
