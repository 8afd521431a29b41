"""Writes of tenants and support requests."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.services import Actor, record
from tenants.models import SupportRequest, Tenant, User


def support_request_create(
    *,
    tenant: Tenant,
    user: User,
    contact_email: str,
    subject: str,
    message: str,
    ip: str | None = None,
) -> SupportRequest:
    with transaction.atomic():
        request = SupportRequest.objects.create(
            tenant=tenant,
            requested_by=user,
            contact_email=contact_email,
            subject=subject,
            message=message,
        )
        record(
            tenant=tenant,
            actor=Actor.for_user(user),
            action="support_request.created",
            target=f"support_request:{request.id}",
            details={"subject": subject, "contact_email": contact_email},
            ip=ip,
        )
    return request


def tenant_set_api_access(
    *, tenant: Tenant, enabled: bool, actor: Actor, ip: str | None = None
) -> bool:
    """Switch API access on or off; return whether anything changed (audited only then)."""
    with transaction.atomic():
        changed = Tenant.objects.filter(pk=tenant.pk, api_access_enabled=not enabled).update(
            api_access_enabled=enabled
        )
        if changed:
            tenant.api_access_enabled = enabled
            action = "tenant.api_access_enabled" if enabled else "tenant.api_access_disabled"
            record(tenant=tenant, actor=actor, action=action, ip=ip)
    return bool(changed)


def support_request_resolve_enabling_access(
    *, support_request: SupportRequest, actor: Actor, ip: str | None = None
) -> None:
    """Support's one action: enable the tenant's API access and resolve the request."""
    with transaction.atomic():
        tenant_set_api_access(tenant=support_request.tenant, enabled=True, actor=actor, ip=ip)
        SupportRequest.objects.filter(pk=support_request.pk).update(
            status=SupportRequest.Status.RESOLVED, resolved_at=timezone.now()
        )
        record(
            tenant=support_request.tenant,
            actor=actor,
            action="support_request.resolved",
            target=f"support_request:{support_request.id}",
            ip=ip,
        )
