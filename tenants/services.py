"""Writes of tenants and support requests."""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from audit.services import Actor, record
from cybergate.lib.errors import ServiceError
from tenants.models import SupportRequest, Tenant, User
from tenants.selectors import open_support_request
from tenants.signals import sandbox_created, tenant_offboarding


class SupportRequestAlreadyOpen(ServiceError):
    codes = frozenset({"support_request_open"})


ALREADY_OPEN_MESSAGE = "Your request to enable API access is already with support."


def support_request_create(
    *,
    tenant: Tenant,
    user: User,
    contact_email: str,
    subject: str,
    message: str,
    ip: str | None = None,
) -> SupportRequest:
    """Send a request to support; refused while the tenant has one open.

    The tenant row is locked for the check-then-insert (as for the API secret limit), so of two
    concurrent requests exactly one is created.
    """
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if open_support_request(locked) is not None:
            raise SupportRequestAlreadyOpen("support_request_open", ALREADY_OPEN_MESSAGE)
        request = SupportRequest.objects.create(
            tenant=locked,
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


def tenant_offboard(*, tenant: Tenant, actor: Actor, ip: str | None = None) -> dict[str, Any]:
    """End a customer's access in one transaction, keeping its audit trail (and its rows).

    Every app ends the access it holds (tenants.signals.tenant_offboarding): API secrets are
    deleted through the same path as the Delete button (so every process stops accepting them
    within the authentication cache's window), device credentials are cleared (the gateway then
    answers 401); API access is switched off, the tenant's logins are deactivated
    (Django refuses inactive users at sign-in and on every request of an existing session), and
    open support requests are resolved. The tenant row stays: its audit entries protect it, and
    they are the record of what happened.
    """
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        summary: dict[str, Any] = {}
        for _receiver, ended in tenant_offboarding.send(
            sender=Tenant, tenant=tenant, actor=actor, ip=ip
        ):
            summary.update(cast(dict[str, Any], ended))  # the stubs type it as a str
        tenant_set_api_access(tenant=tenant, enabled=False, actor=actor, ip=ip)
        users = list(tenant.users.filter(is_active=True).values_list("email", flat=True))
        tenant.users.update(is_active=False)
        resolved = SupportRequest.objects.filter(
            tenant=tenant, status=SupportRequest.Status.OPEN
        ).update(status=SupportRequest.Status.RESOLVED, resolved_at=timezone.now())
        summary |= {"users_deactivated": sorted(users), "support_requests_resolved": resolved}
        record(
            tenant=tenant,
            actor=actor,
            action="tenant.offboarded",
            target=f"tenant:{tenant.name}",
            details=summary,
            ip=ip,
        )
    return summary


SANDBOX_DOMAIN = "sandbox.cybergate.invalid"


def tenant_sandbox(tenant: Tenant) -> Tenant:
    """The tenant's sandbox, made on first use: a tenant row of its own, so that everything a
    test secret does is scoped to it by the same rule as any tenant's (every queryset starts
    from the request's tenant) and can never reach the live tenant's rows. The sandbox app fills
    it (tenants.signals.sandbox_created) in the same transaction. Callers lock `tenant` first.
    """
    if tenant.is_sandbox:
        raise ValueError("A sandbox has no sandbox of its own.")
    existing = Tenant.objects.filter(sandbox_of=tenant).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        sandbox = Tenant.objects.create(
            # The id keeps the name unique whatever the live tenants are called.
            name=f"{tenant.name[:100]} (sandbox {str(tenant.id)[:8]})",
            domain=SANDBOX_DOMAIN,
            # Unused: a test secret works while its live tenant's API access is on.
            api_access_enabled=True,
            sandbox_of=tenant,
        )
        sandbox_created.send(sender=Tenant, sandbox=sandbox)
    return sandbox


def user_set_time_zone(*, user: User, time_zone: str) -> None:
    """A display preference: not audited (it changes no access and no data)."""
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
