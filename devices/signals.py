"""Signals devices sends; devices knows nothing about who listens.

`command_queued(sender=DoorOpenCommand, device_id=...)` is sent after the transaction that queued
a door-open command commits (the device gateway wakes the device's long-poll: gateway/apps.py).
"""

from __future__ import annotations

from django.dispatch import Signal

command_queued = Signal()
