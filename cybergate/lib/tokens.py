"""Bearer values: generation and keyed hashing, shared by API secrets and device credentials.

A value is a short type prefix plus 32 random bytes (256 bits) from `secrets`, base64url encoded.
Only a keyed hash is stored: HMAC-SHA256 under the server's `SECRET_PEPPER`, with the purpose mixed
in so that an API secret's hash can never match a device credential's. OWASP ASVS 5.0 §6.5.2: a
standard hash is enough for secrets of 112 bits and more; a password hash would cost ~0.2 s per
request for nothing.

API secrets have a checksum (as GitHub's tokens): `cgs_` + 40 random base62 characters (238 bits)
+ the CRC32 of everything before it (`cgs_` and the random part), base62, zero-padded to 6
characters. A leak scanner recognises a real secret offline with `\bcgs_[0-9A-Za-z]{46}\b` and the
checksum; the server refuses a mistyped or made-up value before any cache or database lookup.
Secrets made before this format (`cgs_` + 43 base64url characters) keep working until they expire.
Test secrets (the sandbox) have a prefix of their own, `cgs_test_`, and the same random part and
checksum: a scanner tells them apart, and neither pattern matches the other's values.

Pepper rotation: set the new `SECRET_PEPPER` and list the old one in `SECRET_PEPPER_OLD`. Every
lookup goes through `find`, which falls back to the old peppers and re-hashes a value found that
way, so no integrator or device is locked out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import zlib
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet

API_SECRET_PREFIX = "cgs_"
TEST_API_SECRET_PREFIX = "cgs_test_"
DEVICE_CREDENTIAL_PREFIX = "cgd_"
_RANDOM_BYTES = 32
DISPLAY_PREFIX_LENGTH = 8
# A test secret's display prefix: `cgs_test_` and as many random characters as a live one shows.
TEST_DISPLAY_PREFIX_LENGTH = (
    DISPLAY_PREFIX_LENGTH + len(TEST_API_SECRET_PREFIX) - len(API_SECRET_PREFIX)
)
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
API_SECRET_RANDOM_LENGTH = 40
CHECKSUM_LENGTH = 6
API_SECRET_LENGTH = len(API_SECRET_PREFIX) + API_SECRET_RANDOM_LENGTH + CHECKSUM_LENGTH
TEST_API_SECRET_LENGTH = len(TEST_API_SECRET_PREFIX) + API_SECRET_RANDOM_LENGTH + CHECKSUM_LENGTH
# For leak scanners (README): the checksummed formats, live and test.
API_SECRET_PATTERN = r"\bcgs_[0-9A-Za-z]{46}\b"
TEST_API_SECRET_PATTERN = r"\bcgs_test_[0-9A-Za-z]{46}\b"
_BASE62_SET = frozenset(BASE62)


def generate(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(_RANDOM_BYTES)


def checksum(text: str) -> str:
    """CRC32 of `text` in base62, zero-padded to CHECKSUM_LENGTH characters (62**6 > 2**32)."""
    number = zlib.crc32(text.encode())
    digits = []
    while number:
        number, digit = divmod(number, 62)
        digits.append(BASE62[digit])
    return "".join(reversed(digits)).rjust(CHECKSUM_LENGTH, BASE62[0])


def generate_api_secret(*, test: bool = False) -> str:
    prefix = TEST_API_SECRET_PREFIX if test else API_SECRET_PREFIX
    body = prefix + "".join(secrets.choice(BASE62) for _ in range(API_SECRET_RANDOM_LENGTH))
    return body + checksum(body)


def api_secret_display_prefix(value: str) -> str:
    """What the table shows of a secret: `cgs_` or `cgs_test_` and its first random characters."""
    if value.startswith(TEST_API_SECRET_PREFIX):
        return value[:TEST_DISPLAY_PREFIX_LENGTH]
    return value[:DISPLAY_PREFIX_LENGTH]


def _format_prefix(value: str) -> str | None:
    """The prefix of the checksummed format `value` has the length of, if any (the old format's
    values are 47 characters)."""
    if len(value) == API_SECRET_LENGTH:
        return API_SECRET_PREFIX
    if len(value) == TEST_API_SECRET_LENGTH and value.startswith(TEST_API_SECRET_PREFIX):
        return TEST_API_SECRET_PREFIX
    return None


def is_checksummed(value: str) -> bool:
    """Has a checksummed format's length (live or test)."""
    return _format_prefix(value) is not None


def checksum_ok(value: str) -> bool:
    """A checksummed-format value whose characters and checksum are right (no lookup)."""
    prefix = _format_prefix(value)
    body, check = value[:-CHECKSUM_LENGTH], value[-CHECKSUM_LENGTH:]
    return (
        prefix is not None
        and _BASE62_SET.issuperset(value[len(prefix) :])
        and checksum(body) == check
    )


def keyed_hash(value: str, *, purpose: str, pepper: str | None = None) -> str:
    key = (pepper if pepper is not None else settings.SECRET_PEPPER).encode()
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def old_hashes(value: str, *, purpose: str) -> Iterator[str]:
    """Hashes of `value` under each retired pepper, newest first."""
    for pepper in settings.SECRET_PEPPER_OLD:
        yield keyed_hash(value, purpose=purpose, pepper=pepper)


def find(queryset: QuerySet, field: str, value: str, purpose: str) -> Any:
    """The first row of `queryset` whose `field` holds `value`'s keyed hash, or None.

    One indexed query under the current pepper; only on a miss, one more per retired pepper
    (newest first). A row found under a retired pepper is re-hashed to the current one, so the
    next lookup takes the first query. `queryset` may be a `values_list()` one: the row comes
    back in whatever form the queryset yields.
    """
    hashed = keyed_hash(value, purpose=purpose)
    row = queryset.filter(**{field: hashed}).first()
    if row is not None:
        return row
    for old in old_hashes(value, purpose=purpose):
        row = queryset.filter(**{field: old}).first()
        if row is not None:
            # Conditional on the old hash: of two processes re-hashing at once, one writes.
            queryset.filter(**{field: old}).update(**{field: hashed})
            if isinstance(row, Model):
                setattr(row, field, hashed)
            return row
    return None


def looks_like(value: str, prefix: str) -> bool:
    """Cheap shape check before any lookup: right prefix, sane length, URL-safe characters."""
    body = value[len(prefix) :]
    return (
        value.startswith(prefix)
        and 32 <= len(body) <= 64
        and all(c.isalnum() or c in "-_" for c in body)
    )
