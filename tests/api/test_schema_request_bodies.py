"""A body whose every form has a required field is a required body in the schema: the gateway's
call events (a oneOf of `answered` and `ended`) too, so a client (and schemathesis) never sends
the operation without one."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def test_the_call_event_body_is_required(client):
    schema = json.loads(
        client.get(
            "/device-api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}
        ).content
    )
    body = schema["paths"]["/device-api/v1/calls/{call_id}/events"]["post"]["requestBody"]
    assert body["required"] is True
