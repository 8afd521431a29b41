"""Signals audit sends; audit knows nothing about who listens.

`log_appended(sender=None, log=..., tenant_id=...)` is sent after the transaction that appended
an entry to a tenant's log (`call_log` or `audit`) commits (the device gateway wakes the
customer API's long-polls on that log: gateway/apps.py).
"""

from __future__ import annotations

from django.dispatch import Signal

log_appended = Signal()
