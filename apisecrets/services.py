"""Writes of API secrets: every rule is enforced here, for the page, admin and commands alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.fields import DateTimeField

from apisecrets import cache, tokens
from apisecrets.models import (
    MAX_PER_TENANT,
    PERMISSIONS,
    ROLL_OVERLAPS,
    VALIDITY_MAX_DAYS,
    VALIDITY_MIN_DAYS,
    ApiSecret,
    ApiSecretUsage,
    places_used,
)
from apisecrets.validators import (
    check_validity_days,
    clean_allowed_addresses,
    clean_permissions,
    clean_secret_name,
    name_look_alike_key,
)
from audit.services import Actor, record
from tenants.models import Tenant, User
from webhooks import events
from webhooks.services import emit

API_SECRET_PURPOSE = "api_secret"


class SecretLimitReached(ValidationError):
    pass


class ApiAccessDisabled(ValidationError):
    pass


ACCESS_DISABLED_MESSAGE = "API access is not enabled for this tenant. Contact support to enable it."


@dataclass(frozen=True)
class CreateRefusal:
    """Why a tenant cannot create an API secret now: a stable code and the sentence to show."""

    code: str  # "api_access_disabled" or "limit_reached"
    message: str

    def error(self) -> ValidationError:
        kind = ApiAccessDisabled if self.code == "api_access_disabled" else SecretLimitReached
        return kind(self.message, code=self.code)


def create_refusal(
    tenant: Tenant, secrets: Iterable[ApiSecret] | None = None
) -> CreateRefusal | None:
    """Can `tenant` create an API secret now? None if it can, else why not.

    The one statement of the rule, for the service (under the tenant row's lock), the Create
    page and the API Access page's button and note. `secrets`: the tenant's secrets when the
    caller has them already (the page's list), else they are read.
    """
    if not tenant.api_access_enabled:
        return CreateRefusal("api_access_disabled", ACCESS_DISABLED_MESSAGE)
    if secrets is None:
        secrets = tenant.api_secrets.only("replaced_by")
    limit = MAX_PER_TENANT
    if places_used(secrets) >= limit:
        return CreateRefusal(
            "limit_reached",
            f"You have reached the maximum: at most {limit} API secrets per tenant. "
            "Delete one to create another.",
        )
    return None


def check_name_is_distinct(tenant: Tenant, name: str) -> None:
    """Refuse a name that is, or looks like (Unicode TR39 confusables, any case), the name of
    another of the tenant's secrets: "gаmma old" with a Cyrillic а beside "gamma old"."""
    key = name_look_alike_key(name)
    for other in tenant.api_secrets.values_list("name", flat=True):
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
    permissions: Iterable[str] = tuple(PERMISSIONS),
    allowed_addresses: str | Iterable[str] = (),
    created_by: User | None = None,
    ip: str | None = None,
) -> tuple[ApiSecret, str]:
    """Create a secret; return it and its value, which exists nowhere else after this call.

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
        refusal = create_refusal(locked)
        if refusal is not None:
            raise refusal.error()
        check_name_is_distinct(locked, name)
        value = tokens.generate_api_secret()
        now = timezone.now()
        try:
            with transaction.atomic():
                secret = ApiSecret.objects.create(
                    tenant=locked,
                    name=name,
                    created_by=created_by,
                    created_at=now,
                    expires_at=now + timedelta(days=validity_days),
                    prefix=value[: tokens.DISPLAY_PREFIX_LENGTH],
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
        "permissions": [perm for perm, (field, _) in PERMISSIONS.items() if getattr(secret, field)],
        "allowed_addresses": list(secret.allowed_addresses or []),
        "created_at": DateTimeField().to_representation(secret.created_at),
        "expires_at": DateTimeField().to_representation(secret.expires_at),
    }


class CannotRoll(ValidationError):
    pass


def api_secret_roll(
    *,
    secret: ApiSecret,
    actor: Actor,
    overlap: str,
    created_by: User | None = None,
    ip: str | None = None,
) -> tuple[ApiSecret, str]:
    """Make a successor with the same name, permissions and addresses (and validity period) and
    let the old secret expire after `overlap` (a ROLL_OVERLAPS key). Return the successor and
    its value (shown once).

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
    with transaction.atomic():
        locked_tenant = Tenant.objects.select_for_update().get(pk=secret.tenant_id)
        if not locked_tenant.api_access_enabled:
            raise ApiAccessDisabled(ACCESS_DISABLED_MESSAGE, code="api_access_disabled")
        old = (
            ApiSecret.objects.select_for_update().filter(pk=secret.pk, tenant=locked_tenant).first()
        )
        if old is None:
            raise CannotRoll("This API secret no longer exists.", code="gone")
        if old.rolled_at is not None:
            raise CannotRoll(
                "This API secret was already rolled: roll its successor instead.",
                code="already_rolled",
            )
        now = timezone.now()
        earlier = (
            locked_tenant.api_secrets.select_for_update()
            .filter(replaced_by=old, expires_at__gt=now)
            .first()
        )
        if earlier is not None:
            _end_overlap(earlier, successor=old, tenant=locked_tenant, now=now, actor=actor, ip=ip)
        period = old.expires_at - old.created_at
        validity_days = min(
            max(round(period / timedelta(days=1)), VALIDITY_MIN_DAYS), VALIDITY_MAX_DAYS
        )
        # Marked first: the constraint on names then lets the successor take the same one.
        old.rolled_at = now
        old.save(update_fields=["rolled_at"])
        value = tokens.generate_api_secret()
        new = ApiSecret.objects.create(
            tenant=locked_tenant,
            name=old.name,
            created_by=created_by,
            created_at=now,
            expires_at=now + timedelta(days=validity_days),
            prefix=value[: tokens.DISPLAY_PREFIX_LENGTH],
            hashed_value=hash_api_secret(value),
            allowed_addresses=old.allowed_addresses,
            **{field: getattr(old, field) for field, _ in PERMISSIONS.values()},
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
    secret_id = str(secret.id)
    transaction.on_commit(lambda: cache.forget(secret_id))


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
            tenant=secret.tenant,
            actor=actor,
            action="api_secret.addresses_changed",
            target=f"api_secret:{locked.name}",
            details={"id": str(locked.id), "before": before, "after": addresses},
            ip=ip,
        )
        secret_id = str(locked.id)
        transaction.on_commit(lambda: cache.forget(secret_id))
    return locked


def api_secret_delete(
    *, secret: ApiSecret, actor: Actor, ip: str | None = None, action: str = "api_secret.deleted"
) -> None:
    """Delete (revoke) a secret. Callers fetch it from the tenant, so other tenants' are 404."""
    with transaction.atomic():
        details = {"id": str(secret.id), "name": secret.name, "prefix": secret.prefix}
        tenant = secret.tenant
        deleted = summary(secret)
        secret.delete()
        emit(tenant_id=tenant.id, event_type=events.API_SECRET_DELETED, data=deleted)
        record(
            tenant=tenant,
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
    """tenant_offboarding receiver: revoke every secret of the tenant, each through the Delete
    button's path (audited, evicted from every process's cache within its window)."""
    secrets = list(tenant.api_secrets.all())
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
