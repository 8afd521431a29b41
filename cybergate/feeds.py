""" "Get new entries" of an append-only tenant log (call log, audit trail), at least once.

Reading never changes anything: GET (and HEAD, a retry, Swagger's "Try it out") returns the entries
after the secret's acknowledged position, or after the `after` cursor, and the same entries again
until the client acknowledges a cursor (`ack`), which moves the position forward only. A client
that crashes between reading and processing loses nothing.

Keyset reads on the (tenant, id) index: `WHERE tenant = t AND id > p ORDER BY id LIMIT n + 1`, so
the cost of a page does not depend on how long the log is (no OFFSET, no COUNT). Appends hold a
per-tenant advisory lock until commit (audit.services.lock_log_for_append), so a tenant's ids
become visible in commit order and a cursor past the highest visible id never skips a late commit.

Cursors are opaque and tamper-proof: the position is encrypted (integer ids come from a global
sequence, so a readable id would leak how busy other tenants are) and signed with a salt naming
the log, the tenant and the secret — a cursor of another log, tenant or secret, or an edited one,
is `invalid_cursor`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as stdlib_secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.db import models

from cybergate.problems import Problem

if TYPE_CHECKING:  # a core module imports no app; positions live on the reading secret's row
    from apisecrets.models import ApiSecret

LIMIT_DEFAULT = 100
START = "start"  # `after=start`: replay from the oldest kept entry


@dataclass(frozen=True)
class Feed:
    kind: str  # "call_log" | "audit"
    model: type[models.Model]
    position_field: str  # on ApiSecret: the highest id the secret acknowledged


@dataclass(frozen=True)
class Page:
    entries: list[Any]
    cursor: str
    has_more: bool


def _key(kind: str) -> bytes:
    return hashlib.sha256(f"cybergate.feeds.{kind}\x00{settings.SECRET_KEY}".encode()).digest()


def _signer(feed: Feed, secret: ApiSecret) -> signing.Signer:
    return signing.Signer(salt=f"cybergate.feeds.{feed.kind}.{secret.tenant_id}.{secret.pk}")


def _invalid_cursor() -> Problem:
    return Problem(400, "invalid_cursor", "The cursor is not valid for this log and API secret.")


def encode_cursor(feed: Feed, secret: ApiSecret, position: int) -> str:
    """Encrypt (random nonce, HMAC-SHA256 keystream) then sign the 8-byte position."""
    nonce = stdlib_secrets.token_bytes(8)
    stream = hmac.new(_key(feed.kind), nonce, hashlib.sha256).digest()[:8]
    sealed = bytes(a ^ b for a, b in zip(position.to_bytes(8, "big"), stream, strict=True))
    token = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()
    return _signer(feed, secret).sign(token)


def decode_cursor(feed: Feed, secret: ApiSecret, cursor: str) -> int:
    try:
        token = _signer(feed, secret).unsign(cursor)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (signing.BadSignature, ValueError, TypeError):
        raise _invalid_cursor() from None
    if len(raw) != 16:
        raise _invalid_cursor()
    nonce, sealed = raw[:8], raw[8:]
    stream = hmac.new(_key(feed.kind), nonce, hashlib.sha256).digest()[:8]
    return int.from_bytes(bytes(a ^ b for a, b in zip(sealed, stream, strict=True)), "big")


def _acknowledged_position(feed: Feed, secret: ApiSecret) -> int:
    position = (
        type(secret)
        .objects.filter(pk=secret.pk)
        .values_list(feed.position_field, flat=True)
        .first()
    )
    if position is None:  # deleted since authentication (within the cache window)
        raise Problem(401, "invalid_secret", "The API secret is not valid.")
    return position


def read_new_entries(
    *, feed: Feed, secret: ApiSecret, limit: int, after: str | None = None
) -> Page:
    """Entries after `after` (`start`: from the oldest kept), else after the secret's
    acknowledged position. Changes nothing."""
    if after is None:
        position = _acknowledged_position(feed, secret)
    elif after == START:
        position = 0
    else:
        position = decode_cursor(feed, secret, after)
    rows = list(
        feed.model._default_manager.filter(tenant_id=secret.tenant_id, id__gt=position).order_by(
            "id"
        )[: limit + 1]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    end = rows[-1].pk if rows else position
    return Page(entries=rows, cursor=encode_cursor(feed, secret, end), has_more=has_more)


def acknowledge(*, feed: Feed, secret: ApiSecret, cursor: str) -> None:
    """Move the secret's position forward to `cursor`: one conditional UPDATE, so it never goes
    backwards, repeating it changes nothing, and concurrent acks keep the furthest."""
    position = decode_cursor(feed, secret, cursor)
    type(secret).objects.filter(pk=secret.pk, **{f"{feed.position_field}__lt": position}).update(
        **{feed.position_field: position}
    )
