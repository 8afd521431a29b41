"""Migration 0003 ends all but the latest active call per Teams user, then adds the constraint."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.slow

BEFORE = ("devices", "0002_initial")
AFTER = ("devices", "0003_one_active_call_per_teams_user")


def _migrate(devices_target=None):
    """Every app at its latest migration, devices at `devices_target` (default: latest too)."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    targets = graph.leaf_nodes()
    if devices_target is not None:
        # Apps whose migrations need a later devices migration (the sandbox's) go back too.
        allowed = set(graph.forwards_plan(devices_target))

        def needs_later_devices(node) -> bool:
            return any(a[0] == "devices" and a not in allowed for a in graph.forwards_plan(node))

        targets = [n for n in targets if n[0] != "devices" and not needs_later_devices(n)]
        targets.append(devices_target)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_double_active_calls_are_ended_except_the_latest():
    apps = _migrate(BEFORE)
    try:
        Tenant = apps.get_model("tenants", "Tenant")
        TeamsUser = apps.get_model("callgroups", "TeamsUser")
        Device = apps.get_model("devices", "Device")
        Call = apps.get_model("devices", "Call")
        DoorOpenCommand = apps.get_model("devices", "DoorOpenCommand")
        tenant = Tenant.objects.create(name="Acme", domain="acme.example")
        anna, ben = (
            TeamsUser.objects.create(
                tenant=tenant, upn=upn, object_id=uuid.uuid4(), display_name=upn
            )
            for upn in ("anna@acme.example", "ben@acme.example")
        )
        front = Device.objects.create(tenant=tenant, name="Front", sip_uri="sip:f@x")
        back = Device.objects.create(tenant=tenant, name="Back", sip_uri="sip:b@x")
        now = timezone.now()

        def active(device, user, minutes_ago):
            return Call.objects.create(
                tenant=tenant,
                device=device,
                state="active",
                answered_by=user,
                answered_at=now - timedelta(minutes=minutes_ago),
            )

        older, latest, bens = active(front, anna, 5), active(back, anna, 1), active(front, ben, 9)
        queued = DoorOpenCommand.objects.create(
            tenant=tenant,
            call=older,
            device=front,
            issued_by_name="test",
            dtmf="1",
            expires_at=now + timedelta(minutes=1),
        )

        apps = _migrate(AFTER)

        Call = apps.get_model("devices", "Call")
        CallLogEntry = apps.get_model("devices", "CallLogEntry")
        DoorOpenCommand = apps.get_model("devices", "DoorOpenCommand")
        ended = Call.objects.get(pk=older.pk)
        assert (ended.state, ended.result) == ("ended", "answered") and ended.ended_at
        assert Call.objects.get(pk=latest.pk).state == "active"
        assert Call.objects.get(pk=bens.pk).state == "active"
        assert DoorOpenCommand.objects.get(pk=queued.pk).status == "expired"
        entry = CallLogEntry.objects.get(call_id=older.pk)
        assert (entry.answered_by_upn, entry.result, entry.device_name) == (
            "anna@acme.example",
            "answered",
            "Front",
        )
        assert CallLogEntry.objects.count() == 1
    finally:
        _migrate()
