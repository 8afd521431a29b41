""" "Get new entries" of an append-only tenant log (call log, audit trail) — SPEC §3.

Keyset reads on the (tenant, id) index: `WHERE tenant = t AND id > p ORDER BY id LIMIT n + 1`,
so the cost of a page does not depend on how long the log is (no OFFSET, no COUNT).

Each API secret has a read position per log (the highest id it was given). Without a cursor the
secret's row is locked (SELECT ... FOR UPDATE) while the page is read and the position moved, so
two concurrent readers with one secret never get the same entries. Appends hold a per-tenant
advisory lock until commit (audit.services.lock_log_for_append), so a tenant's ids become visible
in commit order and moving the position past the highest visible id never skips a late commit.

Cursors are opaque and tamper-proof: the position is encrypted (integer ids come from a global
sequence, so a readable id would leak how busy other tenants are) and signed with a salt naming
the log and the tenant — a cursor of another log or tenant, or an edited one, is `invalid_cursor`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as stdlib_secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import models, transaction

from apisecrets.models import ApiSecret
from cybergate.problems import Problem

LIMIT_DEFAULT = 100


@dataclass(frozen=True)
class Feed:
    kind: str  # "call_log" | "audit"
    model: type[models.Model]
    position_field: str  # on ApiSecret


@dataclass(frozen=True)
class Page:
    entries: list[Any]
    cursor: str
    has_more: bool


def _key(kind: str) -> bytes:
    return hashlib.sha256(f"cybergate.feeds.{kind}\x00{settings.SECRET_KEY}".encode()).digest()


def _signer(feed: Feed, tenant_id: Any) -> signing.Signer:
    return signing.Signer(salt=f"cybergate.feeds.{feed.kind}.{tenant_id}")


def encode_cursor(feed: Feed, tenant_id: Any, position: int) -> str:
    """Encrypt (random nonce, HMAC-SHA256 keystream) then sign the 8-byte position."""
    nonce = stdlib_secrets.token_bytes(8)
    stream = hmac.new(_key(feed.kind), nonce, hashlib.sha256).digest()[:8]
    sealed = bytes(a ^ b for a, b in zip(position.to_bytes(8, "big"), stream, strict=True))
    token = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()
    return _signer(feed, tenant_id).sign(token)


def decode_cursor(feed: Feed, tenant_id: Any, cursor: str) -> int:
    try:
        token = _signer(feed, tenant_id).unsign(cursor)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (signing.BadSignature, ValueError, TypeError):
        raise Problem(400, "invalid_cursor", "The cursor is not valid for this log.") from None
    if len(raw) != 16:
        raise Problem(400, "invalid_cursor", "The cursor is not valid for this log.")
    nonce, sealed = raw[:8], raw[8:]
    stream = hmac.new(_key(feed.kind), nonce, hashlib.sha256).digest()[:8]
    return int.from_bytes(bytes(a ^ b for a, b in zip(sealed, stream, strict=True)), "big")


def _page(feed: Feed, tenant_id: Any, position: int, limit: int) -> tuple[list[Any], int, bool]:
    rows = list(
        feed.model.objects.filter(tenant_id=tenant_id, id__gt=position).order_by("id")[: limit + 1]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if rows else position), has_more


def read_new_entries(
    *, feed: Feed, secret: ApiSecret, limit: int, after: str | None = None
) -> Page:
    """Entries after `after` (moving nothing), or the ones this secret has not been given yet."""
    tenant_id = secret.tenant_id
    if after is not None:
        position = decode_cursor(feed, tenant_id, after)
        rows, end, has_more = _page(feed, tenant_id, position, limit)
    else:
        with transaction.atomic():
            locked = (
                ApiSecret.objects.select_for_update()
                .filter(pk=secret.pk)
                .values_list(feed.position_field, flat=True)
                .first()
            )
            if locked is None:  # deleted since authentication (within the cache window)
                raise Problem(401, "invalid_secret", "The API secret is not valid.")
            rows, end, has_more = _page(feed, tenant_id, locked, limit)
            if end != locked:
                ApiSecret.objects.filter(pk=secret.pk).update(**{feed.position_field: end})
    return Page(entries=rows, cursor=encode_cursor(feed, tenant_id, end), has_more=has_more)
