"""Door-open metrics on the Django path: outcomes (executed, failed, expired), and the delivery
latencies, counted once per command (a redelivery is not a second first delivery)."""

from __future__ import annotations

import time

import pytest
from prometheus_client import REGISTRY

pytestmark = pytest.mark.django_db(transaction=True)

OUTCOMES = "cybergate_door_open_commands_total"
QUEUED = "cybergate_door_open_queued_to_delivered_seconds_count"
POSTED = "cybergate_door_open_post_to_delivered_seconds_count"
ACKED = "cybergate_door_open_delivered_to_acknowledged_seconds_count"


def counts() -> dict[str, float]:
    def get(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    return {
        "executed": get(OUTCOMES, outcome="executed"),
        "failed": get(OUTCOMES, outcome="failed"),
        "expired": get(OUTCOMES, outcome="expired"),
        "queued_to_delivered": get(QUEUED),
        "post_to_delivered": get(POSTED),
        "delivered_to_acknowledged": get(ACKED),
    }


def changed(before: dict[str, float]) -> dict[str, float]:
    return {name: value - before[name] for name, value in counts().items() if value != before[name]}


def door_open(api_client, user) -> str:
    response = api_client.post(f"/api/v1/active-calls/{user.upn}/door-open")
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_a_door_open_executed_is_timed_from_post_to_acknowledgement(
    gateway, active_call, api_client
):
    before = counts()
    command_id = door_open(api_client, active_call.answered_by)
    assert [c["id"] for c in gateway.poll().json()["commands"]] == [command_id]
    assert gateway.ack(command_id, "executed").status_code == 200
    assert gateway.ack(command_id, "executed").status_code == 409  # a repeat counts nothing

    assert changed(before) == {
        "executed": 1,
        "queued_to_delivered": 1,
        "post_to_delivered": 1,
        "delivered_to_acknowledged": 1,
    }


def test_a_redelivery_is_not_a_second_first_delivery(gateway, active_call, api_client, settings):
    settings.DOOR_OPEN_REDELIVERY_SECONDS = 0.1
    before = counts()
    command_id = door_open(api_client, active_call.answered_by)
    assert len(gateway.poll().json()["commands"]) == 1
    time.sleep(0.2)
    assert [c["id"] for c in gateway.poll().json()["commands"]] == [command_id]
    assert gateway.ack(command_id, "failed").status_code == 200

    assert changed(before) == {
        "failed": 1,
        "queued_to_delivered": 1,
        "post_to_delivered": 1,
        "delivered_to_acknowledged": 1,
    }


def test_commands_never_delivered_count_as_expired_when_the_call_ends(
    gateway, active_call, api_client
):
    before = counts()
    door_open(api_client, active_call.answered_by)
    door_open(api_client, active_call.answered_by)
    assert gateway.event(active_call, "ended").status_code == 200
    assert gateway.event(active_call, "ended").status_code == 409  # ended once: counted once

    assert changed(before) == {"expired": 2}
