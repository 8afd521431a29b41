"""Wake a device's waiting long-poll when a command is queued for it.

Filled in by the device gateway issue: PostgreSQL LISTEN/NOTIFY or Redis pub/sub when configured,
a short database poll as the embedded default.
"""

from __future__ import annotations


def notify(device_id) -> None:
    """Tell every server process that `device_id` has a new command (called after commit)."""
