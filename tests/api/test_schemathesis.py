"""Property-based conformance of both APIs to their own OpenAPI schemas (schemathesis 4).

Every operation under /api/v1/ with all built-in checks (no 5xx, documented statuses, content
types and bodies, negative data rejected, auth not ignored, undocumented methods answered 405,
...), sent with a valid secret through the WSGI application. Two runs per operation: path
identifiers drawn at random, and path identifiers pinned to real rows (so success bodies are
checked against the schema too). The schema is the one the server serves at /api/schema/. The
device gateway's operations run the same checks against /device-api/schema/ with a device
credential (its long-poll answers at once under WSGI, whatever `wait` says).

(`schemathesis.pytest.from_fixture` + `live_server` would be the natural fit, but schemathesis
4.32's lazy loader reads `request.node._nodeid`, which pytest 9 no longer has.)
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from apisecrets.models import PERMISSIONS
from audit.services import Actor
from callgroups.models import CallGroup, CallGroupMember
from devices.models import DoorOpenCommand
from tests.factories import make_api_secret, make_world, start_answered_call
from tests.helpers import bearer as bearer_header
from webhooks.models import Attempt, Endpoint, Message
from webhooks.services import endpoint_create

MAX_EXAMPLES = 50
GROUP_ID = uuid.UUID("6b1f2d4e-0c7a-4e55-9a51-3f4e2b1c0d01")
COMMAND_ID = uuid.UUID("6b1f2d4e-0c7a-4e55-9a51-3f4e2b1c0d02")
USER_UPN = "anna@acme.example"  # make_world's Anna in the `tenant` fixture's domain
MESSAGE_ID = uuid.UUID("6b1f2d4e-0c7a-4e55-9a51-3f4e2b1c0d03")

# A cursor that matches the schema's type (any string) is still refused unless this server
# signed it: 400 `invalid_cursor` is the right answer to random "valid-looking" cursors.
_CURSOR_OPERATIONS = {
    "include-path-regex": (
        r"^/api/v1/(call-log(/ack)?|audit-trail(/ack)?|call-groups|active-calls)$"
    ),
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
        }
    },
}

# An Idempotency-Key drawn again for another Teams user or call_id is refused with 422
# `idempotency_key_reused`: the right answer to a schema-valid repeat of a key.
_DOOR_OPEN = {
    "include-path": "/api/v1/active-calls/{user}/door-open",
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
        }
    },
}


# A URL the schema admits may name an address the SSRF guard refuses (400 on `url`).
_WEBHOOK_URL = {
    "include-path-regex": r"^/api/v1/webhook-endpoints(/\{id\})?$",
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
        }
    },
}


def _schema(pinned: bool):
    config: dict = {
        "generation": {"max-examples": MAX_EXAMPLES},
        "operations": [_CURSOR_OPERATIONS, _DOOR_OPEN, _WEBHOOK_URL],
    }
    if pinned:
        # A webhook endpoint has the call group's id too (another table), and a message.
        config["parameters"] = {
            "path.id": str(GROUP_ID),
            "path.user": USER_UPN,
            "path.message_id": str(MESSAGE_ID),
        }
        config["operations"].append(
            {
                "include-path": "/api/v1/door-open-commands/{id}",
                "parameters": {"path.id": str(COMMAND_ID)},
            }
        )
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json",
        get_wsgi_application(),
        config=schemathesis.Config.from_dict(config),
    )
    return schema.include(path_regex=r"^/api/v1/")


random_ids = _schema(pinned=False)
real_ids = _schema(pinned=True)

_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.fixture
def _keep_test_connection():
    """Requests go through the WSGI handler directly: like Django's test client, keep it from
    closing the test's database connection (and its transaction) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db, settings, tenant, _keep_test_connection) -> dict[str, str]:
    """Data to find, generous rate limits, and a valid secret's header."""
    settings.API_RATE_LIMIT = "100000/s"
    settings.AUTH_FAILURE_RATE_LIMIT = "100000/s"
    world = make_world(tenant)
    group = CallGroup.objects.create(id=GROUP_ID, tenant=tenant, name="schemathesis")
    CallGroupMember.objects.create(call_group=group, user=world["anna"], position=1)
    call = start_answered_call(world["front"], group, world["anna"])
    from django.utils import timezone

    DoorOpenCommand.objects.create(
        id=COMMAND_ID,
        tenant=tenant,
        call=call,
        device=world["front"],
        issued_by_name="schemathesis",
        dtmf="*1#",
        expires_at=timezone.now() + timedelta(minutes=10),
    )
    # A webhook endpoint and a message of it to find (the endpoint has the call group's id).
    endpoint, _ = endpoint_create(tenant=tenant, actor=Actor.system(), url="https://h.example.com/")
    Endpoint.objects.filter(pk=endpoint.pk).update(id=GROUP_ID)
    message = Message.objects.create(
        id=MESSAGE_ID, tenant=tenant, endpoint_id=GROUP_ID, event_type="webhook.test", body="{}"
    )
    Attempt.objects.create(message=message, number=1, due_at=timezone.now())
    _, value = make_api_secret(tenant, permissions=list(PERMISSIONS))
    # The WSGI transport sends requests' default `Accept-Encoding: gzip, deflate` but never
    # decodes what it gets (an HTTP client does); API JSON is compressed when asked
    # (tests/portal/test_compression.py), so ask for it plain here.
    return {**bearer_header(value), "Accept-Encoding": "identity"}


@random_ids.parametrize()
@_SETTINGS
def test_api_conforms_to_schema_random_ids(case, bearer):
    case.call_and_validate(headers=bearer)


@real_ids.parametrize()
@_SETTINGS
def test_api_conforms_to_schema_real_ids(case, bearer):
    case.call_and_validate(headers=bearer)


# --- The device gateway, against its own schema ------------------------------------------------

gateway_schema = schemathesis.openapi.from_wsgi(
    "/device-api/schema/?format=json",
    get_wsgi_application(),
    config=schemathesis.Config.from_dict(
        {
            # `wait` is drawn like any parameter (empty, huge, ...): under WSGI a poll never
            # holds the request open, so no example waits.
            "generation": {"max-examples": MAX_EXAMPLES},
        }
    ),
).include(path_regex=r"^/device-api/v1/")

pytestmark = pytest.mark.slow


@pytest.fixture
def device_bearer(transactional_db, settings, tenant) -> dict[str, str]:
    """Committed data: the long-poll's database work runs in the gateway's own threads."""
    from tests.factories import make_device

    settings.AUTH_FAILURE_RATE_LIMIT = "100000/s"
    world = make_world(tenant)
    start_answered_call(world["front"], world["reception"], world["anna"])
    _, credential = make_device(tenant, "Schemathesis door")
    return bearer_header(credential)


@gateway_schema.parametrize()
@_SETTINGS
def test_gateway_conforms_to_its_schema(case, device_bearer):
    case.call_and_validate(headers=device_bearer)
