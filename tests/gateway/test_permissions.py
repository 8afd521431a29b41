"""Every gateway operation × every kind of caller (the customer API's matrix, for devices).

A device credential and an API secret never stand in for each other, and a device only ever
sees its own calls and commands: another device's ids are 404, as if they did not exist.
"""

from __future__ import annotations

import pytest
from django.test import Client

from audit.services import Actor
from cybergate.lib import tokens
from devices import services
from devices.models import Call, DoorOpenCommand
from tests.factories import (
    make_api_secret,
    make_call_group,
    make_device,
    make_teams_user,
    start_answered_call,
)
from tests.helpers import assert_problem, bearer_client

pytestmark = pytest.mark.django_db

# The long-poll authenticates and reads in the gateway's own threads, which see only committed
# rows (tests/gateway/conftest.py): its tests commit; the rest roll back.
COMMITTED = pytest.mark.django_db(transaction=True)

OPERATIONS = [
    ("post", "/device-api/v1/calls", "{call_group}", 201),
    ("post", "/device-api/v1/calls/{call}/events", {"type": "ended"}, 200),
    pytest.param("get", "/device-api/v1/commands?wait=0", None, 200, marks=COMMITTED),
    ("post", "/device-api/v1/commands/{command}/ack", {"result": "executed"}, 200),
]
OPERATION_IDS = [
    f"{str(v[0]).upper()} {v[1]}" for v in (getattr(o, "values", o) for o in OPERATIONS)
]

MALFORMED = ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "{credential}", "Bearer a b", "Token x"]


def scene(tenant) -> dict:
    """A device in an answered call with a delivered door-open command."""
    anna = make_teams_user(tenant, f"anna-{tenant.pk.hex[:6]}@example.com")
    group = make_call_group(tenant, "Reception", anna)
    device, credential = make_device(tenant, "Front")
    call = start_answered_call(device, group, anna, caller="v")
    command = services.door_open_request(
        tenant=anna.tenant, user_ref=anna.upn, actor=Actor.system()
    )
    assert services.commands_claim(device=device) == [command]
    return {
        "device": device,
        "credential": credential,
        "call": call,
        "command": command,
        "call_group": group,
    }


def send(client: Client, method: str, template: str, body, ids: dict):
    path = template.format(**{k: v.id for k, v in ids.items() if hasattr(v, "id")})
    if method == "get":
        return client.get(path)
    if body == "{call_group}":
        body = {"caller": "sip:visitor@x", "call_group": str(ids["call_group"].id)}
    return client.post(path, body, content_type="application/json")


def nothing_changed(mine: dict) -> None:
    assert Call.objects.get(pk=mine["call"].pk).state == Call.State.ACTIVE
    command = DoorOpenCommand.objects.get(pk=mine["command"].pk)
    assert command.status == DoorOpenCommand.Status.DELIVERED and command.acked_at is None
    assert Call.objects.count() == 1


@pytest.mark.parametrize(("method", "template", "body", "ok"), OPERATIONS, ids=OPERATION_IDS)
def test_without_a_credential_nothing_is_done(tenant, method, template, body, ok):
    mine = scene(tenant)
    assert_problem(send(Client(), method, template, body, mine), 401, "missing_credentials")
    nothing_changed(mine)


@pytest.mark.parametrize("header", MALFORMED)
@pytest.mark.parametrize(("method", "template", "body", "ok"), OPERATIONS, ids=OPERATION_IDS)
def test_a_malformed_header_is_missing_credentials(tenant, method, template, body, ok, header):
    mine = scene(tenant)
    client = Client(headers={"Authorization": header.format(credential=mine["credential"])})
    assert_problem(send(client, method, template, body, mine), 401, "missing_credentials")
    nothing_changed(mine)


@pytest.mark.parametrize("kind", ["unknown", "api_secret", "rotated", "wrong_prefix", "truncated"])
@pytest.mark.parametrize(("method", "template", "body", "ok"), OPERATIONS, ids=OPERATION_IDS)
def test_anything_but_a_current_device_credential_is_invalid(
    tenant, method, template, body, ok, kind
):
    mine = scene(tenant)
    if kind == "unknown":
        value = tokens.generate(tokens.DEVICE_CREDENTIAL_PREFIX)
    elif kind == "api_secret":
        value = make_api_secret(tenant)[1]
    elif kind == "rotated":
        value = mine["credential"]
        services.device_credential_rotate(mine["device"])
    elif kind == "wrong_prefix":  # the device's own random part behind the API secret prefix
        value = (
            tokens.API_SECRET_PREFIX + mine["credential"][len(tokens.DEVICE_CREDENTIAL_PREFIX) :]
        )
    else:
        value = mine["credential"][:-8]
    response = send(bearer_client(value), method, template, body, mine)
    assert_problem(response, 401, "invalid_credentials")
    nothing_changed(mine)


@pytest.mark.parametrize("whose", ["other_device", "other_tenant_device"])
@pytest.mark.parametrize(("method", "template", "body", "ok"), OPERATIONS, ids=OPERATION_IDS)
def test_another_devices_ids_are_not_found(tenant, other_tenant, method, template, body, ok, whose):
    mine = scene(tenant)
    intruder_tenant = tenant if whose == "other_device" else other_tenant
    _, credential = make_device(intruder_tenant, "Intruder")
    response = send(bearer_client(credential), method, template, body, mine)

    if template == "/device-api/v1/commands?wait=0":
        assert response.status_code == 200
        assert response.json() == {"commands": []}  # not the command of `mine`
    elif template == "/device-api/v1/calls" and whose == "other_device":
        assert response.status_code == 201  # a sibling device may ring its tenant's group
        return
    else:
        assert_problem(response, 404, "not_found")
    nothing_changed(mine)


@pytest.mark.parametrize(("method", "template", "body", "ok"), OPERATIONS, ids=OPERATION_IDS)
def test_the_devices_own_credential_works(tenant, method, template, body, ok):
    mine = scene(tenant)
    response = send(bearer_client(mine["credential"]), method, template, body, mine)
    assert response.status_code == ok, response.content
    assert response["Content-Type"] == "application/json"


def test_a_device_credential_is_not_an_api_secret(tenant, device_pair):
    _, credential = device_pair
    response = bearer_client(credential).get("/api/v1/version")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_secret"


@COMMITTED
def test_repeated_failed_authentication_is_rate_limited(tenant, settings):
    settings.AUTH_FAILURE_RATE_LIMIT = "3/min"
    client = bearer_client(tokens.generate(tokens.DEVICE_CREDENTIAL_PREFIX))
    codes = [client.get("/device-api/v1/commands").status_code for _ in range(3)]
    assert codes == [401, 401, 401]

    response = client.post("/device-api/v1/calls", {}, content_type="application/json")

    assert_problem(response, 429, "auth_rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert_problem(client.get("/device-api/v1/commands"), 429, "auth_rate_limited")


@COMMITTED
def test_over_the_limit_a_valid_credential_not_used_lately_is_refused_without_a_query(
    tenant, settings, gateway, django_assert_num_queries
):
    """Guessing stops: a hit answers exactly like a miss, and costs no database query."""
    settings.AUTH_FAILURE_RATE_LIMIT = "2/min"
    stranger = bearer_client(tokens.generate(tokens.DEVICE_CREDENTIAL_PREFIX))
    for _ in range(2):
        assert stranger.get("/device-api/v1/commands").status_code == 401

    with django_assert_num_queries(0):
        response = gateway.client.post("/device-api/v1/calls", {}, content_type="application/json")
    assert_problem(response, 429, "auth_rate_limited")
    assert_problem(gateway.poll(), 429, "auth_rate_limited")
    # The limit is per address.
    assert (
        gateway.client.get("/device-api/v1/commands", REMOTE_ADDR="198.51.100.4").status_code == 200
    )


@COMMITTED
def test_a_device_that_polled_lately_is_not_locked_out_by_failures_from_its_ip(
    tenant, settings, gateway
):
    settings.AUTH_FAILURE_RATE_LIMIT = "2/min"
    assert gateway.poll().status_code == 200  # remembered for this address
    stranger = bearer_client(tokens.generate(tokens.DEVICE_CREDENTIAL_PREFIX))
    codes = [stranger.get("/device-api/v1/commands").status_code for _ in range(4)]
    assert codes == [401, 401, 429, 429]
    assert gateway.poll().status_code == 200
    assert gateway.start_call(make_call_group(tenant, "Lobby")).status_code == 201


def test_unknown_gateway_paths_are_problem_details(gateway):
    response = gateway.client.get("/device-api/v1/nothing-here")
    assert_problem(response, 404, "not_found")
