"""Writes of API secrets: every rule is enforced here, for the page, admin and commands alike."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.fields import DateTimeField

from apisecrets import cache
from apisecrets.models import (
    DEFAULT_PERMISSIONS,
    PERMISSIONS,
    ROLL_OVERLAPS,
    ApiSecret,
    ApiSecretUsage,
    secrets_of,
)
from apisecrets.selectors import ACCESS_DISABLED_MESSAGE, create_refusal
from apisecrets.validators import (
    check_validity_days,
    clean_allowed_addresses,
    clean_permissions,
    clean_secret_name,
    name_look_alike_key,
)
from audit.services import Actor, record
from cybergate.lib import tokens
from cybergate.lib.errors import ServiceError
from tenants.models import Tenant, User
from tenants.services import tenant_sandbox
from webhooks import events
from webhooks.services import emit

API_SECRET_PURPOSE = "api_secret"


class SecretLimitReached(ServiceError):
    codes = frozenset({"limit_reached"})


class ApiAccessDisabled(ServiceError):
    codes = frozenset({"api_access_disabled"})


class CannotRoll(ServiceError):
    codes = frozenset({"already_rolled", "not_found"})


# What the service raises for each reason create_refusal gives.
_CREATE_REFUSED = {"api_access_disabled": ApiAccessDisabled, "limit_reached": SecretLimitReached}


def check_name_is_distinct(
    tenant: Tenant, name: str, *, exclude: Iterable[UUID | str] = ()
) -> None:
    """Refuse a name that is, or looks like (Unicode TR39 confusables, any case), the name of
    another of the tenant's secrets: "gаmma old" with a Cyrillic а beside "gamma old".
    `exclude`: ids of secrets that may keep the name (the renamed secret and its predecessors)."""
    key = name_look_alike_key(name)
    others = secrets_of(tenant).exclude(pk__in=list(exclude)).values_list("name", flat=True)
    for other in others:
        if other.lower() == name.lower():
            error = ValidationError("An API secret with this name already exists.", code="unique")
        elif name_look_alike_key(other) == key:
            error = ValidationError(
                "This name looks like “%(other)s”, the name of another API secret. "
                "Choose a name that reads differently.",
                code="look_alike",
                params={"other": other},
            )
        else:
            continue
        raise ValidationError({"name": error})


def hash_api_secret(value: str) -> str:
    return tokens.keyed_hash(value, purpose=API_SECRET_PURPOSE)


def api_secret_create(
    *,
    tenant: Tenant,
    actor: Actor,
    name: str,
    validity_days: int,
    permissions: Iterable[str] = DEFAULT_PERMISSIONS,
    allowed_addresses: str | Iterable[str] = (),
    created_by: User | None = None,
    ip: str | None = None,
    test: bool = False,
) -> tuple[ApiSecret, str]:
    """Create a secret; return it and its value, which exists nowhere else after this call.

    `test`: a test secret (`cgs_test_…`), which belongs to the tenant's sandbox (made on the
    first one) and acts on nothing else; its place is one of the test places. It is audited in
    the tenant's own trail, where its admins act.

    The tenant row is locked for the count-then-insert, so of N concurrent creators at 3 secrets
    exactly one succeeds.
    """
    name = clean_secret_name(name)
    check_validity_days(validity_days)
    try:
        permissions = clean_permissions(permissions)
    except ValidationError as exc:
        raise ValidationError({"permissions": exc}) from exc
    try:
        allowed_addresses = clean_allowed_addresses(allowed_addresses)
    except ValidationError as exc:
        raise ValidationError({"allowed_addresses": exc}) from exc
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.is_sandbox:
            raise ServiceError(
                "sandbox",
                "A sandbox's secrets are its tenant's test secrets: create one for that tenant.",
            )
        refusal = create_refusal(locked, test=test)
        if refusal is not None:
            raise _CREATE_REFUSED[refusal.code](refusal.code, refusal.message)
        check_name_is_distinct(locked, name)
        value = tokens.generate_api_secret(test=test)
        now = timezone.now()
        try:
            with transaction.atomic():
                secret = ApiSecret.objects.create(
                    tenant=tenant_sandbox(locked) if test else locked,
                    name=name,
                    created_by=created_by,
                    created_at=now,
                    expires_at=now + timedelta(days=validity_days),
                    prefix=tokens.api_secret_display_prefix(value),
                    hashed_value=hash_api_secret(value),
                    allowed_addresses=allowed_addresses,
                    **{field: perm in permissions for perm, (field, _) in PERMISSIONS.items()},
                )
        except IntegrityError as exc:
            raise ValidationError(
                {
                    "name": ValidationError(
                        "An API secret with this name already exists.", code="unique"
                    )
                }
            ) from exc
        record(
            tenant=locked,
            actor=actor,
            action="api_secret.created",
            target=f"api_secret:{secret.name}",
            details={
                "id": str(secret.id),
                "name": secret.name,
                "prefix": secret.prefix,
                "expires_at": secret.expires_at.isoformat(),
                "validity_days": validity_days,
                "permissions": permissions,
                "allowed_addresses": allowed_addresses,
                **({"test": True} if test else {}),
            },
            ip=ip,
        )
        emit(tenant_id=locked.id, event_type=events.API_SECRET_CREATED, data=summary(secret))
    return secret, value


def summary(secret: ApiSecret) -> dict[str, Any]:
    """What webhooks say of a secret: never its value or hash."""
    return {
        "id": str(secret.id),
        "name": secret.name,
        "prefix": secret.prefix,
        "permissions": secret.permissions,
        "allowed_addresses": list(secret.allowed_addresses or []),
        "created_at": DateTimeField().to_representation(secret.created_at),
        "expires_at": DateTimeField().to_representation(secret.expires_at),
    }


def api_secret_roll(
    *,
    secret: ApiSecret,
    actor: Actor,
    overlap: str,
    validity_days: int | None = None,
    created_by: User | None = None,
    ip: str | None = None,
) -> tuple[ApiSecret, str]:
    """Make a successor with the same name, permissions and addresses, valid for `validity_days`
    (default: the old secret's validity period), in the same roll chain (the logs' positions and
    cursors carry over), and let the old secret expire after `overlap` (a ROLL_OVERLAPS key).
    Return the successor and its value (shown once).

    The old secret shares its successor's place (models.places_used), so rolling needs no free
    place. A place holds a secret and at most one predecessor in its overlap: if the secret
    before `secret` still works, it stops working now (audited as api_secret.overlap_ended).
    The tenant row is locked as in create, and the old row too: of two concurrent rolls of one
    secret exactly one succeeds.
    """
    if overlap not in ROLL_OVERLAPS:
        raise ValidationError(
            {"overlap": ValidationError("Choose one of the offered overlaps.", code="invalid")}
        )
    if validity_days is not None:
        try:
            check_validity_days(validity_days)
        except ValidationError as exc:
            raise ValidationError({"validity_days": exc}) from exc
    with transaction.atomic():
        # The live tenant's row, also for a test secret: its API access governs both kinds.
        locked_tenant = Tenant.objects.select_for_update().get(pk=secret.owner.pk)
        if not locked_tenant.api_access_enabled:
            raise ApiAccessDisabled("api_access_disabled", ACCESS_DISABLED_MESSAGE)
        old = _lock(secret, refusal=CannotRoll)
        if old.rolled_at is not None:
            raise CannotRoll(
                "already_rolled", "This API secret was already rolled: roll its successor instead."
            )
        now = timezone.now()
        earlier = (
            ApiSecret.objects.select_for_update()
            .filter(tenant_id=old.tenant_id, replaced_by=old, expires_at__gt=now)
            .first()
        )
        if earlier is not None:
            _end_overlap(earlier, successor=old, tenant=locked_tenant, now=now, actor=actor, ip=ip)
        if validity_days is None:
            validity_days = old.validity_days
        # Marked first: the constraint on names then lets the successor take the same one.
        old.rolled_at = now
        old.save(update_fields=["rolled_at"])
        value = tokens.generate_api_secret(test=old.is_test)
        new = ApiSecret.objects.create(
            tenant_id=old.tenant_id,
            name=old.name,
            created_by=created_by,
            created_at=now,
            expires_at=now + timedelta(days=validity_days),
            prefix=tokens.api_secret_display_prefix(value),
            hashed_value=hash_api_secret(value),
            allowed_addresses=old.allowed_addresses,
            **{field: getattr(old, field) for field, _ in PERMISSIONS.values()},
            # The chain's feed positions and cursors carry over (cybergate.lib.feeds).
            lineage=old.lineage,
            call_log_position=old.call_log_position,
            audit_position=old.audit_position,
        )
        old.replaced_by = new
        old.expires_at = min(old.expires_at, now + ROLL_OVERLAPS[overlap][0])
        old.save(update_fields=["replaced_by", "expires_at"])
        record(
            tenant=locked_tenant,
            actor=actor,
            action="api_secret.rolled",
            target=f"api_secret:{old.name}",
            details={
                "id": str(old.id),
                "successor_id": str(new.id),
                "name": old.name,
                "prefix": new.prefix,
                "overlap": ROLL_OVERLAPS[overlap][1],
                "old_expires_at": old.expires_at.isoformat(),
                "expires_at": new.expires_at.isoformat(),
                "validity_days": validity_days,
            },
            ip=ip,
        )
        emit(
            tenant_id=locked_tenant.id,
            event_type=events.API_SECRET_ROLLED,
            data={**summary(new), "replaces": summary(old)},
        )
        old_id = str(old.id)
        transaction.on_commit(lambda: cache.forget(old_id))
    return new, value


def _end_overlap(
    secret: ApiSecret,
    *,
    successor: ApiSecret,
    tenant: Tenant,
    now: datetime,
    actor: Actor,
    ip: str | None,
) -> None:
    """`secret` (replaced by `successor`, which is being rolled) stops working now."""
    secret.expires_at = now
    secret.save(update_fields=["expires_at"])
    record(
        tenant=tenant,
        actor=actor,
        action="api_secret.overlap_ended",
        target=f"api_secret:{secret.name}",
        details={
            "id": str(secret.id),
            "successor_id": str(successor.id),
            "name": secret.name,
            "prefix": secret.prefix,
            "expires_at": now.isoformat(),
        },
        ip=ip,
    )
    _forget_on_commit(secret)


def api_secret_set_addresses(
    *,
    secret: ApiSecret,
    actor: Actor,
    allowed_addresses: str | Iterable[str],
    ip: str | None = None,
) -> ApiSecret:
    """Replace a secret's allowed addresses (empty: anywhere). Every process applies it within
    the authentication cache's window (0.5 s); this one at once."""
    try:
        addresses = clean_allowed_addresses(allowed_addresses)
    except ValidationError as exc:
        raise ValidationError({"allowed_addresses": exc}) from exc
    with transaction.atomic():
        locked = ApiSecret.objects.select_for_update().get(pk=secret.pk)
        before = locked.allowed_addresses
        if before == addresses:
            return locked
        locked.allowed_addresses = addresses
        locked.save(update_fields=["allowed_addresses"])
        record(
            tenant=secret.owner,
            actor=actor,
            action="api_secret.addresses_changed",
            target=f"api_secret:{locked.name}",
            details={"id": str(locked.id), "before": before, "after": addresses},
            ip=ip,
        )
        _forget_on_commit(locked)
    return locked


def _lock(secret: ApiSecret, *, refusal: type[ServiceError] = ServiceError) -> ApiSecret:
    """`secret`'s row, locked until the transaction ends; `refusal` if it was deleted meanwhile."""
    locked = (
        ApiSecret.objects.select_for_update()
        .filter(pk=secret.pk, tenant_id=secret.tenant_id)
        .first()
    )
    if locked is None:
        raise refusal("not_found", "This API secret no longer exists.")
    return locked


def _forget_on_commit(secret: ApiSecret) -> None:
    """Every process's cached view of `secret` goes once the change commits."""
    secret_id = str(secret.id)
    transaction.on_commit(lambda: cache.forget(secret_id))


def api_secret_update(
    *,
    secret: ApiSecret,
    actor: Actor,
    name: str,
    permissions: Iterable[str],
    ip: str | None = None,
) -> ApiSecret:
    """Rename a secret and replace its permissions (at least one). Audited with what changed;
    nothing changed, nothing written. A rolled secret is edited through its successor."""
    name = clean_secret_name(name)
    try:
        permissions = clean_permissions(permissions)
    except ValidationError as exc:
        raise ValidationError({"permissions": exc}) from exc
    with transaction.atomic():
        locked = _lock(secret)
        if locked.rolled_at is not None:
            raise ServiceError(
                "already_rolled", "This API secret was rolled: edit its successor instead."
            )
        before = {"name": locked.name, "permissions": locked.permissions}
        after = {"name": name, "permissions": permissions}
        if before == after:
            return locked
        if name != locked.name:
            # Its predecessors (rolled secrets of its current name: no other secret can have it)
            # keep that name, so a change of case only is not a clash with them.
            chain = [
                locked.pk,
                *locked.tenant.api_secrets.filter(
                    rolled_at__isnull=False, name=locked.name
                ).values_list("pk", flat=True),
            ]
            # Against every secret its admins manage, live and test (as on creation).
            check_name_is_distinct(locked.owner, name, exclude=chain)
        locked.name = name
        for perm, (field, _) in PERMISSIONS.items():
            setattr(locked, field, perm in permissions)
        try:
            with transaction.atomic():
                locked.save(update_fields=["name", *(f for f, _ in PERMISSIONS.values())])
        except IntegrityError as exc:
            raise ValidationError(
                {
                    "name": ValidationError(
                        "An API secret with this name already exists.", code="unique"
                    )
                }
            ) from exc
        changed = {
            key: {"before": before[key], "after": after[key]}
            for key in before
            if before[key] != after[key]
        }
        record(
            tenant=locked.owner,
            actor=actor,
            action="api_secret.updated",
            target=f"api_secret:{locked.name}",
            details={"id": str(locked.id), "prefix": locked.prefix, **changed},
            ip=ip,
        )
        _forget_on_commit(locked)
    return locked


def api_secret_set_disabled(
    *, secret: ApiSecret, actor: Actor, disabled: bool, ip: str | None = None
) -> ApiSecret:
    """Disable (pause) or enable a secret. A disabled secret is refused (401 disabled_secret) on
    this process at once and on every other within the authentication cache's window (0.5 s);
    it keeps its place, name and expiry. Repeating either is harmless: nothing is written."""
    with transaction.atomic():
        locked = _lock(secret)
        if locked.is_disabled == disabled:
            return locked
        locked.disabled_at = timezone.now() if disabled else None
        locked.save(update_fields=["disabled_at"])
        record(
            tenant=locked.owner,
            actor=actor,
            action="api_secret.disabled" if disabled else "api_secret.enabled",
            target=f"api_secret:{locked.name}",
            details={"id": str(locked.id), "name": locked.name, "prefix": locked.prefix},
            ip=ip,
        )
        _forget_on_commit(locked)
    return locked


def api_secret_delete(
    *, secret: ApiSecret, actor: Actor, ip: str | None = None, action: str = "api_secret.deleted"
) -> None:
    """Delete (revoke) a secret. Callers fetch it from the tenant, so other tenants' are 404."""
    with transaction.atomic():
        details = {"id": str(secret.id), "name": secret.name, "prefix": secret.prefix}
        owner = secret.owner
        tenant = secret.tenant
        deleted = summary(secret)
        secret.delete()
        emit(tenant_id=tenant.id, event_type=events.API_SECRET_DELETED, data=deleted)
        record(
            tenant=owner,
            actor=actor,
            action=action,
            target=f"api_secret:{details['name']}",
            details=details,
            ip=ip,
        )
        transaction.on_commit(lambda: cache.forget(details["id"]))


def api_secrets_revoke_for_offboarding(
    sender: object, *, tenant: Tenant, actor: Actor, ip: str | None, **kwargs: object
) -> dict[str, list[str]]:
    """tenant_offboarding receiver: revoke every secret of the tenant (its test secrets too),
    each through the Delete button's path (audited, evicted from every process's cache within
    its window)."""
    secrets = list(secrets_of(tenant).select_related("tenant"))
    for secret in secrets:
        api_secret_delete(secret=secret, actor=actor, ip=ip, action="api_secret.revoked")
    return {"api_secrets_revoked": sorted(secret.name for secret in secrets)}


def usage_add(*, secret_id: UUID, day: date, count: int, refused: int = 0) -> None:
    """Add `count` authenticated and `refused` refused requests to the secret's row for `day`
    (created on first use). Portable upsert: update, else insert, else (a concurrent insert won)
    update again."""
    if count <= 0 and refused <= 0:
        return
    rows = ApiSecretUsage.objects.filter(secret_id=secret_id, day=day)
    added = {"count": F("count") + count, "refused": F("refused") + refused}
    if rows.update(**added):
        return
    try:
        with transaction.atomic():
            ApiSecretUsage.objects.create(
                secret_id=secret_id, day=day, count=count, refused=refused
            )
    except IntegrityError:
        # Another process inserted the row first, or the secret is gone (then nothing matches).
        rows.update(**added)
