"""This process's cache of authenticated API secrets: {keyed hash → entry}.

Filled by the bearer authentication (apisecrets/authentication.py), which trusts an entry for
settings.API_SECRET_CACHE_SECONDS; emptied of one secret by the services when it is deleted,
rolled or its addresses change (`forget`, on commit), so this process applies the change at
once and every other process within that window. A module of its own so that the services can
evict without importing the authentication (which imports the services).

Dict operations are atomic under the GIL; the worst a race can do is load the same row twice.
"""

from __future__ import annotations

from typing import Any, Protocol

MAX_ENTRIES = 10_000


class Entry(Protocol):
    @property
    def secret_id(self) -> Any: ...


_entries: dict[str, Any] = {}


def get(hashed: str) -> Any:
    return _entries.get(hashed)


def put(hashed: str, entry: Entry) -> None:
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[hashed] = entry


def discard(hashed: str) -> None:
    _entries.pop(hashed, None)


def forget(secret_id: Any) -> None:
    """Drop one secret (other processes let it expire within the trust window)."""
    for key, entry in list(_entries.items()):
        if str(entry.secret_id) == str(secret_id):
            _entries.pop(key, None)


def reset_for_tests() -> None:
    """Start empty, as a new process does."""
    _entries.clear()
