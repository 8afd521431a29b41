from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata

from confusable_homoglyphs import confusables
from django.core.exceptions import ValidationError

from apisecrets.models import (
    ALLOWED_ADDRESSES_MAX,
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


# U+200E LEFT-TO-RIGHT MARK: confusable-homoglyphs keeps it around right-to-left characters (as
# Unicode's confusables.txt prints them in its comments); it is no part of any mapping.
_LRM = "\u200e"


@functools.cache
def _prototypes() -> dict[int, str]:
    """Every confusable character's prototype (Unicode TR39 confusables.txt), for str.translate.

    confusable-homoglyphs ships that data both ways round (each character lists its look-alikes),
    so the direction is read back from it: a character that maps to another lists just that one
    (a single character, or a sequence such as m → "rn"); a prototype lists all its sources. A
    prototype with a single source, which list only each other, is ambiguous: the smaller of the
    two stands for both, which compares the same.
    """
    look_alikes: dict[str, list[str]] = {}
    for char, found in confusables.confusables_data.items():
        look_alikes.setdefault(char.strip(_LRM), []).extend(g["c"].strip(_LRM) for g in found)

    def prototype(char: str) -> str:
        alike = look_alikes[char]
        if len(alike) != 1:
            return char
        other = alike[0]
        if len(other) > 1 or len(look_alikes.get(other, ())) != 1:
            return other
        return min(char, other)

    single = {char: prototype(char) for char in look_alikes if len(char) == 1}
    # A sequence's characters through the same table (so "rn" and the ambiguous pairs agree).
    return {ord(char): "".join(single.get(c, c) for c in target) for char, target in single.items()}


def skeleton(text: str) -> str:
    """The TR39 skeleton: NFD, each character replaced by its prototype, NFD again."""
    mapped = unicodedata.normalize("NFD", text).translate(_prototypes())
    return unicodedata.normalize("NFD", mapped)


def name_look_alike_key(name: str) -> str:
    """Two names that look alike have the same key: the TR39 skeleton, case-folded (names are
    unique regardless of case) and taken again, so "gаmma OLD" (Cyrillic а) meets "gamma old"
    and "Iab" meets "lab"."""
    return skeleton(skeleton(name).casefold())


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


_ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


def clean_allowed_addresses(value) -> list[str]:
    """IPv4/IPv6 addresses and CIDR ranges, from a text (one per line or comma-separated) or a
    list; returned normalised (single addresses without a prefix length), without repeats."""
    items = _ADDRESS_SEPARATORS.split(value) if isinstance(value, str) else list(value or ())
    result: list[str] = []
    errors: list[ValidationError] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        try:
            network = ipaddress.ip_network(item, strict=True)
        except ValueError:
            try:
                loose = ipaddress.ip_network(item, strict=False)
            except ValueError:
                errors.append(
                    ValidationError(
                        "“%(item)s” is not an IP address or CIDR range (examples: 203.0.113.7, "
                        "192.0.2.0/24, 2001:db8::/48).",
                        code="invalid_address",
                        params={"item": item[:64]},
                    )
                )
            else:
                errors.append(
                    ValidationError(
                        "“%(item)s” has bits set after the prefix length: did you mean %(net)s?",
                        code="host_bits_set",
                        params={"item": item[:64], "net": str(loose)},
                    )
                )
            continue
        text = (
            str(network.network_address)
            if network.prefixlen == network.max_prefixlen
            else str(network)
        )
        if text not in result:
            result.append(text)
    if errors:
        raise ValidationError(errors)
    if len(result) > ALLOWED_ADDRESSES_MAX:
        raise ValidationError(
            f"At most {ALLOWED_ADDRESSES_MAX} addresses or ranges (this list has {len(result)}).",
            code="too_many",
        )
    return result


def parse_networks(addresses: list[str]) -> tuple:
    """The stored (already valid) strings as network objects, for the authentication cache."""
    return tuple(ipaddress.ip_network(a) for a in addresses or ())
