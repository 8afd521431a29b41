"""The lean long-poll: `GET /device-api/v1/commands` on PostgreSQL, without Django's request
handling (gateway/asgi.py routes it here). A door station re-polls every 30 s, so one gateway
process answers hundreds of polls a second and holds thousands open.

- One look per poll (and one more per wake-up): a single statement on the process's async
  PostgreSQL pool (psycopg 3) finds the device by the credential's keyed hash, records "last
  seen" and claims the deliverable commands under the rule of devices.services.commands_claim.
  Every look authenticates, so a rotated credential stops working at once, on every process.
- The failed-authentication limit is cybergate.lib.throttling's; its cache round trips, and the
  rare paths that need Django's own code (a bad `wait`, a credential hashed under a retired
  pepper: gateway.auth.authenticate_device), run on Django's shared sync thread.
- Waiting: the process's wake-up hub (gateway/wakeup.py); a disconnecting device ends its wait.
- Answers as a device API: status, body, problem code, `Retry-After`, `WWW-Authenticate` and
  `X-Request-Id` are those of the Django view (gateway/longpoll.py), which
  tests/gateway/test_lean.py compares over HTTP; not Django's browser-facing headers (CSP,
  HSTS...) nor its Host check (devices have no browser; the load balancer routes by host).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.http import QueryDict

from cybergate.lib import limits, metrics, requestid, tokens
from cybergate.lib.authfailures import (
    AuthAttempt,
    auth_attempt,
    failed_authentication,
    known_attempt,
    share_successes,
    successes_to_share,
)
from cybergate.lib.clientinfo import bearer_value, client_address
from cybergate.lib.problems import (
    DATABASE_UNAVAILABLE,
    RETRY_AFTER_UNAVAILABLE_SECONDS,
    AuthenticationProblem,
    Problem,
    problem_body,
)
from cybergate.lib.security import log_refusal
from devices import selectors, services
from devices.models import Call, Device, DoorOpenCommand
from gateway import capacity, wakeup
from gateway.auth import authenticate_device
from gateway.longpoll import BUSY_CLOSE, BUSY_RETRY_AFTER_SECONDS, parse_wait
from gateway.serializers import CommandListSerializer

if TYPE_CHECKING:
    from psycopg_pool import AsyncConnectionPool

# The ASGI interface, as this module uses it.
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]

problems_logger = logging.getLogger("cybergate.lib.problems")

PATH = "/device-api/v1/commands"
METRICS_ROUTE = "device-api/v1/commands"  # the route template Django's path reports
_EMPTY = b'{"commands": []}'


def serves(scope: Scope) -> bool:
    """Whether the lean path answers this request (every other goes to Django)."""
    return scope.get("method") == "GET" and scope.get("path") == PATH and _on_postgresql()


@lru_cache(maxsize=1)
def _on_postgresql() -> bool:
    return connections["default"].vendor == "postgresql"


def _headers(scope: Scope) -> dict[bytes, str]:
    # A repeated header's values joined with commas, as Django's ASGI request does in META.
    found: dict[bytes, str] = {}
    for name, value in scope.get("headers") or ():
        name, text = name.lower(), value.decode("latin-1")
        found[name] = found[name] + "," + text if name in found else text
    return found


class _Answer(Exception):
    """A finished answer, raised from anywhere in the request."""

    def __init__(self, status: int, body: bytes, content_type: str, headers: dict[str, str]):
        super().__init__(status)
        self.status, self.body = status, body
        self.content_type, self.headers = content_type, headers


def _answer_for(problem: Problem) -> _Answer:
    """A problem (the shared authentication code's, or one of ours) as an answer."""
    code, detail = problem.problem_code, str(problem.detail)
    body = problem_body(problem.status_code, code, detail, problem.errors)
    content = json.dumps(body, ensure_ascii=False).encode()
    return _Answer(problem.status_code, content, "application/problem+json", problem.headers)


_UNAVAILABLE = {
    "gateway_busy": "This gateway holds as many waiting polls as it may; "
    "poll again after Retry-After.",
    "service_unavailable": "The service is temporarily unavailable; try again shortly.",
}


def _unavailable(code: str, retry_after: int) -> _Answer:
    headers = {"Retry-After": str(retry_after)}
    return _answer_for(Problem(503, code, _UNAVAILABLE[code], headers=headers))


async def _send(send: Send, answer: _Answer, request_id: str) -> None:
    headers = [
        ("Content-Type", answer.content_type),
        *answer.headers.items(),
        ("Content-Length", str(len(answer.body))),
        ("X-Request-Id", request_id),
    ]
    await send(
        {
            "type": "http.response.start",
            "status": answer.status,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
    )
    await send({"type": "http.response.body", "body": answer.body})


_pools: list[AsyncConnectionPool] = []  # this process's, once a poll needed it


async def _pool() -> AsyncConnectionPool:
    if not _pools:
        from psycopg_pool import AsyncConnectionPool

        pool = AsyncConnectionPool(
            wakeup.postgres_conninfo(),
            kwargs={"autocommit": True, "application_name": "cybergate-gateway"},
            min_size=1,
            max_size=settings.GATEWAY_DB_THREADS,
            timeout=settings.DATABASE_POOL_TIMEOUT,  # as Django's pool: then 503
            open=False,
            name="cybergate-gateway",
        )
        _pools.append(pool)
        await pool.open(wait=False)
    return _pools[0]


metrics.register_pool("gateway_lean", lambda: dict(_pools[0].get_stats()) if _pools else {})


async def _query(sql: str, params: Mapping[str, object]) -> list[tuple[Any, ...]]:
    """Run one statement on a pooled connection. A connection the database dropped (restart,
    failover) is discarded by the pool; the statement is tried once more on a fresh one."""
    import psycopg

    pool = await _pool()
    for attempt in (1, 2):
        try:
            async with pool.connection() as conn:
                cursor = await conn.execute(sql, params)
                return await cursor.fetchall()  # every statement here ends in a SELECT
        except psycopg.OperationalError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@lru_cache(maxsize=1)
def _look_sql() -> str:
    return _LOOK_SQL.format(
        device=Device._meta.db_table,
        command=DoorOpenCommand._meta.db_table,
        call=Call._meta.db_table,
        active=Call.State.ACTIVE.value,
        queued=DoorOpenCommand.Status.QUEUED.value,
        delivered=DoorOpenCommand.Status.DELIVERED.value,
    )


# Looks, for one or more credentials at once: authenticate (the credentials' keyed hashes), record
# "last seen" (at most every LAST_SEEN_GRANULARITY) and claim the deliverable commands, in one
# statement. No row for a hash: no device has this credential (any more). For each device one row
# per claimed command, or one with NULLs for none.
_LOOK_SQL = """
WITH d AS (
    SELECT id, credential_hash, last_seen_at FROM {device}
    WHERE credential_hash = ANY(%(hashes)s)
),
seen AS (
    UPDATE {device} AS t SET last_seen_at = %(now)s FROM d
    WHERE t.id = d.id AND (d.last_seen_at IS NULL OR d.last_seen_at <= %(stale)s)
),
claimed AS (
    UPDATE {command} AS c SET status = '{delivered}', delivered_at = %(now)s
    FROM (
        SELECT p.id, p.delivered_at AS earlier FROM {command} AS p
        JOIN d ON p.device_id = d.id
        JOIN {call} AS k ON k.id = p.call_id
        WHERE p.expires_at > %(now)s AND k.state = '{active}'
          AND (p.status = '{queued}'
               OR (p.status = '{delivered}' AND p.acked_at IS NULL
                   AND p.delivered_at <= %(again)s))
        FOR UPDATE OF p SKIP LOCKED
    ) AS pending
    WHERE c.id = pending.id
    RETURNING c.id, c.tenant_id, c.call_id, c.device_id, c.dtmf, c.created_at, c.expires_at,
        c.requested_at, pending.earlier
)
SELECT d.credential_hash, d.id, claimed.* FROM d LEFT JOIN claimed ON claimed.device_id = d.id
"""


async def look(credential_hash: str) -> tuple[str | None, list[DoorOpenCommand]]:
    """(device id, claimed commands) for a credential's hash; (None, []) if no device has it.

    The claim follows devices.services.commands_claim's rule: queued, or delivered and not
    acknowledged for DOOR_OPEN_REDELIVERY_SECONDS; never after expiry or after the call ended;
    each command to one poll (SKIP LOCKED). Looks that come while the pool's connections are all
    busy go together in the next statement (_Looks)."""
    if not _looks:
        _looks.append(_Looks(asyncio.get_running_loop()))
    rows, now = await _looks[0].look(credential_hash)
    if not rows:
        return None, []
    commands = []
    for row in rows:
        if row[2] is not None:  # a claimed command: id, tenant, call, device, dtmf and times
            fields = dict(zip(_COMMAND_FIELDS, row[2:9], strict=True))
            commands.append(DoorOpenCommand(**fields, status=_DELIVERED, delivered_at=now))
            metrics.door_open_delivered(row[7], now, first=row[10] is None, requested_at=row[9])
    commands.sort(key=lambda command: command.created_at)
    return str(rows[0][1]), commands


_Rows = list[tuple[Any, ...]]  # of one look: one per claimed command, or one of NULLs
_COMMAND_FIELDS = ("id", "tenant_id", "call_id", "device_id", "dtmf", "created_at", "expires_at")
_DELIVERED = DoorOpenCommand.Status.DELIVERED


class _Looks:
    """This process's looks: at most GATEWAY_DB_THREADS statements at a time; the looks that
    arrive meanwhile wait and then go in one statement (at most one per credential: a device's
    two polls never share a claim), so under a burst of arrivals the statements per poll fall
    instead of the queue for the pool growing."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: dict[str, list[asyncio.Future[tuple[_Rows, datetime]]]] = {}
        self.running = 0

    async def look(self, credential_hash: str) -> tuple[_Rows, datetime]:
        future: asyncio.Future[tuple[_Rows, datetime]] = self.loop.create_future()
        self.pending.setdefault(credential_hash, []).append(future)
        if self.running < settings.GATEWAY_DB_THREADS:
            self._start()
        return await future

    def _start(self) -> None:
        batch: dict[str, asyncio.Future[tuple[_Rows, datetime]]] = {}
        for credential_hash, futures in list(self.pending.items()):
            batch[credential_hash] = futures.pop(0)
            if not futures:
                del self.pending[credential_hash]
        self.running += 1
        self.loop.create_task(self._run(batch))

    async def _run(self, batch: dict[str, asyncio.Future[tuple[_Rows, datetime]]]) -> None:
        try:
            now = datetime.now(UTC)
            rows = await _query(
                _look_sql(),
                {
                    "hashes": list(batch),
                    "now": now,
                    "stale": now - services.LAST_SEEN_GRANULARITY,
                    "again": now - selectors.redelivery_after(),
                },
            )
        except Exception as exc:  # each waiting poll answers it (503 for the database)
            for future in batch.values():
                if not future.done():
                    future.set_exception(exc)
        except BaseException:  # cancelled: the process is stopping
            for future in batch.values():
                future.cancel()
            raise
        else:
            found: dict[str, _Rows] = {}
            for row in rows:
                found.setdefault(row[0], []).append(row)
            for credential_hash, future in batch.items():
                if not future.done():
                    future.set_result((found.get(credential_hash, []), now))
        finally:
            self.running -= 1
            if self.pending and self.running < settings.GATEWAY_DB_THREADS:
                self._start()


_looks: list[_Looks] = []  # this process's, once a poll needed it


async def _django_authentication(authorization: str | None, ip: str | None) -> None:
    """gateway.auth.authenticate_device on Django's shared sync thread; raise its refusal."""
    try:
        await sync_to_async(authenticate_device)(authorization, ip)
    except Problem as exc:
        raise _answer_for(exc) from None


async def _attempt(authorization: str | None, ip: str | None) -> tuple[str, str, AuthAttempt]:
    """The credential's value, its hash and its attempt, before any lookup; else raise 401/429, as
    gateway.auth.authenticate_device does (a missing credential and a refusal count against the
    per-address failed-authentication limit, checked before any lookup)."""
    value = bearer_value(authorization)
    if value is None:
        problem = AuthenticationProblem(
            "missing_credentials",
            "Send the device credential as 'Authorization: Bearer <credential>'.",
        )
        raise _answer_for(await sync_to_async(failed_authentication)(ip, problem))
    credential_hash = services.hash_device_credential(value)
    attempt = known_attempt(ip, credential_hash)  # no thread hop for a value or address seen lately
    if attempt is None:
        try:
            attempt = await sync_to_async(auth_attempt)(ip, credential_hash)  # 429 over the limit
        except Problem as exc:
            raise _answer_for(exc) from None
    return value, credential_hash, attempt


async def _refuse(attempt: AuthAttempt) -> _Answer:
    problem = AuthenticationProblem("invalid_credentials", "The device credential is not valid.")
    return _answer_for(await sync_to_async(attempt.failed)(problem))


_sharing: set[asyncio.Task[None]] = set()  # the share_successes() in flight, if any


def _succeeded(attempt: AuthAttempt) -> None:
    """Mark the success here at once; its shared record follows in the background, one trip to
    the sync thread for all the successes collected meanwhile."""
    if attempt.succeeded_later() and not _sharing:
        task = asyncio.get_running_loop().create_task(_share())
        _sharing.add(task)
        task.add_done_callback(_sharing.discard)


async def _share() -> None:
    try:
        while successes_to_share():  # including those collected while one trip ran
            await sync_to_async(share_successes)()
    except Exception:
        problems_logger.warning("Sharing authentication successes failed", exc_info=True)


async def _watch_disconnect(receive: Receive, waiter: wakeup.Waiter) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    waiter.end()  # gone: stop waiting


async def _poll(
    authorization: str | None, ip: str | None, wait: float, receive: Receive
) -> list[DoorOpenCommand]:
    """Authenticate and take the device's commands, waiting up to `wait` seconds for one."""
    value, credential_hash, attempt = await _attempt(authorization, ip)
    if not tokens.looks_like(value, tokens.DEVICE_CREDENTIAL_PREFIX):
        raise await _refuse(attempt)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    mark = wakeup.hub.mark()
    device_id, commands = await look(credential_hash)
    if device_id is None and settings.SECRET_PEPPER_OLD:
        # Hashed under a retired pepper: the shared code finds it and re-hashes it (rare).
        await _django_authentication(authorization, ip)
        device_id, commands = await look(credential_hash)
    if device_id is None:
        raise await _refuse(attempt)
    _succeeded(attempt)
    if commands or wait <= 0:
        return commands
    waiter = wakeup.hub.register(device_id, loop)
    watcher = None
    try:
        # Registered after the look: a command committed in between woke the hub meanwhile (or,
        # with no listener, the safety net's next sweep wakes this waiter).
        if wakeup.hub.listening() and wakeup.hub.woken_since(device_id, mark):
            _, commands = await look(credential_hash)
            if commands:
                return commands
        wakeup.hub.hold(waiter)  # may end this device's oldest waiting poll
        watcher = loop.create_task(_watch_disconnect(receive, waiter))
        while not commands and (remaining := deadline - loop.time()) > 0:
            if not await waiter.wait(remaining) or waiter.ended:
                break  # time is up; or gone, or a newer poll took its place
            # Each look authenticates again: a credential rotated meanwhile gets nothing more.
            device_id, commands = await look(credential_hash)
            if device_id is None:
                break
        return commands
    finally:
        wakeup.hub.unregister(waiter)
        if watcher is not None:
            watcher.cancel()


async def _answer(
    scope: Scope, receive: Receive, headers: dict[bytes, str], ip: str | None
) -> _Answer:
    too_large = limits.refusal(
        len(scope["path"]),
        len(scope.get("query_string", b"")),
        sum(len(name) + len(value) for name, value in scope.get("headers") or ()),
    )
    if too_large is not None:  # before anything parses the query string
        raise _answer_for(Problem(*too_large))
    authorization = headers.get(b"authorization")
    try:
        wait = parse_wait(QueryDict(scope.get("query_string", b"").decode("latin-1")).get("wait"))
    except Problem as invalid:
        # Authentication answers first (401 before 400), as in every other operation.
        await _django_authentication(authorization, ip)
        raise _answer_for(invalid) from None
    if wait > 0 and not wakeup.hub.admit(capacity.max_waiting()):
        # Refused before any database work, so an overloaded process sheds load cheaply.
        busy = _unavailable("gateway_busy", random.randint(*BUSY_RETRY_AFTER_SECONDS))
        busy.headers.update(BUSY_CLOSE)  # its connection's file is needed for the polls it holds
        raise busy
    try:
        commands = await _poll(authorization, ip, wait, receive)
    finally:
        if wait > 0:
            wakeup.hub.release()
    if commands:
        data = CommandListSerializer({"commands": commands}).data
        body = json.dumps(data, cls=DjangoJSONEncoder).encode()
    else:
        body = _EMPTY
    return _Answer(200, body, "application/json", {"Cache-Control": "no-store"})


async def serve(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer one `GET /device-api/v1/commands` (`serves(scope)` said yes)."""
    import psycopg
    import psycopg_pool

    started = time.perf_counter()
    headers = _headers(scope)
    request_id = requestid.request_id_for(headers.get(b"x-request-id"))
    peer = scope.get("client")
    ip = client_address(peer[0] if peer else None, headers.get(b"x-forwarded-for", ""))
    with requestid.bound(request_id):
        try:
            answer = await _answer(scope, receive, headers, ip)
        except _Answer as refused:
            # Without its traceback: kept, the answer would hold this frame, which holds the
            # answer (a cycle per refused poll, left to the full collections that stall the
            # loop; an overloaded process refuses thousands a minute).
            answer = refused.with_traceback(None)
            if answer.status in (401, 429):  # as cybergate.security's middleware logs them
                log_refusal(
                    "auth_failed" if answer.status == 401 else "rate_limited",
                    json.loads(answer.body)["code"],
                    answer.status,
                    authorization=headers.get(b"authorization"),
                    client_ip=ip,
                    method="GET",
                    path=scope.get("root_path", "") + scope["path"],
                    route_path=scope["path"],
                )
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout, *DATABASE_UNAVAILABLE) as exc:
            problems_logger.warning("Database unavailable: %s", exc)
            answer = _unavailable("service_unavailable", RETRY_AFTER_UNAVAILABLE_SECONDS)
        except Exception:
            # A bug: logged with its traceback, answered in the API's format (as Django's path
            # does), never with the server's plain-text 500.
            problems_logger.exception("Unhandled error in GET %s", scope["path"])
            answer = _answer_for(Problem(500, "server_error", "An unexpected error occurred."))
    await _send(send, answer, request_id)
    if settings.METRICS_ENABLED:
        metrics.observe_request(METRICS_ROUTE, "GET", answer.status, time.perf_counter() - started)
