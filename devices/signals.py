"""Signals devices sends; devices knows nothing about who listens.

`command_queued(sender=DoorOpenCommand, device_id=..., virtual=...)` is sent after the transaction
that queued a door-open command commits (the device gateway wakes the device's long-poll:
gateway/apps.py; a sandbox's virtual station acts, sandbox/apps.py).
`command_settled(sender=DoorOpenCommand, command_id=...)` is sent after the transaction that gave a
command its outcome (executed, failed, or expired because its call ended) commits (the customer
API's long-poll on that outcome wakes).
"""

from __future__ import annotations

from django.dispatch import Signal

command_queued = Signal()
command_settled = Signal()
# The wake-up topic of a command's outcome:
# cybergate.lib.feeds.wake_topic(COMMAND_TOPIC, command id).
COMMAND_TOPIC = "door_open"
