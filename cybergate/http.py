"""Small request helpers shared by pages, admin actions and the API."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address as audit entries record it.

    REMOTE_ADDR only: X-Forwarded-For is set by whoever sends the request, so trusting it without
    a known proxy in front would let anyone write any IP into the audit trail. Behind a trusted
    load balancer, take the right-most address that proxy appended instead (e.g. with a setting
    that names the number of trusted hops).
    """
    return request.META.get("REMOTE_ADDR") or None


def bearer_value(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None if it is not one."""
    parts = (header or "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]
