"""Reads of tenants and support requests."""

from __future__ import annotations

from tenants.models import SupportRequest, Tenant


def open_support_request(tenant: Tenant) -> SupportRequest | None:
    """The tenant's open support request, if any (support_request_create allows one at a time)."""
    return tenant.support_requests.filter(status=SupportRequest.Status.OPEN).first()
