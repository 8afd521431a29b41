"""The sandbox over real HTTP (a live server thread): ring, open, outcome, hang up, feeds."""

from __future__ import annotations

import httpx
import pytest

from devices.models import DoorOpenCommand
from sandbox.services import VIRTUAL_USERS
from tenants.services import SANDBOX_DOMAIN
from tests.factories import make_api_secret, make_world
from tests.helpers import bearer

pytestmark = pytest.mark.slow

ADA = f"{VIRTUAL_USERS[0][0]}@{SANDBOX_DOMAIN}"


def test_a_door_opens_in_the_sandbox_over_http(live_server, transactional_db, tenant):
    world = make_world(tenant, secrets=["live integration"])
    _, value = make_api_secret(tenant, "sandbox integration", test=True)
    api = httpx.Client(base_url=f"{live_server.url}/api/v1", headers=bearer(value), timeout=10)

    call = api.post("/test/calls", json={"answer_by": ADA}).json()
    assert call["state"] == "active"
    opened = api.post(
        f"/active-calls/{ADA}/door-open",
        json={"call_id": call["id"]},
        headers={"Idempotency-Key": "sandbox-1"},
    )
    assert opened.status_code == 202, opened.text
    # The virtual station acted on the door-open's commit, before its answer was sent.
    outcome = httpx.get(opened.headers["Location"], headers=bearer(value)).json()
    assert outcome["status"] == "executed"

    assert api.post(f"/test/calls/{call['id']}/end").json()["door_opened"] is True
    [entry] = api.get("/call-log").json()["entries"]
    assert entry["call_id"] == call["id"] and entry["door_opened"] is True
    audit = api.get("/audit-trail").json()["entries"]
    assert [e["action"] for e in audit] == ["door.open_requested", "door.opened"]

    live = httpx.Client(
        base_url=f"{live_server.url}/api/v1",
        headers=bearer(world.secrets["live integration"][1]),
        timeout=10,
    )
    assert live.post("/test/calls", json={}).json()["code"] == "test_secret_required"
    assert live.get("/call-log").json()["entries"] == []
    assert not DoorOpenCommand.objects.filter(device__virtual=False).exists()
