"""Assertions and clients shared by the tests: one of each instead of a copy per file.

They take Django test responses and httpx responses alike (both have `status_code`, `headers`,
`content` and `json()`).
"""

from __future__ import annotations

import configparser
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]
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


class JsonClient(Client):
    """A Django test client whose bodies are JSON unless told otherwise, as an API client's are
    (the Django client's default, multipart, is a 415 for the APIs)."""

    def post(self, path, data=None, content_type="application/json", **extra):
        return super().post(path, data, content_type, **extra)

    def put(self, path, data="", content_type="application/json", **extra):
        return super().put(path, data, content_type, **extra)

    def patch(self, path, data="", content_type="application/json", **extra):
        return super().patch(path, data, content_type, **extra)


def bearer_client(value: str, **defaults: Any) -> Client:
    """A Django test client that sends `Authorization: Bearer <value>` with every request."""
    return JsonClient(headers=bearer(value), **defaults)


def at_once(count: int, attempt: Callable[[int], str]) -> list[str]:
    """Run `attempt(0)` … `attempt(count - 1)` in threads released together, and return their
    outcomes, sorted. An exception is an outcome too ("error: …"), so the caller's assertion shows
    it; each thread closes its own database connection."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcome = attempt(index)
        except Exception as exc:
            outcome = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def project_apps() -> list[str]:
    """The project's apps, as the library's contract in .importlinter lists them (its
    forbidden_modules, where a new app is added): a test that reads every app cannot miss one."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config["importlinter:contract:cybergate-core"]["forbidden_modules"].split()


def python_sources(*packages: str) -> Iterator[Path]:
    """The Python files of these top-level packages, migrations left out."""
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path
