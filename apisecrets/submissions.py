"""One-time tokens of the Create and Roll forms: a double submit shows the same secret, not an
error ("already rolled").

Without JavaScript a second click on Generate aborts the first request and sends the form again;
the browser then shows only the second answer. So the form carries a random token: the first
request creates the secret and leaves its value, encrypted with a key derived from the token, in
the cache for a few minutes; a second request with the same token (same user and session) shows
that same value once more and spends the entry. The key lives only in the user's form, so the
cache never holds a usable secret. A request arriving while the first one still runs waits for it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.core.cache import cache

TOKEN_FIELD = "submit_token"
# secrets.token_urlsafe(32) here; the browser makes its own (base64url of 32 random bytes).
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
TTL_SECONDS = 300
WAIT_SECONDS = 10.0
_PENDING = "pending"
_SPENT = "spent"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_from(data) -> str | None:
    token = data.get(TOKEN_FIELD, "")
    return token if TOKEN_PATTERN.match(token) else None


def _cache_key(token: str) -> str:
    return "apisecret-submit:" + hashlib.sha256(b"id:" + token.encode()).hexdigest()


def _fernet(token: str) -> Fernet:
    key = hashlib.sha256(b"key:" + token.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _owner(user_id, session_key: str | None) -> str:
    return hashlib.sha256(f"{user_id}:{session_key or ''}".encode()).hexdigest()


@dataclass(frozen=True)
class Replay:
    """What a repeated submit gets: the secret again, or (None, None) once it was spent."""

    secret_id: str | None
    value: str | None


def claim(token: str) -> bool:
    """True for the first request with this token (it goes on to create the secret)."""
    return cache.add(_cache_key(token), _PENDING, timeout=TTL_SECONDS)


def release(token: str) -> None:
    """The first request created nothing (invalid input): the token may be sent again."""
    cache.delete(_cache_key(token))


def remember(token: str, *, user_id, session_key: str | None, secret_id, value: str) -> None:
    entry = {
        "owner": _owner(user_id, session_key),
        "secret": str(secret_id),
        "box": _fernet(token).encrypt(value.encode()).decode(),
    }
    cache.set(_cache_key(token), entry, timeout=TTL_SECONDS)


def replay(token: str, *, user_id, session_key: str | None) -> Replay | None:
    """The secret of an earlier submit with this token; None if the form may be processed anew."""
    key = _cache_key(token)
    deadline = time.monotonic() + WAIT_SECONDS
    entry = cache.get(key)
    while entry == _PENDING and time.monotonic() < deadline:
        time.sleep(0.05)
        entry = cache.get(key)
    if entry is None or entry == _PENDING:
        return None if entry is None else Replay(None, None)
    if entry == _SPENT or entry["owner"] != _owner(user_id, session_key):
        return Replay(None, None)
    # Shown this second time only: afterwards the token only says "already sent".
    cache.set(key, _SPENT, timeout=TTL_SECONDS)
    try:
        value = _fernet(token).decrypt(entry["box"].encode()).decode()
    except InvalidToken:
        return Replay(None, None)
    return Replay(entry["secret"], value)
