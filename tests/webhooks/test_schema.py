"""The webhook events in the customer API's OpenAPI document: a schema for every event type of
the catalogue, and the bodies the code really sends validate against them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator

from apisecrets.notices import send_expiry_notices
from apisecrets.services import api_secret_create, api_secret_delete, api_secret_roll
from audit.services import Actor
from callgroups.models import CallGroupMember
from callgroups.services import call_group_member_set_availability
from devices.services import (
    call_end,
    command_ack,
    commands_claim,
    door_open_request,
)
from tests.factories import make_world, start_answered_call
from webhooks import services
from webhooks.events import EVENT_TYPES
from webhooks.models import Message

pytestmark = pytest.mark.django_db
REF = "#/components/schemas/"


@pytest.fixture
def customer(client) -> dict:
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def test_every_event_type_has_a_schema_and_an_x_webhooks_entry(customer):
    schemas = customer["components"]["schemas"]
    for event_type, description in EVENT_TYPES.items():
        name = "WebhookEvent_" + event_type.replace(".", "_")
        component = schemas[name]
        assert component["required"] == ["type", "timestamp", "data"], name
        assert f"`{event_type}`" in component["properties"]["type"]["description"]
        body = customer["x-webhooks"][event_type]["post"]["requestBody"]
        assert body["content"]["application/json"]["schema"] == {"$ref": REF + name}
        assert f"* `{event_type}` ({name}): {description}" in customer["info"]["description"]
    assert set(customer["x-webhooks"]) == set(EVENT_TYPES)
    # Every reference resolves.
    text = json.dumps(customer)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
        assert ref.removeprefix(REF) in schemas, ref


def test_the_device_gateways_document_has_no_webhooks(client):
    gateway = client.get("/device-api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert "x-webhooks" not in gateway.json()
    assert not any(name.startswith("WebhookEvent_") for name in gateway.json()["components"])


def _json_schema(node):
    """OpenAPI 3.0 schema → JSON Schema: `nullable` becomes a null branch, refs point at $defs."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace(REF, "#/$defs/")
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def _every_event(world) -> None:
    """One of each event type, through the code paths that raise them."""
    actor = Actor.system()
    call = start_answered_call(world["front"], world["reception"], world["anna"], caller="sip:v@x")
    executed = door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=actor
    )
    commands_claim(device=world["front"])
    command_ack(device=world["front"], command_id=executed.id, result="executed")
    failed = door_open_request(tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=actor)
    commands_claim(device=world["front"])
    command_ack(device=world["front"], command_id=failed.id, result="failed")
    door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=actor
    )  # expires when the call ends
    call_end(call=call)
    member = CallGroupMember.objects.get(call_group=world["reception"], user=world["anna"])
    call_group_member_set_availability(
        tenant=world.tenant, actor=actor, member=member, availability="unavailable"
    )
    secret, _ = api_secret_create(tenant=world.tenant, actor=actor, name="new", validity_days=10)
    successor, _ = api_secret_roll(secret=secret, actor=actor, overlap="1h")
    send_expiry_notices(now=timezone.now() + timedelta(days=9, hours=12))
    send_expiry_notices(now=timezone.now() + timedelta(days=10, hours=1))
    api_secret_delete(secret=successor, actor=actor)
    services.endpoint_send_test(endpoint=world.endpoint, actor=actor)


def test_the_bodies_sent_validate_against_their_schemas(customer, smtp_inbox):
    world = make_world(admin=True)
    world.endpoint, _ = services.endpoint_create(
        tenant=world.tenant, actor=Actor.system(), url="https://hooks.example.com/in"
    )
    _every_event(world)
    defs = _json_schema(customer["components"]["schemas"])

    seen = set()
    for message in Message.objects.order_by("created_at"):
        name = "WebhookEvent_" + message.event_type.replace(".", "_")
        validator = Draft202012Validator({"$defs": defs, "$ref": f"#/$defs/{name}"})
        errors = [
            f"{list(e.absolute_path)}: {e.message}"
            for e in validator.iter_errors(json.loads(message.body))
        ]
        assert errors == [], (message.event_type, errors)
        seen.add(message.event_type)
    assert seen == set(EVENT_TYPES)
    # A body of another type does not pass (the schemas say something).
    body = json.loads(Message.objects.filter(event_type="call.ended").first().body)
    validator = Draft202012Validator({"$defs": defs, "$ref": "#/$defs/WebhookEvent_call_ringing"})
    assert not validator.is_valid(body)
