"""Endpoint signing secrets: `whsec_` + base64 of 32 random bytes, stored encrypted (Fernet,
a key of its own derived from SECRET_KEY) so that they can be shown on demand but never lie in
the database, a backup or a log in clear text."""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

PREFIX = "whsec_"


def generate() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"cybergate.webhook-secrets:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def decrypt_or_none(token: str) -> str | None:
    """The secret, or None when it was encrypted under another SECRET_KEY."""
    try:
        return decrypt(token)
    except InvalidToken:
        return None
