"""Bearer values: generation and keyed hashing, shared by API secrets and device credentials.

A value is a short type prefix plus 32 random bytes (256 bits) from `secrets`, base64url encoded.
Only a keyed hash is stored: HMAC-SHA256 under the server's `SECRET_PEPPER`, with the purpose mixed
in so that an API secret's hash can never match a device credential's. OWASP ASVS 5.0 §6.5.2: a
standard hash is enough for secrets of 112 bits and more; a password hash would cost ~0.2 s per
request for nothing.

Pepper rotation: set the new `SECRET_PEPPER` and list the old one in `SECRET_PEPPER_OLD`. Lookups
fall back to the old peppers and re-hash a value found that way, so no integrator is locked out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator

from django.conf import settings

API_SECRET_PREFIX = "cgs_"
DEVICE_CREDENTIAL_PREFIX = "cgd_"
_RANDOM_BYTES = 32
DISPLAY_PREFIX_LENGTH = 8


def generate(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(_RANDOM_BYTES)


def keyed_hash(value: str, *, purpose: str, pepper: str | None = None) -> str:
    key = (pepper if pepper is not None else settings.SECRET_PEPPER).encode()
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def old_hashes(value: str, *, purpose: str) -> Iterator[str]:
    """Hashes of `value` under each retired pepper, newest first."""
    for pepper in settings.SECRET_PEPPER_OLD:
        yield keyed_hash(value, purpose=purpose, pepper=pepper)


def looks_like(value: str, prefix: str) -> bool:
    """Cheap shape check before any lookup: right prefix, sane length, URL-safe characters."""
    body = value[len(prefix) :]
    return (
        value.startswith(prefix)
        and 32 <= len(body) <= 64
        and all(c.isalnum() or c in "-_" for c in body)
    )
