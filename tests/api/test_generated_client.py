"""A typed client generated from /api/schema/ with openapi-python-client (any warning fails) runs
a short integration against a live server: the door-open flow and the feeds with ack, and a feed
page carrying values a newer server may send (an audit action and actor type the client's enums
do not list), which it must parse and acknowledge past."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import Client

from audit.services import Actor, record
from devices.models import DoorOpenCommand
from devices.services import call_end
from tests.factories import make_api_secret, make_world, start_answered_call

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent


def generate(schema_url: str, out: Path, package: str) -> None:
    response = Client().get(schema_url, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = out / f"{package}.json"
    schema.write_bytes(response.content)
    result = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(out / package),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        # Its post-generation hook runs ruff from PATH.
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output, output


@pytest.fixture
def generated(tmp_path, db):
    package = f"cybergate_client_{uuid.uuid4().hex[:8]}"
    generate("/api/schema/", tmp_path, package)
    sys.path.insert(0, str(tmp_path))
    try:
        yield lambda name: importlib.import_module(f"{package}.{name}" if name else package)
    finally:
        sys.path.remove(str(tmp_path))


def test_the_gateway_schema_generates_a_client_without_warnings(tmp_path, db):
    generate("/device-api/schema/", tmp_path, "cybergate_gateway_client")
    assert (tmp_path / "cybergate_gateway_client" / "api").is_dir()


@pytest.mark.django_db(transaction=True)
def test_generated_client_opens_the_door_and_reads_the_feeds(generated, live_server, tenant):
    client_module = generated("")
    door_open = generated("api.active_calls.active_call_door_open")
    command_retrieve = generated("api.active_calls.door_open_command_retrieve")
    call_log = generated("api.call_log.call_log_retrieve")
    call_log_ack = generated("api.call_log.call_log_ack_create")
    audit_trail = generated("api.audit_trail.audit_trail_retrieve")
    version = generated("api.version.version_retrieve")
    models = generated("models")

    world = make_world(tenant)
    call = start_answered_call(world["front"], world["reception"], world["anna"])
    _, value = make_api_secret(tenant)
    api = client_module.AuthenticatedClient(base_url=live_server.url, token=value)

    assert version.sync(client=api).api_version == "1.0"

    pinned = models.DoorOpenRequest(call_id=call.id)
    first = door_open.sync_detailed(
        world["anna"].upn, client=api, body=pinned, idempotency_key="order-1"
    )
    assert first.status_code == 202
    accepted = first.parsed
    assert isinstance(accepted, models.DoorOpenAccepted)
    assert accepted.call_id == call.id
    assert first.headers["Location"].endswith(f"/api/v1/door-open-commands/{accepted.id}")
    retry = door_open.sync_detailed(
        world["anna"].upn, client=api, body=pinned, idempotency_key="order-1"
    )
    assert retry.parsed.id == accepted.id
    assert DoorOpenCommand.objects.count() == 1

    outcome = command_retrieve.sync(accepted.id, client=api)
    assert isinstance(outcome, models.DoorOpenCommand)
    assert outcome.status == models.DoorOpenCommandStatusEnum.QUEUED
    assert outcome.reason is None

    unknown = door_open.sync(str(uuid.uuid4()), client=api, body=models.DoorOpenRequest())
    assert isinstance(unknown, models.Problem)
    assert unknown.code == models.ProblemCodeEnum.USER_NOT_FOUND

    call_end(call=call)
    page = call_log.sync(client=api)
    assert [entry.call_id for entry in page.entries] == [call.id]
    assert call_log.sync(client=api).entries[0].id == page.entries[0].id  # not yet acknowledged
    acked = call_log_ack.sync(client=api, body=models.AckRequest(cursor=page.cursor))
    assert acked.acknowledged is True
    assert call_log.sync(client=api).entries == []
    assert len(call_log.sync(client=api, after="start").entries) == 1

    actions = [entry.action for entry in audit_trail.sync(client=api).entries]
    assert models.AuditActionEnum.DOOR_OPEN_REQUESTED in actions


@pytest.mark.django_db(transaction=True)
def test_generated_client_reads_and_acks_past_values_it_does_not_know(
    generated, live_server, tenant
):
    client_module = generated("")
    audit_trail = generated("api.audit_trail.audit_trail_retrieve")
    audit_trail_ack = generated("api.audit_trail.audit_trail_ack_create")
    models = generated("models")
    known_actions = {action.value for action in models.AuditActionEnum}
    known_actors = {actor.value for actor in models.ActorTypeEnum}
    _, value = make_api_secret(tenant)
    api = client_module.AuthenticatedClient(base_url=live_server.url, token=value)
    # What a newer server would write: an action and an actor type today's schema does not list.
    assert "door.unlocked_forever" not in known_actions and "robot" not in known_actors
    record(tenant=tenant, actor=Actor("robot", "R2"), action="door.unlocked_forever")
    record(tenant=tenant, actor=Actor.system(), action="door.opened", target="device:Front")
    assert "door.opened" in known_actions

    page = audit_trail.sync(client=api)
    assert isinstance(page, models.AuditPage), page
    unknown, known = page.entries[-2:]
    assert unknown.action == "door.unlocked_forever" and unknown.actor.type_ == "robot"
    assert not isinstance(unknown.action, models.AuditActionEnum)
    assert known.action == models.AuditActionEnum.DOOR_OPENED

    acked = audit_trail_ack.sync(client=api, body=models.AckRequest(cursor=page.cursor))
    assert acked.acknowledged is True
    assert audit_trail.sync(client=api).entries == []
