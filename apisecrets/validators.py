from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

from apisecrets.models import (
    FORBIDDEN_NAME_CHARACTERS,
    NAME_MAX_LENGTH,
    PERMISSIONS,
    VALIDITY_MAX_DAYS,
    VALIDITY_MIN_DAYS,
)

# Unicode categories a name may not contain: controls (Cc), invisible format characters such as
# U+200B zero-width space and U+202E right-to-left override (Cf), line and paragraph separators
# (Zl, Zp), private use (Co), surrogates (Cs) and unassigned code points (Cn). A name appears in
# audit entries and tables, where such characters hide or reorder what a reader sees.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})


def clean_secret_name(value: str) -> str:
    """Normalise (NFKC), trim and check a secret's name; return the name to store.

    NFKC first, so that look-alikes become what they look like (full-width `＠` becomes `@`,
    which the forbidden-characters rule then refuses; `Ａdmin` and `Admin` are one name).
    """
    name = unicodedata.normalize("NFKC", value or "").strip()
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
    hidden = sorted({c for c in name if unicodedata.category(c) in REFUSED_CATEGORIES})
    if hidden:
        raise ValidationError(
            "Control and invisible characters are not allowed: %(chars)s",
            code="forbidden_characters",
            params={"chars": " ".join(f"U+{ord(c):04X}" for c in hidden)},
        )
    return name


def check_validity_days(days: int) -> None:
    if not VALIDITY_MIN_DAYS <= days <= VALIDITY_MAX_DAYS:
        raise ValidationError(
            f"Choose between {VALIDITY_MIN_DAYS} and {VALIDITY_MAX_DAYS} days.",
            code="out_of_range",
        )


def clean_permissions(values) -> list[str]:
    """At least one known permission; returned in the canonical order, without repeats."""
    chosen = set(values or ())
    unknown = sorted(chosen - set(PERMISSIONS))
    if unknown:
        raise ValidationError(
            "Unknown permission: %(names)s. Choose from: %(known)s.",
            code="invalid_choice",
            params={"names": ", ".join(unknown), "known": ", ".join(PERMISSIONS)},
        )
    if not chosen:
        raise ValidationError("Choose at least one permission.", code="required")
    return [name for name in PERMISSIONS if name in chosen]
