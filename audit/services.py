"""The one way to write an audit entry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.db import connection, transaction

from audit.models import AuditEntry
from audit.signals import log_appended

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


# What an entry needs of the apps' rows (audit sits below every app, so it names none of their
# models, not even for types): a tenant's id, a person's address, the name of an API secret
# or of a device.
class _Tenant(Protocol):
    @property
    def pk(self) -> Any: ...


class _Person(Protocol):
    @property
    def email(self) -> str: ...
    @property
    def tenant_id(self) -> Any: ...


class _Named(Protocol):
    @property
    def name(self) -> str: ...


# Detail keys whose values are never written, whatever a caller passes.
_MASKED_KEYS = {"secret", "value", "token", "password", "credential", "authorization"}


@dataclass(frozen=True)
class Actor:
    """Who acts, as an audit entry will name them at that moment."""

    type: str
    name: str

    @classmethod
    def for_user(cls, user: _Person) -> Actor:
        kind = AuditEntry.ActorType.SUPPORT if user.tenant_id is None else AuditEntry.ActorType.USER
        return cls(kind, user.email)

    @classmethod
    def for_support(cls, user: AbstractBaseUser | AnonymousUser) -> Actor:
        """Work done in Django admin is support's, whatever the staff user's own tenant says.

        `user` is the admin request's user: always a signed-in staff User there (its username is
        its email)."""
        return cls(AuditEntry.ActorType.SUPPORT, user.get_username())

    @classmethod
    def for_api_secret(cls, secret: _Named) -> Actor:
        return cls(AuditEntry.ActorType.API_SECRET, secret.name)

    @classmethod
    def for_device(cls, device: _Named) -> Actor:
        return cls(AuditEntry.ActorType.DEVICE, device.name)

    @classmethod
    def system(cls) -> Actor:
        return cls(AuditEntry.ActorType.SYSTEM, "system")


def _mask(details: dict[str, Any]) -> dict[str, Any]:
    return {
        key: ("***" if key.lower() in _MASKED_KEYS else value) for key, value in details.items()
    }


def lock_log_for_append(name: str, tenant_id: uuid.UUID) -> None:
    """Serialise appends to one tenant's log until the transaction commits (PostgreSQL), and
    announce the append once it has committed (signals.log_appended).

    Readers of "new entries" move a position past the highest id they saw. Without this lock a
    transaction that took id 100 could commit after one that took id 101, and a reader that had
    already moved past 101 would never see 100. With it, ids of one tenant's log become visible in
    order. SQLite serialises all writers anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{name}:{tenant_id}"])
    transaction.on_commit(lambda: log_appended.send(sender=None, log=name, tenant_id=tenant_id))


def record(
    *,
    tenant: _Tenant | None,
    actor: Actor,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append an audit entry in the caller's transaction (or its own, if there is none)."""
    with transaction.atomic(savepoint=False):
        if tenant is not None:
            lock_log_for_append("audit", tenant.pk)
        return AuditEntry.objects.create(
            uuid=uuid.uuid4(),
            tenant_id=None if tenant is None else tenant.pk,
            actor_type=actor.type,
            actor_name=actor.name[:300],
            action=action,
            target=str(target)[:300],
            details=_mask(details or {}),
            ip=ip or None,
        )
