"""The generated client (cybergate_client.generated), wrapped for what every integration needs.

- Retries: a 429 or 503 is sent again after its `Retry-After` (seconds), a lost connection or a
  timeout after a short pause (1, 2, 4 … s); at most `attempts` tries in all, and a `Retry-After`
  over `max_wait` seconds is not waited for (the answer is returned as it is). Every operation of
  the API may be sent again unchanged: reads, acks and availability are idempotent, and door-open
  carries its `Idempotency-Key`, so a retried door-open gets the first answer again.
- `open_door` makes that key (a UUID per call of it) unless given one.
- `feed` is the new-entries loop: read a page, hand its entries over, acknowledge its cursor once
  they are processed, and go on (waiting `poll_seconds` when caught up).

Problems (4xx/5xx problem details) raise CyberGateError with their `code`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import httpx

from .generated import AuthenticatedClient
from .generated.api.active_calls import (
    active_call_door_open,
    active_call_retrieve,
    door_open_command_retrieve,
)
from .generated.api.audit_trail import audit_trail_ack_create, audit_trail_retrieve
from .generated.api.call_log import call_log_ack_create, call_log_retrieve
from .generated.api.version import version_retrieve
from .generated.models import (
    AckRequest,
    ActiveCall,
    ActiveCallDetail,
    AuditEntry,
    CallLogEntry,
    DoorOpenAccepted,
    DoorOpenCommand,
    DoorOpenRequest,
    Problem,
    ValidationProblem,
    Version,
)
from .generated.types import UNSET, Response

RETRIED_STATUSES = frozenset({429, 503})


class CyberGateError(Exception):
    """A problem-details answer (or an answer the client did not expect)."""

    def __init__(self, status: int, code: str, detail: str, request_id: str | None) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.request_id = request_id  # quote it when you ask CyberGate about this request


class RetryTransport(httpx.BaseTransport):
    """Sends a request again on 429/503 (after `Retry-After`) or a transport error (after a
    short pause), `attempts` times at most; a `Retry-After` over `max_wait` ends the retries."""

    def __init__(
        self,
        wrapped: httpx.BaseTransport | None = None,
        *,
        attempts: int = 5,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.wrapped = wrapped or httpx.HTTPTransport()
        self.attempts = max(1, attempts)
        self.max_wait = max_wait
        self.sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                response = self.wrapped.handle_request(request)
            except httpx.TransportError:
                if last:
                    raise
                self.sleep(min(2.0 ** (attempt - 1), self.max_wait))
                continue
            if response.status_code not in RETRIED_STATUSES or last:
                return response
            wait = _retry_after(response)
            if wait > self.max_wait:
                return response
            response.read()  # let the connection go back to the pool
            response.close()
            self.sleep(wait)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def close(self) -> None:
        self.wrapped.close()


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:  # an HTTP date: the API sends seconds, so wait a little
        return 1.0


@dataclass(frozen=True)
class DoorOpened:
    command: DoorOpenAccepted
    idempotency_key: str
    replayed: bool  # the first answer to this key again (the door-open was already queued)


Log = Literal["call-log", "audit-trail"]
_FEEDS: dict[str, tuple[Any, Any]] = {
    "call-log": (call_log_retrieve, call_log_ack_create),
    "audit-trail": (audit_trail_retrieve, audit_trail_ack_create),
}


class CyberGate:
    """`CyberGate("https://portal.example.com", secret)`; `.api` is the generated client for
    everything the wrapper has no method for (with the same retries)."""

    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        timeout: float = 10.0,
        attempts: int = 5,
        max_wait: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sleep = sleep
        retrying = RetryTransport(transport, attempts=attempts, max_wait=max_wait, sleep=sleep)
        self.api = AuthenticatedClient(
            base_url=base_url.rstrip("/"),
            token=secret,
            timeout=httpx.Timeout(timeout),
            httpx_args={"transport": retrying},
        )

    def close(self) -> None:
        self.api.get_httpx_client().close()

    def __enter__(self) -> CyberGate:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def version(self) -> Version:
        return _ok(version_retrieve.sync_detailed(client=self.api), Version)

    def active_call(self, user: str) -> ActiveCallDetail | None:
        """The Teams user's (UPN or object id) active call, or None."""
        found = _ok(active_call_retrieve.sync_detailed(user, client=self.api), ActiveCall)
        return found.call

    def open_door(
        self, user: str, *, call_id: UUID | None = None, idempotency_key: str | None = None
    ) -> DoorOpened:
        """Open the door of the device in `user`'s active call (pin it with `call_id`). One key
        per intended opening: made here unless given, and the same on every retry."""
        key = idempotency_key or str(uuid.uuid4())
        response = active_call_door_open.sync_detailed(
            user,
            client=self.api,
            body=DoorOpenRequest(call_id=call_id if call_id is not None else UNSET),
            idempotency_key=key,
        )
        command = _ok(response, DoorOpenAccepted)
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        return DoorOpened(command=command, idempotency_key=key, replayed=replayed)

    def door_open_command(self, command_id: UUID) -> DoorOpenCommand:
        return _ok(
            door_open_command_retrieve.sync_detailed(command_id, client=self.api), DoorOpenCommand
        )

    def feed(
        self, log: Log, *, limit: int = 100, follow: bool = True, poll_seconds: float = 5.0
    ) -> Iterator[CallLogEntry | AuditEntry]:
        """The log's new entries, oldest first, at least once: each page is acknowledged after
        its last entry was handed over and the loop asked for the next, so an entry comes again
        after a crash while processing it, never lost. `follow=False` ends once caught up."""
        read, ack = _FEEDS[log]
        while True:
            page: Any = _ok(read.sync_detailed(client=self.api, limit=limit), object)
            yield from page.entries
            if page.entries:
                _ok(ack.sync_detailed(client=self.api, body=AckRequest(cursor=page.cursor)), object)
            if not page.has_more:
                if not follow:
                    return
                self.sleep(poll_seconds)


def _ok(response: Response[Any], expected: type) -> Any:
    parsed = response.parsed
    if isinstance(parsed, Problem | ValidationProblem):
        raise CyberGateError(
            int(response.status_code),
            str(parsed.code),
            parsed.detail,
            response.headers.get("X-Request-Id"),
        )
    if parsed is None or not isinstance(parsed, expected):
        raise CyberGateError(
            int(response.status_code),
            "unexpected_response",
            response.content[:200].decode(errors="replace"),
            response.headers.get("X-Request-Id"),
        )
    return parsed
