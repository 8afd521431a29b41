"""The door-open request's statements, counted: the product's one urgent request runs only what
its rules need (bench/door_open.py times it). Committed for real (transaction=True), so BEGIN,
COMMIT and what runs after the commit count too.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from devices.models import DoorOpenCommand, IdempotencyKey
from tests.api.test_door_open_idempotency import door_open

pytestmark = pytest.mark.django_db(transaction=True)


def statements_in_transaction(queries: CaptureQueriesContext) -> tuple[list[str], list[str]]:
    """The statements up to the request's COMMIT, and those after it."""
    sql = [q["sql"] for q in queries.captured_queries]
    end = sql.index("COMMIT") + 1
    return sql[:end], sql[end:]


def _listing(sql: list[str]) -> str:
    return "\n".join(statement[:120] for statement in sql)


def _expected(*, key: bool) -> int:
    # BEGIN, the call locked (its Teams user found by the same statement, its device joined),
    # the command, the audit entry (on PostgreSQL the same statement takes the log's append
    # lock), COMMIT; the key's insert and its pointer at the command.
    return 5 + (2 if key else 0)


@pytest.mark.parametrize("key", [None, "order-1"], ids=["no key", "idempotency key"])
def test_door_open_runs_only_the_statements_it_needs(api_client, world, active_call, key):
    api_client.get("/api/v1/version")  # the secret's cache warm, as on a busy server
    with CaptureQueriesContext(connection) as queries:
        answer = door_open(api_client, world["anna"], key)
    assert answer.status_code == 202, answer.content
    inside, after = statements_in_transaction(queries)
    assert len(inside) == _expected(key=key is not None), _listing(inside)
    assert not any("SAVEPOINT" in statement for statement in inside), _listing(inside)
    # Nothing after the commit (the wake-ups go to Redis or wait for the database poll): no
    # look-up of the device a real station's door-open does not need.
    assert after == [], _listing(after)
    command = DoorOpenCommand.objects.get()
    assert command.device == world["front"]
    entry = AuditEntry.objects.get(action="door.open_requested")
    assert entry.tenant == world.tenant
    assert entry.details["command_id"] == str(command.id)
    if key:
        assert IdempotencyKey.objects.get(key=key).command == command


def test_a_repeated_key_reads_the_first_answer_only(api_client, world, active_call):
    first = door_open(api_client, world["anna"], "order-2")
    with CaptureQueriesContext(connection) as queries:
        again = door_open(api_client, world["anna"], "order-2")
    assert again.json() == first.json()
    inside, after = statements_in_transaction(queries)
    # BEGIN, the key's insert (it is taken: nothing), the key locked, its command, COMMIT.
    assert len(inside) == 5, _listing(inside)
    assert after == []
    assert DoorOpenCommand.objects.count() == 1


@pytest.mark.parametrize("key", [None, "order-3"], ids=["no key", "idempotency key"])
def test_the_device_is_woken_before_the_logs_readers(api_client, world, active_call, key):
    """Commit hooks run in the order they were added: the device's wake-up (a person waits at
    the door) goes out before the audit trail's (the API's long-polls)."""
    from audit.signals import log_appended
    from devices.signals import command_queued

    sent: list[str] = []

    def device_woken(**kwargs):
        sent.append("device")

    def log_woken(*, log, **kwargs):
        sent.append(log)

    command_queued.connect(device_woken, dispatch_uid="test-order-device")
    log_appended.connect(log_woken, dispatch_uid="test-order-log")
    try:
        answer = door_open(api_client, world["anna"], key)
    finally:
        command_queued.disconnect(dispatch_uid="test-order-device")
        log_appended.disconnect(dispatch_uid="test-order-log")
    assert answer.status_code == 202, answer.content
    assert sent == ["device", "audit"]
