""" "Get new entries" of an append-only tenant log (call log, audit trail), at least once.

Reading never changes anything: GET (and HEAD, a retry, Swagger's "Try it out") returns the entries
after the secret's acknowledged position, or after the `after` cursor, and the same entries again
until the client acknowledges a cursor (`ack`), which moves the position forward only. A client
that crashes between reading and processing loses nothing.

Keyset reads on the (tenant, id) index: `WHERE tenant = t AND id > p ORDER BY id LIMIT n + 1`, so
the cost of a page does not depend on how long the log is (no OFFSET, no COUNT). Appends hold a
per-tenant advisory lock until commit (audit.services.append_to_log), so a tenant's ids
become visible in commit order and a cursor past the highest visible id never skips a late commit.

Cursors are opaque and tamper-proof: the position is sealed with AES-256-GCM (`cryptography`; a
key derived from SECRET_KEY with HKDF, a random nonce per cursor), since integer ids come from a
global sequence and a readable id would leak how busy other tenants are. The log, the tenant and
the secret's roll chain (`lineage`, the id of the chain's first secret) are the authenticated
associated data: a cursor of another log, tenant or secret, or an edited one, fails authentication
and is `invalid_cursor`.

A roll chain shares one position per log: a successor reads on from where its predecessor
acknowledged, and accepts the cursors issued to it (and the predecessor, during its overlap, those
of the successor). An ack moves every secret of the chain forward; the position read is the
highest of the chain's, so an ack by the predecessor racing with the roll (the successor's row not
yet visible to it) still counts once the roll has committed. Cursors issued before this format (a
signed keystream, `<token>:<signature>`) are `invalid_cursor` too, with a detail saying to read
again without `after`: the acknowledged position is kept on the server, so nothing is lost.
"""

from __future__ import annotations

import base64
import re
import secrets as stdlib_secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

from cybergate.lib import metrics
from cybergate.lib.problems import Problem


class Reader(Protocol):
    """Who reads a feed: a row (the API secret) that keeps the acknowledged positions of its roll
    chain (`lineage`) in the feeds' `position_field`s. A protocol, as the library names no app."""

    @property
    def pk(self) -> Any: ...
    @property
    def tenant_id(self) -> Any: ...
    @property
    def lineage(self) -> Any: ...
    @property
    def _meta(self) -> Any: ...


LIMIT_DEFAULT = 100
START = "start"  # `after=start`: replay from the oldest kept entry


@dataclass(frozen=True)
class Feed:
    kind: str  # "call_log" | "audit"
    model: type[models.Model]
    position_field: str  # on the Reader's row: the highest id its roll chain acknowledged


@dataclass(frozen=True)
class Page:
    entries: list[Any]
    cursor: str
    has_more: bool


_NONCE_BYTES = 12  # AES-GCM's standard nonce, random per cursor
# nonce + sealed 8-byte position + 16-byte tag = 36 bytes: 48 base64url characters, no padding
_CURSOR = re.compile(r"[A-Za-z0-9_-]{48}")


@lru_cache(maxsize=8)
def _aead(secret_key: str) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"cybergate.lib.feeds.cursor"
    ).derive(secret_key.encode())
    return AESGCM(key)


def _associated_data(feed: Feed, secret: Reader) -> bytes:
    return f"{feed.kind}\x00{secret.tenant_id}\x00{secret.lineage}".encode()


def _invalid_cursor() -> Problem:
    return Problem(400, "invalid_cursor", "The cursor is not valid for this log and API secret.")


def encode_cursor(feed: Feed, secret: Reader, position: int) -> str:
    """Seal the 8-byte position with AES-GCM, bound to the log, the tenant and the secret's roll
    chain."""
    nonce = stdlib_secrets.token_bytes(_NONCE_BYTES)
    sealed = _aead(settings.SECRET_KEY).encrypt(
        nonce, position.to_bytes(8, "big"), _associated_data(feed, secret)
    )
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def decode_cursor(feed: Feed, secret: Reader, cursor: str) -> int:
    if not _CURSOR.fullmatch(cursor):
        if ":" in cursor:  # the format before AES-GCM (a signed token)
            raise Problem(
                400,
                "invalid_cursor",
                "This cursor is from an earlier format that is no longer accepted: read again "
                "without `after` to continue from the acknowledged position.",
            )
        raise _invalid_cursor()
    raw = base64.urlsafe_b64decode(cursor)  # 48 characters of the alphabet: always 36 bytes
    nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    data = _associated_data(feed, secret)
    # Cursors sealed before a key rotation stay valid while the old key is a fallback.
    for secret_key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        try:
            return int.from_bytes(_aead(secret_key).decrypt(nonce, sealed, data), "big")
        except InvalidTag:
            continue
    raise _invalid_cursor()


def _acknowledged_position(feed: Feed, secret: Reader) -> int:
    """The highest position of the secret's roll chain."""
    positions = dict(
        secret._meta.model._default_manager.filter(lineage=secret.lineage).values_list(
            "pk", feed.position_field
        )
    )
    if secret.pk not in positions:  # deleted since authentication (within the cache window)
        raise Problem(401, "invalid_secret", "The API secret is not valid.")
    return max(positions.values())


def read_new_entries(*, feed: Feed, secret: Reader, limit: int, after: str | None = None) -> Page:
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
    metrics.feed_entries_served.labels(feed.kind).inc(len(rows))
    return Page(entries=rows, cursor=encode_cursor(feed, secret, end), has_more=has_more)


def wake_topic(kind: str, key: object) -> str:
    """What a long-poll waits for and a write announces (the wake-up hub's key): new entries of a
    tenant's log (`call_log:<tenant id>`, `audit:<tenant id>`) or a door-open command's outcome."""
    return f"{kind}:{key}"


def acknowledge(*, feed: Feed, secret: Reader, cursor: str) -> None:
    """Move the position of the secret's roll chain forward to `cursor`: one conditional UPDATE,
    so it never goes backwards, repeating it changes nothing, and concurrent acks keep the
    furthest."""
    position = decode_cursor(feed, secret, cursor)
    secret._meta.model._default_manager.filter(
        lineage=secret.lineage, **{f"{feed.position_field}__lt": position}
    ).update(**{feed.position_field: position})
    metrics.feed_acks.labels(feed.kind).inc()
