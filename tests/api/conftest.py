"""Domain data for the customer API tests: the tenants' worlds (tests/factories.py) and calls."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from callgroups.models import CallGroup, TeamsUser
from devices.models import Call, Device
from devices.services import call_answer, call_start
from tests.factories import World, make_world


@pytest.fixture
def world(tenant) -> World:
    return make_world(tenant)


@pytest.fixture
def other_world(other_tenant) -> World:
    return make_world(other_tenant, prefix="o-")


def start_answered_call(device: Device, group: CallGroup, user: TeamsUser) -> Call:
    call = call_start(device=device, call_group=group, caller="sip:visitor@example.org")
    return call_answer(call=call, user=user)


@pytest.fixture
def active_call(world) -> Call:
    """Anna answered a call from the front door (which has a door-open code)."""
    return start_answered_call(world["front"], world["reception"], world["anna"])


def pytest_collection_modifyitems(config, items) -> None:
    """schemathesis items of this directory: give them distinct ids, keep the APIs' operations.

    schemathesis 4.32 builds its items with `originalname` only, which on pytest 9 yields the
    bare function name for every operation; pytest-xdist then refuses to distribute them
    ("Different tests were collected"). And its pytest parametrization does not apply the
    schema's include() filter, so anything else a schema lists (the schema views) would come too.
    Private pytest API (`_id`), hence the guard.
    """
    here = Path(__file__).parent
    seen: dict[tuple[str, str], int] = {}
    kept, dropped = [], []
    for item in items:
        label = getattr(item, "operation_label", None)
        if not label or Path(item.path).parent != here:
            kept.append(item)
            continue
        if " /api/v1/" not in label and " /device-api/v1/" not in label:
            dropped.append(item)
            continue
        kept.append(item)
        if item.nodeid.endswith("]"):
            continue
        key = (item.nodeid, label)
        seen[key] = seen.get(key, 0) + 1
        params = label if seen[key] == 1 else f"{label} #{seen[key]}"
        with contextlib.suppress(AttributeError, ValueError):
            item._id = item._id.with_params(params)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
