"""Reading the environment: django-environ behind typed getters that name the variable on error.

Every setting that comes from the environment is read through these getters (settings.py), one
per type. A value that does not parse or breaks its rule stops start-up with
`ImproperlyConfigured("Environment variable NAME is malformed: 'value' (why)")`, so the operator
learns which variable to fix. Defaults are given as the typed value, never as text.
"""

from __future__ import annotations

import ipaddress
import os
import re
import zoneinfo
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import environ
from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")

_env = environ.Env()

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
# DRF's rate syntax: '600/min', '10/s', '1000/hour', '5/day' (DRF reads the period's first letter).
_RATE = re.compile(r"(\d+)/[smhd].*")


def malformed(name: str, value: Any, why: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"Environment variable {name} is malformed: {value!r} ({why})")


def _raw(name: str) -> str:
    return _env.str(name, default="")


def _parse(name: str, reader: Callable[..., T], default: Any, *, hint: str = "") -> T:
    """django-environ's reader; any parse error becomes a message naming the variable and its
    value, or, given a `hint`, the hint instead of the value (a URL may hold a password)."""
    try:
        return reader(name, default=default)
    except Exception as exc:  # any parse failure is a configuration error
        if hint:
            raise ImproperlyConfigured(
                f"Environment variable {name} is malformed: {hint}"
            ) from None
        raise malformed(name, _raw(name), str(exc)) from exc


def _check_bounds(
    name: str,
    value: float,
    above: float | None,
    minimum: float | None,
    maximum: float | None = None,
) -> None:
    if above is not None and not value > above:
        raise malformed(name, value, f"must be above {above:g}")
    if minimum is not None and value < minimum:
        raise malformed(name, value, f"must be at least {minimum:g}")
    if maximum is not None and value > maximum:
        raise malformed(name, value, f"must be at most {maximum:g}")


def string(name: str, default: str) -> str:
    return _parse(name, _env.str, default)


def boolean(name: str, default: bool) -> bool:
    """true/false, yes/no, on/off or 1/0 (any case); anything else is an error, not False."""
    raw = _env.str(name, default=str(default)).strip().lower()
    if raw not in _TRUE | _FALSE:
        raise malformed(name, raw, "expected true or false")
    return raw in _TRUE


def integer(
    name: str,
    default: int,
    *,
    above: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    value = _parse(name, _env.int, default)
    _check_bounds(name, value, above, minimum, maximum)
    return value


def number(name: str, default: float, *, above: float | None = None) -> float:
    raw = _env.str(name, default=str(default))
    try:
        value = float(raw)
    except ValueError:
        raise malformed(name, raw, "expected a number") from None
    _check_bounds(name, value, above, None)
    return value


def strings(name: str, default: Iterable[str]) -> list[str]:
    """A comma-separated list."""
    return _parse(name, _env.list, list(default))


def choice(name: str, default: str, choices: Iterable[str]) -> str:
    """One of `choices` (case and surrounding blanks ignored)."""
    options = tuple(choices)
    value = string(name, default).strip().lower()
    if value not in options:
        expected = ", ".join(options[:-1]) + " or " + options[-1]
        raise malformed(name, value, f"expected {expected}")
    return value


def matching(name: str, default: str, pattern: str, *, why: str) -> str:
    """A string (surrounding blanks removed) matching the regular expression `pattern` whole."""
    value = string(name, default).strip()
    if not re.fullmatch(pattern, value):
        raise malformed(name, value, why)
    return value


def rate(name: str, default: str) -> str:
    """A DRF rate: '600/min', '10/s'."""
    value = string(name, default).strip()
    match = _RATE.fullmatch(value)
    if not match or int(match.group(1)) < 1:
        raise malformed(name, value, "expected e.g. '600/min' or '10/s'")
    return value


def networks(name: str) -> list[str]:
    """Comma-separated IP addresses or CIDR networks, canonicalised ('10.0.0.0/8', '::1/128')."""
    out = []
    for item in strings(name, []):
        try:
            out.append(str(ipaddress.ip_network(item.strip())))
        except ValueError as exc:
            raise malformed(name, item, str(exc)) from None
    return out


def time_zone(name: str, default: str) -> str:
    value = string(name, default)
    try:
        return str(zoneinfo.ZoneInfo(value))
    except Exception as exc:  # not found, bad key, a folder: all malformed
        raise malformed(name, value, str(exc) or "unknown time zone") from None


def path(name: str, default: Path) -> Path:
    """A folder or file; a relative one is taken from the current directory."""
    return Path(os.path.abspath(string(name, str(default))))


def database(name: str, default: str) -> dict[str, Any]:
    """A database URL as Django's DATABASES entry: PostgreSQL or SQLite only. (Errors do not
    repeat the URL: it may hold a password.)"""
    hint = "use postgres://user@host:port/name or sqlite:////absolute/path.db"
    config = _parse(name, _env.db_url, default, hint=hint)
    if config.get("ENGINE") not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ImproperlyConfigured(f"Environment variable {name} is malformed: {hint}")
    return config


def email(name: str, default: str) -> dict[str, Any]:
    """An email URL ('smtp+tls://user:pass@host:587') as Django's EMAIL_* settings, each of
    them, with Django's defaults for what the URL leaves out."""
    config = _parse(name, _env.email_url, default, hint="use e.g. smtp+tls://user:pass@host:587")
    return {
        "EMAIL_BACKEND": config["EMAIL_BACKEND"],
        "EMAIL_HOST": config.get("EMAIL_HOST") or "localhost",
        "EMAIL_PORT": config.get("EMAIL_PORT") or 25,
        "EMAIL_HOST_USER": config.get("EMAIL_HOST_USER") or "",
        "EMAIL_HOST_PASSWORD": config.get("EMAIL_HOST_PASSWORD") or "",
        "EMAIL_USE_TLS": bool(config.get("EMAIL_USE_TLS")),
        "EMAIL_USE_SSL": bool(config.get("EMAIL_USE_SSL")),
        "EMAIL_TIMEOUT": config.get("OPTIONS", {}).get("TIMEOUT"),
        "EMAIL_FILE_PATH": config.get("EMAIL_FILE_PATH") or None,
    }


def redis_url(name: str) -> str:
    """Empty (no Redis) or a redis://, rediss:// or unix:// URL. (Errors do not repeat the URL:
    it may hold a password.)"""
    value = string(name, "")
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"Environment variable {name} is malformed: use redis://host:port/db, rediss:// "
            "or unix://"
        )
    return value
