"""Assertions and clients shared by the tests: one of each instead of a copy per file.

They take Django test responses and httpx responses alike (both have `status_code`, `headers`,
`content` and `json()`).
"""

from __future__ import annotations

from typing import Any

from django.test import Client

PROBLEM = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def assert_problem(response: Any, status: int, code: str | None = None, **fields: Any) -> dict:
    """`response` is an RFC 9457 problem with this status (and code): the media type, the five
    members, `type` built from the code, and `WWW-Authenticate: Bearer` on a 401. Extra keyword
    arguments are members the body must have with exactly these values. Returns the body."""
    assert response.status_code == status, response.content
    assert response.headers["Content-Type"] == PROBLEM
    body = response.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == status, body
    if code is not None:
        assert body["code"] == code, body
        assert body["type"].endswith(code), body
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
    for name, value in fields.items():
        assert body[name] == value, (name, body)
    return body


def logged_in(user) -> Client:
    """A Django test client signed in as `user` (a portal or admin login)."""
    client = Client()
    client.force_login(user)
    return client


def bearer(value: str) -> dict[str, str]:
    """The Authorization header of a customer API secret or a device credential."""
    return {"Authorization": f"Bearer {value}"}


def bearer_client(value: str, **defaults: Any) -> Client:
    """A Django test client that sends `Authorization: Bearer <value>` with every request."""
    return Client(headers=bearer(value), **defaults)
