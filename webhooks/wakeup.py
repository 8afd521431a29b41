"""Wake a delivery worker the moment a message is committed.

On PostgreSQL, `emit` sends NOTIFY in the caller's transaction: PostgreSQL delivers it on commit
and drops it on rollback, to every worker LISTENing on any host. Workers in this process (tests)
are woken directly after commit. Without PostgreSQL (SQLite: one worker) the worker polls the
database every WEBHOOK_POLL_SECONDS; on PostgreSQL that poll is a safety net.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import connection, transaction

CHANNEL = "cybergate_webhooks"

local = threading.Event()


def notify_on_commit() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
    transaction.on_commit(local.set)


def poll_seconds() -> float:
    return float(settings.WEBHOOK_POLL_SECONDS)
