"""The gateway answers an id that is not a UUID like an unknown one: 404 `not_found` naming the
call or command, not "No such API endpoint"."""

from __future__ import annotations

import pytest

from devices.models import Call
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("ref", ["not-a-uuid", "1", "6b1f2d4e-0c7a-4e55-9a51-3f4e2b1c0dff"])
def test_an_event_for_a_malformed_or_unknown_call_id_is_call_not_found(gateway, call_group, ref):
    assert_problem(gateway.event(ref, "ended"), 404, "not_found", detail="Call not found.")


@pytest.mark.parametrize("ref", ["not-a-uuid", "6b1f2d4e-0c7a-4e55-9a51-3f4e2b1c0dff"])
def test_acking_a_malformed_or_unknown_command_id_is_command_not_found(gateway, ref):
    assert_problem(gateway.ack(ref), 404, "not_found", detail="Command not found.")


def test_another_devices_call_is_not_found_either(gateway, other_gateway, call_group):
    call_id = other_gateway.start_call(call_group).json()["id"]
    assert_problem(gateway.event(call_id, "ended"), 404, "not_found", detail="Call not found.")
    assert Call.objects.get(id=call_id).state == Call.State.RINGING
