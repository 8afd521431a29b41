"""Malformed bodies on every JSON endpoint of both APIs: a 4xx problem, nothing changed.

Each endpoint comes with a valid body (which does change the database: see
test_a_valid_body_changes_the_database, so the "nothing changed" check can fail) and the names of
its string fields; the matrix breaks the body in every way a security review found or could find.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from django.test import Client

from audit.models import AuditEntry
from audit.services import Actor
from callgroups.models import CallGroupMember
from devices import services
from devices.models import Call, CallLogEntry, DoorOpenCommand
from tests.factories import make_call_group, make_device, make_teams_user, start_answered_call
from tests.helpers import assert_problem, bearer_client

TOO_BIG = 2_621_440 + 1  # one byte over Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB)


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    valid: dict
    client: Client


@pytest.fixture
def endpoints(tenant, api_client) -> dict[str, Endpoint]:
    anna = make_teams_user(tenant, "anna@acme.example")
    ben = make_teams_user(tenant, "ben@acme.example")
    group = make_call_group(tenant, "Reception", anna, ben)
    device, credential = make_device(tenant, "Main entrance")
    device_client = bearer_client(credential)
    start_answered_call(device, group, anna, caller="sip:a@street.example")
    services.door_open_request(tenant=anna.tenant, user_ref=anna.upn, actor=Actor.system())
    (command,) = services.commands_claim(device=device)  # delivered: an ack would change it
    ringing = services.call_start(device=device, call_group=group, caller="sip:b@street.example")
    return {
        "availability": Endpoint(
            "availability",
            "PUT",
            f"/api/v1/call-groups/{group.id}/members/{anna.upn}/availability",
            {"availability": "unavailable"},
            api_client,
        ),
        "calls": Endpoint(
            "calls",
            "POST",
            "/device-api/v1/calls",
            {"caller": "sip:c@street.example", "call_group": str(group.id)},
            device_client,
        ),
        "events": Endpoint(
            "events",
            "POST",
            f"/device-api/v1/calls/{ringing.id}/events",
            {"type": "answered", "user": ben.upn},
            device_client,
        ),
        "ack": Endpoint(
            "ack",
            "POST",
            f"/device-api/v1/commands/{command.id}/ack",
            {"result": "executed"},
            device_client,
        ),
    }


STRING_FIELDS = {
    "availability": ["availability"],
    "calls": ["caller", "call_group"],
    "events": ["type", "user"],
    "ack": ["result"],
}
ENDPOINT_FIELDS = [(name, field) for name, fields in STRING_FIELDS.items() for field in fields]


def snapshot() -> tuple:
    """Everything the four endpoints could change (not a device's last-seen time)."""
    return (
        list(CallGroupMember.objects.order_by("pk").values_list("pk", "availability")),
        list(
            Call.objects.order_by("pk").values_list(
                "pk", "state", "answered_by", "result", "door_opened"
            )
        ),
        list(DoorOpenCommand.objects.order_by("pk").values_list("pk", "status", "acked_at")),
        CallLogEntry.objects.count(),
        AuditEntry.objects.count(),
    )


def send(endpoint: Endpoint, body: bytes, content_type: str | None = "application/json"):
    extra: dict[str, Any] = {} if content_type is None else {"content_type": content_type}
    return endpoint.client.generic(endpoint.method, endpoint.path, body, **extra)


def assert_refused(endpoint: Endpoint, body: bytes, status: int, code: str, **kwargs) -> dict:
    before = snapshot()
    response = send(endpoint, body, **kwargs)
    problem = assert_problem(response, status, code)
    assert snapshot() == before
    return problem


def with_field(endpoint: Endpoint, field: str, raw_value: str) -> bytes:
    """The valid body with one field's JSON text replaced by `raw_value` (JSON source)."""
    parts = [
        f"{json.dumps(name)}: {raw_value if name == field else json.dumps(value)}"
        for name, value in endpoint.valid.items()
    ]
    return ("{" + ", ".join(parts) + "}").encode()


@pytest.mark.parametrize(("name", "field"), ENDPOINT_FIELDS)
def test_deep_nesting_in_a_field_is_a_400(endpoints, name, field):
    endpoint = endpoints[name]
    for depth in (40, 1000, 100_000):
        body = with_field(endpoint, field, "[" * depth + "]" * depth)
        assert_refused(endpoint, body, 400, "invalid_request")


@pytest.mark.parametrize("name", STRING_FIELDS)
def test_deep_nesting_of_the_whole_body_is_a_400(endpoints, name):
    for depth in (1000, 100_000):
        assert_refused(endpoints[name], b"[" * depth + b"]" * depth, 400, "invalid_request")
        body = b'{"a": ' * depth + b"1" + b"}" * depth
        assert_refused(endpoints[name], body, 400, "invalid_request")


@pytest.mark.parametrize(("name", "field"), ENDPOINT_FIELDS)
def test_a_body_over_the_size_limit_is_a_413(endpoints, name, field):
    endpoint = endpoints[name]
    body = with_field(endpoint, field, json.dumps("x" * TOO_BIG))
    problem = assert_refused(endpoint, body, 413, "payload_too_large")
    assert problem["title"] == "Payload too large"


@pytest.mark.parametrize("name", STRING_FIELDS)
def test_a_valid_body_padded_with_whitespace_over_the_limit_is_a_413(endpoints, name):
    endpoint = endpoints[name]
    body = json.dumps(endpoint.valid).encode() + b" " * TOO_BIG
    assert_refused(endpoint, body, 413, "payload_too_large")


@pytest.mark.parametrize(("name", "field"), ENDPOINT_FIELDS)
@pytest.mark.parametrize("surrogate", [r'"\ud800"', r'"x\udfff"', r'"\udc00\ud800"'])
def test_a_lone_surrogate_in_a_string_field_is_a_400(endpoints, name, field, surrogate):
    endpoint = endpoints[name]
    assert_refused(endpoint, with_field(endpoint, field, surrogate), 400, "invalid_request")


@pytest.mark.parametrize("name", STRING_FIELDS)
def test_a_lone_surrogate_in_a_key_is_a_400(endpoints, name):
    endpoint = endpoints[name]
    body = json.dumps(endpoint.valid)[:-1].encode() + rb', "\ud800": 1}'
    assert_refused(endpoint, body, 400, "invalid_request")


@pytest.mark.parametrize(("name", "field"), ENDPOINT_FIELDS)
@pytest.mark.parametrize("raw", [b'"\xff\xfe"', b'"\xc3"', b'"\xed\xa0\x80"'])
def test_bytes_that_are_not_utf8_are_a_400(endpoints, name, field, raw):
    endpoint = endpoints[name]
    body = with_field(endpoint, field, "@@").replace(b"@@", raw)
    assert_refused(endpoint, body, 400, "invalid_request")


@pytest.mark.parametrize("name", STRING_FIELDS)
@pytest.mark.parametrize("body", [b"[]", b"1", b"null", b'"text"', b"true", b"[{}]", b"{}"])
def test_json_that_is_not_the_expected_object_is_a_400(endpoints, name, body):
    assert_refused(endpoints[name], body, 400, "invalid_request")


@pytest.mark.parametrize("name", STRING_FIELDS)
@pytest.mark.parametrize(
    "body", [b"{", b'{"a": }', b"{'a': 1}", b'{"a": NaN}', b'{"a": Infinity}', b"\x00"]
)
def test_broken_json_is_a_400(endpoints, name, body):
    assert_refused(endpoints[name], body, 400, "invalid_request")


@pytest.mark.parametrize("name", STRING_FIELDS)
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        None,
    ],
)
def test_a_body_that_is_not_json_is_a_415(endpoints, name, content_type):
    endpoint = endpoints[name]
    body = json.dumps(endpoint.valid).encode()
    assert_refused(endpoint, body, 415, "unsupported_media_type", content_type=content_type or "")


@pytest.mark.parametrize("name", STRING_FIELDS)
@pytest.mark.parametrize("charset", ["utf-16", "utf-32"])
def test_a_body_not_in_its_declared_charset_is_a_400(endpoints, name, charset):
    endpoint = endpoints[name]
    body = json.dumps(endpoint.valid).encode()
    assert_refused(
        endpoint, body, 400, "invalid_request", content_type=f"application/json; charset={charset}"
    )


@pytest.mark.parametrize("name", STRING_FIELDS)
def test_a_valid_body_changes_the_database(endpoints, name):
    """The control: the same requests with their valid body do change what snapshot() sees."""
    endpoint = endpoints[name]
    before = snapshot()
    response = send(endpoint, json.dumps(endpoint.valid).encode())
    assert response.status_code in (200, 201), response.content
    assert snapshot() != before


def test_authentication_answers_before_the_body_is_read(db):
    """A bad body with a bad secret is a 401, not a 400."""
    response = bearer_client("cgs_not-a-secret").put(
        "/api/v1/call-groups/00000000-0000-0000-0000-000000000000/members/x/availability",
        rb'{"availability": "\ud800"}',
        content_type="application/json",
    )
    assert_problem(response, 401)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", STRING_FIELDS)
def test_over_real_http_a_big_body_is_a_413_and_a_deep_one_a_400(live_server, endpoints, name):
    """Through a real socket the body arrives as a stream, not as the test client's bytes."""
    endpoint = endpoints[name]
    headers = {
        "Authorization": endpoint.client.defaults["HTTP_AUTHORIZATION"],
        "Content-Type": "application/json",
    }
    url = live_server.url + endpoint.path
    before = snapshot()
    cases = [
        (with_field(endpoint, next(iter(endpoint.valid)), json.dumps("x" * TOO_BIG)), 413),
        (b"[" * 100_000 + b"]" * 100_000, 400),
        (with_field(endpoint, next(iter(endpoint.valid)), r'"\ud800"'), 400),
    ]
    for body, status in cases:
        response = httpx.request(endpoint.method, url, content=body, headers=headers, timeout=30)
        assert_problem(response, status)
    assert snapshot() == before
