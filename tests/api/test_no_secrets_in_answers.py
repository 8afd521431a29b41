"""BREACH: API answers are compressed when asked (cybergate/lib/compression.py), so none may carry a
secret. Every customer GET operation, the door-open answer and the problems, read compressed, hold
no API secret, device credential, door-open code or stored hash."""

from __future__ import annotations

import gzip
import json

import pytest

from apisecrets.models import ApiSecret
from devices.models import Device
from devices.services import call_end
from tests.factories import make_world, start_answered_call
from tests.helpers import bearer_client

pytestmark = pytest.mark.django_db

GZ = {"Accept-Encoding": "gzip"}
CODE = "*7319#"


def test_no_api_answer_carries_a_secret(tenant):
    world = make_world(tenant, secrets=["reader", "other"], credentials=True)
    Device.objects.filter(pk=world["front"].pk).update(door_open_code=CODE)
    _, value = world.secrets["reader"]
    api = bearer_client(value)
    call = start_answered_call(world["front"], world["reception"], world["anna"])
    anna = world["anna"].upn
    opened = api.post(
        f"/api/v1/active-calls/{anna}/door-open",
        {"call_id": str(call.id)},
        headers={**GZ, "Idempotency-Key": "k1"},
    )
    assert opened.status_code == 202
    command = json.loads(_body(opened))["id"]
    active = api.get(f"/api/v1/active-calls/{anna}", headers=GZ)
    call_end(call=call)
    paths = [
        "/api/v1/version",
        "/api/v1/tenant",
        "/api/v1/call-groups",
        f"/api/v1/call-groups/{world['reception'].id}",
        f"/api/v1/door-open-commands/{command}",
        "/api/v1/call-log?after=start",
        "/api/v1/audit-trail?after=start",
        "/api/v1/call-groups?bogus=1",
    ]
    answers = [opened, active, *(api.get(path, headers=GZ) for path in paths)]
    secrets = [
        *(v for _, v in world.secrets.values()),
        *world.credentials.values(),
        *ApiSecret.objects.values_list("hashed_value", flat=True),
        *Device.objects.values_list("credential_hash", flat=True),
        CODE,
    ]
    for response in answers:
        text = _body(response)
        for secret in secrets:
            assert secret and secret.encode() not in text, (response.request["PATH_INFO"], secret)
    assert sum(response.get("Content-Encoding") == "gzip" for response in answers) >= 5
    # The audit trail did record the door-open.
    assert b"door.open_requested" in _body(answers[-2])


def _body(response) -> bytes:
    if response.get("Content-Encoding") == "gzip":  # (under 200 bytes it is left alone)
        return gzip.decompress(response.content)
    return response.content
