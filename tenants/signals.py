"""Signals tenants sends; tenants knows nothing about who listens.

`tenant_offboarding(sender=Tenant, tenant=..., actor=..., ip=...)` is sent by `tenant_offboard`
inside its transaction, with the tenant's row locked. Each app that holds access of the tenant's
ends it (API secrets: apisecrets; device credentials: devices) and returns what it ended, as a
dict of lists of names for the audit entry's details.

`sandbox_created(sender=Tenant, sandbox=...)` is sent by `tenant_sandbox` inside its transaction
when a tenant's sandbox is made (on its first test secret); the sandbox app fills it with its
virtual door station, Teams users and call group.
"""

from __future__ import annotations

from django.dispatch import Signal

tenant_offboarding = Signal()
sandbox_created = Signal()
