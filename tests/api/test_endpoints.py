"""Contract of each endpoint: fields of SPEC §3 and each error code, as problem details."""

from __future__ import annotations

import json
import uuid

import pytest
from django.conf import settings
from django.test import Client

from audit.models import AuditEntry
from callgroups.models import CallGroup, CallGroupMember
from devices.models import DoorOpenCommand
from tests.factories import start_answered_call
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def availability_url(group, user_ref) -> str:
    return f"/api/v1/call-groups/{group.id}/members/{user_ref}/availability"


# --- version, tenant ------------------------------------------------------------------------


def test_version(api_client, settings):
    response = api_client.get("/api/v1/version")
    assert response.status_code == 200
    assert response.json() == {"api_version": "1.0", "server_version": settings.VERSION}


def test_tenant_describes_tenant_and_the_secret_in_use(api_client, api_secret, tenant):
    body = api_client.get("/api/v1/tenant").json()
    assert body == {
        "id": str(tenant.id),
        "name": "Acme",
        "api_access_enabled": True,
        "secret": {
            "name": "integration",
            "created_at": body["secret"]["created_at"],
            "expires_at": body["secret"]["expires_at"],
            "days_left": 90,
        },
    }
    assert body["secret"]["expires_at"].startswith(api_secret.expires_at.date().isoformat())


# --- call groups ----------------------------------------------------------------------------


def test_call_groups_list_is_paginated_with_ordered_members(api_client, world, other_world):
    response = api_client.get("/api/v1/call-groups")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "next", "previous"}
    assert [g["name"] for g in body["results"]] == ["garage", "reception"]
    reception = body["results"][1]
    assert set(reception) == {"id", "name", "sip_address", "ring_strategy", "members"}
    assert reception["sip_address"] == "reception@acme.example"
    assert reception["ring_strategy"] == "multi_ring"
    assert [m["position"] for m in reception["members"]] == [1, 2]
    assert reception["members"][0] == {
        "user": {
            "id": str(world["anna"].id),
            "upn": "anna@acme.example",
            "display_name": "Anna",
        },
        "position": 1,
        "availability": "available",
    }


def test_call_groups_pages_follow_next(api_client, tenant):
    for i in range(5):
        CallGroup.objects.create(tenant=tenant, name=f"group-{i}")
    first = api_client.get("/api/v1/call-groups?limit=2").json()
    assert [g["name"] for g in first["results"]] == ["group-0", "group-1"]
    second = api_client.get(first["next"]).json()
    assert [g["name"] for g in second["results"]] == ["group-2", "group-3"]
    third = api_client.get(second["next"]).json()
    assert [g["name"] for g in third["results"]] == ["group-4"]
    assert third["next"] is None


@pytest.mark.parametrize("limit", ["0", "501", "-1", "abc", "1.5", ""])
def test_call_groups_limit_out_of_range_is_invalid_request(api_client, limit):
    body = assert_problem(
        api_client.get(f"/api/v1/call-groups?limit={limit}"), 400, "invalid_request"
    )
    assert "limit" in body["errors"]


@pytest.mark.parametrize("cursor", ["garbage", "cD1hAGI=", "%00"])
def test_call_groups_bad_cursor_is_invalid_cursor(api_client, cursor):
    assert_problem(api_client.get(f"/api/v1/call-groups?cursor={cursor}"), 400, "invalid_cursor")


def test_call_group_detail(api_client, world):
    group = world["garage"]
    body = api_client.get(f"/api/v1/call-groups/{group.id}").json()
    assert body["id"] == str(group.id)
    assert body["ring_strategy"] == "sequential"
    assert [m["user"]["upn"] for m in body["members"]] == ["ben@acme.example"]


def test_unknown_call_group_is_not_found(api_client, world):
    assert_problem(api_client.get(f"/api/v1/call-groups/{uuid.uuid4()}"), 404, "not_found")


def test_non_uuid_call_group_is_not_found(api_client, world):
    assert_problem(api_client.get("/api/v1/call-groups/not-a-uuid"), 404, "not_found")


# --- availability ---------------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["upn", "UPN", "object_id"])
def test_availability_update_by_upn_or_object_id(api_client, api_secret, world, ref):
    ben = world["ben"]
    user_ref = {"upn": ben.upn, "UPN": ben.upn.upper(), "object_id": ben.object_id}[ref]
    response = api_client.put(
        availability_url(world["reception"], user_ref),
        {"availability": "unavailable"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "user": {"id": str(ben.id), "upn": ben.upn, "display_name": "Ben"},
        "position": 2,
        "availability": "unavailable",
    }
    member = CallGroupMember.objects.get(call_group=world["reception"], user=ben)
    assert member.availability == "unavailable"
    # Only that group's membership changed.
    assert CallGroupMember.objects.get(call_group=world["garage"], user=ben).availability == (
        "available"
    )
    entry = AuditEntry.objects.filter(action="call_group.availability_changed").get()
    assert entry.tenant_id == world["reception"].tenant_id
    assert entry.actor_type == "api_secret"
    assert entry.actor_name == api_secret.name
    assert entry.details["to"] == "unavailable"
    assert entry.details["from"] == "available"


def test_setting_the_same_availability_again_writes_no_audit_entry(api_client, world):
    url = availability_url(world["reception"], world["ben"].upn)
    for _ in range(2):
        response = api_client.put(url, {"availability": "unavailable"}, "application/json")
        assert response.status_code == 200
    assert AuditEntry.objects.filter(action="call_group.availability_changed").count() == 1


@pytest.mark.parametrize(
    "body",
    [{}, {"availability": "busy"}, {"availability": None}, {"availability": 1}, ["x"], '"x"'],
)
def test_availability_validation_errors(api_client, world, body):
    response = api_client.put(
        availability_url(world["reception"], world["ben"].upn), body, "application/json"
    )
    problem = assert_problem(response, 400, "invalid_request")
    assert problem["errors"]
    assert CallGroupMember.objects.filter(availability="unavailable").count() == 0


def test_availability_malformed_json_is_invalid_request(api_client, world):
    response = api_client.put(
        availability_url(world["reception"], world["ben"].upn), "{oops", "application/json"
    )
    assert_problem(response, 400, "invalid_request")


def test_availability_wrong_content_type_is_415(api_client, world):
    response = api_client.put(
        availability_url(world["reception"], world["ben"].upn),
        "availability=unavailable",
        content_type="application/x-www-form-urlencoded",
    )
    assert_problem(response, 415, "unsupported_media_type")


def test_availability_unknown_user_is_user_not_found(api_client, world):
    response = api_client.put(
        availability_url(world["reception"], "nobody@acme.example"),
        {"availability": "unavailable"},
        "application/json",
    )
    assert_problem(response, 404, "user_not_found")


def test_availability_other_tenants_user_is_user_not_found(api_client, world, other_world):
    response = api_client.put(
        availability_url(world["reception"], other_world["anna"].upn),
        {"availability": "unavailable"},
        "application/json",
    )
    assert_problem(response, 404, "user_not_found")


def test_availability_of_a_user_who_is_not_a_member_is_not_a_member(api_client, world):
    response = api_client.put(
        availability_url(world["garage"], world["anna"].upn),
        {"availability": "unavailable"},
        "application/json",
    )
    body = assert_problem(response, 404, "not_a_member")
    assert "not a member" in body["detail"]


def test_availability_unknown_group_is_not_found(api_client, world):
    response = api_client.put(
        f"/api/v1/call-groups/{uuid.uuid4()}/members/{world['ben'].upn}/availability",
        {"availability": "unavailable"},
        "application/json",
    )
    assert_problem(response, 404, "not_found")


# --- active calls and door opening ----------------------------------------------------------


def test_active_call_when_not_in_a_call(api_client, world):
    body = api_client.get(f"/api/v1/active-calls/{world['anna'].upn}").json()
    assert body == {
        "user": {"id": str(world["anna"].id), "upn": "anna@acme.example", "display_name": "Anna"},
        "in_active_call": False,
        "door_open_code_configured": False,
        "call": None,
    }


def test_active_call_in_a_call(api_client, world, active_call):
    response = api_client.get(f"/api/v1/active-calls/{world['anna'].object_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["in_active_call"] is True
    assert body["door_open_code_configured"] is True
    assert body["call"] == {
        "id": str(active_call.id),
        "device": {"id": str(world["front"].id), "name": "Front door"},
        "call_group": {"id": str(world["reception"].id), "name": "reception"},
        "answered_at": body["call"]["answered_at"],
    }
    assert body["call"]["answered_at"]


def test_active_call_without_door_open_code(api_client, world):
    start_answered_call(world["back"], world["reception"], world["anna"])
    body = api_client.get(f"/api/v1/active-calls/{world['anna'].upn}").json()
    assert body["in_active_call"] is True
    assert body["door_open_code_configured"] is False


@pytest.mark.parametrize(
    "ref", ["nobody@acme.example", "0b7e0a52-6d1c-4f3a-9a55-5c1d2e3f4a5b", "%00", "x" * 300]
)
def test_active_call_unknown_user(api_client, world, ref):
    assert_problem(api_client.get(f"/api/v1/active-calls/{ref}"), 404, "user_not_found")


def test_door_open_queues_a_command_for_the_call_device(api_client, api_secret, world, active_call):
    response = api_client.post(f"/api/v1/active-calls/{world['anna'].upn}/door-open")
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"id", "call_id", "status", "device", "expires_at"}
    assert body["status"] == "queued"
    assert body["call_id"] == str(active_call.id)
    assert body["device"] == {"id": str(world["front"].id), "name": "Front door"}
    assert response["Location"] == f"http://testserver/api/v1/door-open-commands/{body['id']}"
    command = DoorOpenCommand.objects.get(id=body["id"])
    assert command.device_id == world["front"].id
    assert command.call_id == active_call.id
    assert command.issued_by_secret_id == api_secret.id
    assert command.dtmf == "*1#"
    entry = AuditEntry.objects.get(action="door.open_requested")
    assert entry.actor_name == api_secret.name
    assert entry.details["command_id"] == body["id"]


def test_door_open_not_in_active_call_is_409(api_client, world):
    response = api_client.post(f"/api/v1/active-calls/{world['anna'].upn}/door-open")
    assert_problem(response, 409, "not_in_active_call")
    assert not DoorOpenCommand.objects.exists()


def test_door_open_without_code_is_409(api_client, world):
    start_answered_call(world["back"], world["reception"], world["anna"])
    response = api_client.post(f"/api/v1/active-calls/{world['anna'].upn}/door-open")
    assert_problem(response, 409, "no_door_open_code")
    assert not AuditEntry.objects.filter(action="door.open_requested").exists()


def test_door_open_unknown_user(api_client, world):
    response = api_client.post("/api/v1/active-calls/nobody@acme.example/door-open")
    assert_problem(response, 404, "user_not_found")


def _reference(user, kind: str) -> str:
    return {"upn": user.upn, "UPN": user.upn.upper(), "object_id": user.object_id, "id": user.id}[
        kind
    ]


@pytest.mark.parametrize("kind", ["upn", "UPN", "object_id", "id"])
def test_door_open_names_the_user_by_upn_in_any_case_or_by_id(api_client, world, active_call, kind):
    # The call is locked by the statement that finds the user (a join, not a second query).
    response = api_client.post(f"/api/v1/active-calls/{_reference(world['anna'], kind)}/door-open")
    assert response.status_code == 202, response.content
    assert response.json()["call_id"] == str(active_call.id)
    assert DoorOpenCommand.objects.get().call_id == active_call.id


@pytest.mark.parametrize("kind", ["upn", "object_id", "id"])
def test_door_open_for_another_tenants_user_in_a_call_is_user_not_found(
    api_client, world, other_world, kind
):
    theirs = other_world["anna"]
    start_answered_call(other_world["front"], other_world["reception"], theirs)
    response = api_client.post(f"/api/v1/active-calls/{_reference(theirs, kind)}/door-open")
    assert_problem(response, 404, "user_not_found")
    assert not DoorOpenCommand.objects.exists()


@pytest.mark.parametrize("ref", ["%00", "anna%00@acme.example"])
def test_door_open_for_a_reference_with_nul_is_user_not_found(api_client, world, active_call, ref):
    assert_problem(api_client.post(f"/api/v1/active-calls/{ref}/door-open"), 404, "user_not_found")
    assert not DoorOpenCommand.objects.exists()


def test_door_open_command_outcome(api_client, world, active_call):
    command_id = api_client.post(f"/api/v1/active-calls/{world['anna'].upn}/door-open").json()["id"]
    response = api_client.get(f"/api/v1/door-open-commands/{command_id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "call_id",
        "status",
        "reason",
        "device",
        "created_at",
        "expires_at",
        "delivered_at",
        "acked_at",
    }
    assert body["status"] == "queued"
    assert body["reason"] is None
    assert body["call_id"] == str(active_call.id)
    assert body["delivered_at"] is None


def test_expired_door_open_command_reads_expired(api_client, world, active_call):
    command_id = api_client.post(f"/api/v1/active-calls/{world['anna'].upn}/door-open").json()["id"]
    from django.utils import timezone

    DoorOpenCommand.objects.filter(id=command_id).update(expires_at=timezone.now())
    body = api_client.get(f"/api/v1/door-open-commands/{command_id}").json()
    assert body["status"] == "expired"
    assert body["reason"] == "not_delivered_in_time"


def test_unknown_door_open_command_is_not_found(api_client, world):
    assert_problem(api_client.get(f"/api/v1/door-open-commands/{uuid.uuid4()}"), 404, "not_found")


# --- protocol-level errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/version/", "/api/v2/version", "/api/", "/api/v1/call-log/x"]
)
def test_unknown_paths_are_problem_404(api_client, path):
    assert_problem(api_client.get(path), 404, "not_found")


def test_unknown_path_without_credentials_is_still_problem_404(db):
    assert_problem(Client().post("/api/v1/nope"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/v1/version"),
        ("post", "/api/v1/tenant"),
        ("put", "/api/v1/call-groups"),
        ("get", "/api/v1/active-calls/anna@acme.example/door-open"),
        ("patch", "/api/v1/call-log"),
        ("options", "/api/v1/audit-trail"),
    ],
)
def test_wrong_method_is_405(api_client, world, method, path):
    response = getattr(api_client, method)(path)
    assert_problem(response, 405, "method_not_allowed")
    assert "OPTIONS" not in response["Allow"]


def test_not_acceptable_is_406_problem(api_client):
    response = api_client.get("/api/v1/version", headers={"Accept": "text/html"})
    assert_problem(response, 406, "not_acceptable")


def test_accept_json_variants_are_fine(api_client):
    for accept in ("application/json", "*/*", "application/json; charset=utf-8", "text/*, */*"):
        response = api_client.get("/api/v1/version", headers={"Accept": accept})
        assert response.status_code == 200, accept


def test_an_indent_parameter_pretty_prints_and_only_then(api_client):
    """DRF's `Accept: application/json; indent=N` survives the renderer's fast path
    (cybergate/lib/renderers.py); every other answer stays compact."""
    expected = {"api_version": settings.API_VERSION, "server_version": settings.VERSION}
    indented = api_client.get("/api/v1/version", headers={"Accept": "application/json; indent=2"})
    assert indented.content.decode() == json.dumps(expected, indent=2)
    for accept in ("application/json", "application/json; charset=utf-8", "*/*"):
        compact = api_client.get("/api/v1/version", headers={"Accept": accept})
        assert compact.content == json.dumps(expected, separators=(",", ":")).encode(), accept


def test_blank_accept_means_no_preference(api_client):
    for accept in ("", "  "):
        response = api_client.get("/api/v1/version", headers={"Accept": accept})
        assert response.status_code == 200, repr(accept)
        assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("fmt", ["json", "xml", "api"])
def test_format_query_parameter_is_an_unknown_parameter(api_client, fmt):
    """Not DRF's renderer override: `?format=` is refused like any unknown parameter."""
    response = api_client.get("/api/v1/version", {"format": fmt})
    assert_problem(response, 400, "invalid_request")
    assert response.json()["errors"] == {"format": ["Unknown query parameter."]}


def test_schema_and_docs_are_public_and_local(db):
    schema = Client().get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/version" in paths
    assert schema.json()["components"]["securitySchemes"]["ApiSecret"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API secret from the portal's API Access page.",
    }
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_schema_validates_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


@pytest.mark.parametrize(
    "path", ["/api/v1/version?x=1", "/api/v1/call-groups?limt=5", "/api/v1/audit-trail?cursor=a"]
)
def test_unknown_query_parameters_are_invalid_request(api_client, path):
    body = assert_problem(api_client.get(path), 400, "invalid_request")
    assert body["errors"]


def test_empty_call_group_cursor_is_invalid(api_client):
    assert_problem(api_client.get("/api/v1/call-groups?cursor="), 400, "invalid_cursor")


def test_api_requests_skip_the_portal_session_machinery(api_client, admin_client):
    response = api_client.get("/api/v1/version")
    assert "Cookie" not in response.get("Vary", "")
    assert "sessionid" not in response.cookies
    # A logged-in browser gets no portal identity on the API: the bearer secret is all.
    assert admin_client.get("/api/v1/version").json()["code"] == "missing_credentials"


def test_unexpected_error_is_a_500_problem_not_html(api_client, monkeypatch, caplog):
    from cybergate.api import VersionView

    def boom(self, request):
        raise RuntimeError("bug")

    monkeypatch.setattr(VersionView, "get", boom)
    response = api_client.get("/api/v1/version")
    assert_problem(response, 500, "server_error")
    assert "bug" not in response.content.decode()  # no internals leak
    assert "RuntimeError" in caplog.text  # but the traceback is logged


def test_bad_host_under_api_is_a_400_problem(api_client, settings):
    settings.ALLOWED_HOSTS = ["only.example"]
    response = api_client.get("/api/v1/version", headers={"Host": "evil.example"})
    assert_problem(response, 400, "invalid_request")
