"""The one way to write an audit entry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from django.db import connection, models, transaction

from audit.models import AuditEntry
from audit.signals import log_appended

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

ModelT = TypeVar("ModelT", bound=models.Model)


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


def append_to_log(row: ModelT, name: str, tenant_id: uuid.UUID) -> ModelT:
    """Insert `row`, a new entry of the tenant's log `name` (a feed: its readers move past the
    highest id they saw), and announce it once the transaction commits (signals.log_appended).

    Appends to one tenant's log are serialised until the transaction commits. Without that, a
    transaction that took id 100 could commit after one that took id 101, and a reader that had
    already moved past 101 would never see 100; with it, ids of one tenant's log become visible
    in order. On PostgreSQL the lock (an advisory lock) is taken by the inserting statement
    itself, before it draws the id: one round trip for both. SQLite serialises all writers
    anyway. Call inside a transaction (the lock lasts until its end).
    """
    if connection.vendor == "postgresql":
        _insert_under_lock(row, f"{name}:{tenant_id}")
    else:
        row.save(force_insert=True)
    transaction.on_commit(lambda: log_appended.send(sender=None, log=name, tenant_id=tenant_id))
    return row


def _insert_under_lock(row: models.Model, lock: str) -> None:
    """INSERT … SELECT the row's values FROM pg_advisory_xact_lock(hashtext(lock)) RETURNING its
    id: as save(force_insert=True) does for a row with a database-drawn primary key, without
    the pre_save/post_save signals (no receivers on log entries)."""
    meta = row._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    values = [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(cast(str, field.column)) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "
            f"SELECT {', '.join(['%s'] * len(fields))} FROM pg_advisory_xact_lock(hashtext(%s)) "
            f"RETURNING {quote(cast(str, meta.pk.column))}",
            [*values, lock],
        )
        row.pk = cursor.fetchone()[0]
    row._state.adding = False
    row._state.db = connection.alias


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
    entry = AuditEntry(
        uuid=uuid.uuid4(),
        tenant_id=None if tenant is None else tenant.pk,
        actor_type=actor.type,
        actor_name=actor.name[:300],
        action=action,
        target=str(target)[:300],
        details=_mask(details or {}),
        ip=ip or None,
    )
    if tenant is None:  # support's own entries are no tenant's log
        entry.save(force_insert=True)
        return entry
    with transaction.atomic(savepoint=False):
        return append_to_log(entry, "audit", tenant.pk)
