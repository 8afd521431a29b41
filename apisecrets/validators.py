from __future__ import annotations

from django.core.exceptions import ValidationError

from apisecrets.models import (
    FORBIDDEN_NAME_CHARACTERS,
    NAME_MAX_LENGTH,
    VALIDITY_MAX_DAYS,
    VALIDITY_MIN_DAYS,
)


def clean_secret_name(value: str) -> str:
    """Trim and check a secret's name; return the name to store."""
    name = (value or "").strip()
    if not name:
        raise ValidationError("Enter a name.", code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            f"Use at most {NAME_MAX_LENGTH} characters (this name has {len(name)}).",
            code="max_length",
        )
    bad = sorted({c for c in name if c in FORBIDDEN_NAME_CHARACTERS})
    if bad:
        raise ValidationError(
            "These characters are not allowed: %(chars)s",
            code="forbidden_characters",
            params={"chars": " ".join(bad)},
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValidationError("Control characters are not allowed.", code="forbidden_characters")
    return name


def check_validity_days(days: int) -> None:
    if not VALIDITY_MIN_DAYS <= days <= VALIDITY_MAX_DAYS:
        raise ValidationError(
            f"Choose between {VALIDITY_MIN_DAYS} and {VALIDITY_MAX_DAYS} days.",
            code="out_of_range",
        )
