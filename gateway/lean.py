"""The lean long-poll: `GET /device-api/v1/commands` served without Django's request handling.

A door station re-polls every 30 s, so one gateway process answers hundreds of polls a second and
holds thousands open. Through Django's ASGI handler each poll pays for the request object, the
whole middleware chain and the hops to the database threads. Here a small raw-ASGI application,
mounted in front of Django (cybergate/asgi.py), serves exactly that one path and hands everything
else to Django untouched:

- Client address: the ASGI peer and `X-Forwarded-For` under the same TRUSTED_PROXIES rule as
  everywhere (cybergate.clientinfo.client_address).
- One look per poll (and one more per wake-up): a single statement on a per-process async
  PostgreSQL pool (psycopg 3) finds the device by the credential's keyed hash, records "last
  seen" (at most every 10 s, as devices.services.device_seen) and claims the deliverable
  commands with `UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`, under exactly
  the rule of devices.services.commands_claim (queued, or delivered and unacknowledged for
  DOOR_OPEN_REDELIVERY_SECONDS; never after expiry or after the call ended). Since every look
  authenticates, a rotated credential stops working at once, on every process. Looks arriving
  while the pool's connections are busy share the next statement (_Looks).
- The failed-authentication limit is the same per-address limit (cybergate.throttling). Its
  "over the limit?" round trip, needed only for a value this process has not seen work from the
  address lately and an address it has not found under the limit in the last second, runs in a
  thread; a success is marked at once and shared with the other processes in the background.
- Waiting: the process's wake-up hub (gateway/wakeup.py, one Redis subscription per process),
  registered before the first look so no wake-up is lost (a device new to the process: after
  it, looking again if the hub saw a wake-up for it meanwhile); a disconnecting device ends its
  wait.
- Answers: the same bodies (the same serializer, problem details with `instance`) and headers
  (X-Request-Id, the security headers and Content-Security-Policy Django's middleware sets,
  Cache-Control, WWW-Authenticate, Retry-After) as the Django path; tests/gateway/test_lean.py
  compares the two over HTTP.

Anything this module does not handle exactly as Django would goes to Django: other methods, a
Host outside ALLOWED_HOSTS, plain http when SECURE_SSL_REDIRECT wants https, a report-only or
per-path CSP configuration, SQLite, GATEWAY_LEAN=false.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.parse import parse_qsl

import structlog
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.http.request import split_domain_port, validate_host

from apisecrets import tokens
from cybergate import limits, loopprobe, metrics, requestid
from cybergate.clientinfo import bearer_value, client_address
from cybergate.headers import fixed_policy
from cybergate.problems import (
    DATABASE_UNAVAILABLE,
    RETRY_AFTER_UNAVAILABLE_SECONDS,
    AuthenticationProblem,
    Problem,
    problem_body,
)
from cybergate.security import secret_prefix, security_log
from cybergate.throttling import (
    AuthAttempt,
    auth_attempt,
    failed_authentication,
    known_attempt,
    share_successes,
    successes_to_share,
)
from devices import services
from devices.models import Call, Device, DoorOpenCommand
from gateway import capacity, wakeup
from gateway.longpoll import BUSY_CLOSE, BUSY_RETRY_AFTER_SECONDS, parse_wait
from gateway.serializers import CommandListSerializer

if TYPE_CHECKING:
    from psycopg_pool import AsyncConnectionPool

# The ASGI interface, as this module uses it.
Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
_P = ParamSpec("_P")
_T = TypeVar("_T")

logger = logging.getLogger(__name__)
problems_logger = logging.getLogger("cybergate.problems")

PATH = "/device-api/v1/commands"
METRICS_ROUTE = "device-api/v1/commands"  # the route template Django's path reports
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,200}")
_EMPTY = b'{"commands": []}'


# --- When the lean path serves ------------------------------------------------------------------


def enabled() -> bool:
    return settings.GATEWAY_LEAN and _on_postgresql()


@lru_cache(maxsize=1)
def _on_postgresql() -> bool:
    return connections["default"].vendor == "postgresql"


def _headers(scope: Scope) -> dict[bytes, bytes]:
    # A repeated header's values joined with commas, as Django's ASGI request does in META.
    found: dict[bytes, bytes] = {}
    for name, value in scope.get("headers") or ():
        name = name.lower()
        found[name] = found[name] + b"," + value if name in found else value
    return found


def _allowed_hosts() -> list[str]:
    hosts: list[str] = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        return [".localhost", "127.0.0.1", "[::1]"]  # Django's own default under DEBUG
    return hosts


def _is_secure(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        name, secure_value = proxy
        header = str(name).removeprefix("HTTP_").replace("_", "-").lower().encode()
        value = headers.get(header)
        if value is not None:
            return value.decode("latin-1").split(",", 1)[0].strip() == str(secure_value)
    return bool(scope.get("scheme") == "https")


def _header_text(headers: dict[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    return None if value is None else value.decode("latin-1")


def serves(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    """Whether this request is one the lean path answers exactly as Django would."""
    if scope.get("method") != "GET" or not enabled():
        return False
    if getattr(settings, "USE_X_FORWARDED_HOST", False):
        return False
    host = headers.get(b"host")
    if host is None:
        return False
    domain, _port = split_domain_port(host.decode("latin-1"))
    if not domain or not validate_host(domain, _allowed_hosts()):
        return False  # Django answers 400 (DisallowedHost)
    if getattr(settings, "SECURE_SSL_REDIRECT", False) and not _is_secure(scope, headers):
        return False  # Django redirects to https
    csp = settings.CONTENT_SECURITY_POLICY
    return not (
        getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        or (csp or {}).get("EXCLUDE_URL_PREFIXES")
    )


# --- Answers ------------------------------------------------------------------------------------


class _Answer(Exception):
    """A finished answer, raised from anywhere in the request."""

    def __init__(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = list(headers)


def _problem(
    status: int,
    code: str,
    detail: str,
    *,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> _Answer:
    body = json.dumps(problem_body(status, code, detail, errors), ensure_ascii=False)
    extra = dict(headers or {})
    if status == 401:
        extra.setdefault("WWW-Authenticate", "Bearer")
    return _Answer(status, body.encode(), "application/problem+json", extra.items())


def _from_problem(exc: Problem) -> _Answer:
    """A cybergate.problems.Problem (from the shared authentication code) as an answer."""
    return _problem(
        exc.status_code, exc.problem_code, str(exc.detail), errors=exc.errors, headers=exc.headers
    )


def _security_headers(secure: bool) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """What Django's middleware adds to a /device-api/ answer, in its order: the headers before
    Content-Length and those after it."""
    before = [("X-Frame-Options", settings.X_FRAME_OPTIONS)] if settings.X_FRAME_OPTIONS else []
    return before, [
        ("Vary", "Cookie"),
        ("Content-Security-Policy", fixed_policy()),
        *(
            [("Strict-Transport-Security", _hsts())]
            if secure and settings.SECURE_HSTS_SECONDS
            else []
        ),
        *([("X-Content-Type-Options", "nosniff")] if settings.SECURE_CONTENT_TYPE_NOSNIFF else []),
        *(
            [("Referrer-Policy", settings.SECURE_REFERRER_POLICY)]
            if settings.SECURE_REFERRER_POLICY
            else []
        ),
        *(
            [("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY)]
            if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
            else []
        ),
    ]


def _hsts() -> str:
    value = f"max-age={settings.SECURE_HSTS_SECONDS}"
    if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        value += "; includeSubDomains"
    if settings.SECURE_HSTS_PRELOAD:
        value += "; preload"
    return value


async def _send(send: Send, answer: _Answer, request_id: str, secure: bool) -> None:
    before_length, after_length = _security_headers(secure)
    headers = [
        ("Content-Type", answer.content_type),
        *answer.headers,
        *before_length,
        ("Content-Length", str(len(answer.body))),
        *after_length,
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


# --- The database -------------------------------------------------------------------------------

_pools: dict[
    int, AsyncConnectionPool
] = {}  # id(loop) → AsyncConnectionPool (one loop per worker process)


async def _pool() -> AsyncConnectionPool:
    loop = asyncio.get_running_loop()
    pool = _pools.get(id(loop))
    if pool is None:
        from psycopg_pool import AsyncConnectionPool

        pool = AsyncConnectionPool(
            wakeup._postgres_conninfo(),
            kwargs={"autocommit": True, "application_name": "cybergate-gateway"},
            min_size=1,
            max_size=settings.GATEWAY_DB_THREADS,
            timeout=settings.DATABASE_POOL_TIMEOUT,  # as Django's pool: then 503
            open=False,
            name="cybergate-gateway",
        )
        _pools[id(loop)] = pool
        await pool.open(wait=False)
    return pool


def _pool_stats() -> dict[str, int]:
    """The lean pools' use, summed over this process's event loops (metrics, at scrape time)."""
    total: dict[str, int] = {}
    for pool in list(_pools.values()):
        for key, value in pool.get_stats().items():
            total[key] = total.get(key, 0) + value
    return total


metrics.register_pool("gateway_lean", _pool_stats)


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


@lru_cache(maxsize=4)
def _sql(template: str) -> str:
    return template.format(
        **{
            "device": Device._meta.db_table,
            "command": DoorOpenCommand._meta.db_table,
            "call": Call._meta.db_table,
        }
    )


_AUTH_SQL = """
WITH d AS (SELECT id, last_seen_at FROM {device} WHERE credential_hash = %(hash)s),
seen AS (
    UPDATE {device} AS t SET last_seen_at = %(now)s FROM d
    WHERE t.id = d.id AND (d.last_seen_at IS NULL OR d.last_seen_at <= %(stale)s)
)
SELECT id FROM d
"""

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
    UPDATE {command} AS c SET status = %(delivered)s, delivered_at = %(now)s
    FROM (
        SELECT p.id, p.delivered_at AS earlier FROM {command} AS p
        JOIN d ON p.device_id = d.id
        JOIN {call} AS k ON k.id = p.call_id
        WHERE p.expires_at > %(now)s AND k.state = %(active)s
          AND (p.status = %(queued)s
               OR (p.status = %(delivered)s AND p.acked_at IS NULL
                   AND p.delivered_at <= %(again)s))
        FOR UPDATE OF p SKIP LOCKED
    ) AS pending
    WHERE c.id = pending.id
    RETURNING c.id, c.tenant_id, c.call_id, c.device_id, c.dtmf, c.created_at, c.expires_at,
        c.requested_at, pending.earlier
)
SELECT d.credential_hash, d.id, claimed.* FROM d LEFT JOIN claimed ON claimed.device_id = d.id
"""


async def _device_for(value: str) -> str | None:
    """The id of the device `value` is the credential of, marked as seen; None if none is."""
    if not tokens.looks_like(value, tokens.DEVICE_CREDENTIAL_PREFIX):
        return None
    now = datetime.now(UTC)
    rows = await _query(
        _sql(_AUTH_SQL),
        {
            "hash": services.hash_device_credential(value),
            "now": now,
            "stale": now - services.LAST_SEEN_GRANULARITY,
        },
    )
    if rows:
        return str(rows[0][0])
    if settings.SECRET_PEPPER_OLD:
        # Hashed under a retired pepper: the shared code finds it and re-hashes it (rare).
        device = await _in_thread(_sync_device_for, value)
        return None if device is None else str(device.pk)
    return None


def _sync_device_for(value: str) -> Device | None:
    from django.db import close_old_connections

    close_old_connections()
    try:
        device = services.device_for_credential(value)
        if device is not None:
            services.device_seen(device)
        return device
    finally:
        close_old_connections()


async def look(credential_hash: str) -> tuple[str | None, list[DoorOpenCommand]]:
    """(device id, claimed commands) for a credential's hash; (None, []) if no device has it.

    The claim follows devices.services.commands_claim's rule: queued, or delivered and not
    acknowledged for DOOR_OPEN_REDELIVERY_SECONDS; never after expiry or after the call ended;
    each command to one poll (SKIP LOCKED). Looks that come while the pool's connections are all
    busy go together in the next statement (_Looks)."""
    loop = asyncio.get_running_loop()
    looks = _looks.get(id(loop))
    if looks is None:
        looks = _looks[id(loop)] = _Looks(loop)
    rows, now = await looks.look(credential_hash)
    if not rows:
        return None, []
    commands = [
        DoorOpenCommand(
            id=row[2],
            tenant_id=row[3],
            call_id=row[4],
            device_id=row[5],
            dtmf=row[6],
            created_at=row[7],
            expires_at=row[8],
            status=DoorOpenCommand.Status.DELIVERED,
            delivered_at=now,
        )
        for row in rows
        if row[2] is not None
    ]
    for row in rows:
        if row[2] is not None:
            metrics.door_open_delivered(row[7], now, first=row[10] is None, requested_at=row[9])
    commands.sort(key=lambda command: command.created_at)
    return str(rows[0][1]), commands


_Rows = list[tuple[Any, ...]]


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
                _sql(_LOOK_SQL),
                {
                    "hashes": list(batch),
                    "now": now,
                    "stale": now - services.LAST_SEEN_GRANULARITY,
                    "again": now - services.redelivery_after(),
                    "active": Call.State.ACTIVE,
                    "queued": DoorOpenCommand.Status.QUEUED,
                    "delivered": DoorOpenCommand.Status.DELIVERED,
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


_looks: dict[int, _Looks] = {}  # id(loop) → its looks (one loop per worker process)


async def _in_thread(func: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    return await asyncio.get_running_loop().run_in_executor(
        None, functools.partial(func, *args, **kwargs)
    )


# --- Authentication ------------------------------------------------------------------------------

# Credential hash → device id, as last seen: where to register a poll before its first look.
# Only a hint: every look authenticates again (an unknown or rotated hash finds no device).
_device_ids: dict[str, str] = {}
_DEVICE_IDS_MAX = 100_000
_INVALID = ("invalid_credentials", "The device credential is not valid.")


async def _attempt(authorization: str | None, ip: str | None) -> tuple[str, AuthAttempt]:
    """The credential's value and its attempt, before any lookup; else raise 401/429.

    As gateway.auth.authenticate_device (the Django path): a missing credential and a refusal
    count against the per-address failed-authentication limit, checked before any lookup."""
    value = bearer_value(authorization)
    if value is None:
        problem = AuthenticationProblem(
            "missing_credentials",
            "Send the device credential as 'Authorization: Bearer <credential>'.",
        )
        raise _from_problem(await _in_thread(failed_authentication, ip, problem))
    attempt = known_attempt(ip, value)
    if attempt is None:
        try:
            attempt = await _in_thread(auth_attempt, ip, value)  # 429 over the limit
        except Problem as exc:
            raise _from_problem(exc) from None
    return value, attempt


async def _refuse(attempt: AuthAttempt) -> _Answer:
    return _from_problem(await _in_thread(attempt.failed, AuthenticationProblem(*_INVALID)))


_sharing: dict[int, asyncio.Future[None]] = {}  # id(loop) → the share_successes() in flight


def _succeeded(attempt: AuthAttempt) -> None:
    """Mark the success here at once; its shared record follows in the background, one thread
    call for all the successes collected meanwhile (a device's first poll waits for no cache)."""
    if not attempt.succeeded_later():
        return
    loop = asyncio.get_running_loop()
    sharing = _sharing.get(id(loop))
    if sharing is None or sharing.done():
        _share_in_background(loop)


def _share_in_background(loop: asyncio.AbstractEventLoop) -> None:
    def shared(future: asyncio.Future[None]) -> None:
        if not future.cancelled() and future.exception() is not None:
            logger.warning("Sharing authentication successes failed", exc_info=future.exception())
        if successes_to_share():  # collected while this one ran
            _share_in_background(loop)

    future = loop.run_in_executor(None, share_successes)
    _sharing[id(loop)] = future
    future.add_done_callback(shared)


async def authenticate(authorization: str | None, ip: str | None) -> str:
    """The id of the device the Authorization header proves, marked as seen; else raise."""
    value, attempt = await _attempt(authorization, ip)
    device_id = await _device_for(value)
    if device_id is None:
        raise await _refuse(attempt)
    _succeeded(attempt)
    return device_id


# --- The request --------------------------------------------------------------------------------


def _query_value(scope: Scope, name: str) -> str | None:
    # As Django's QueryDict.get: the last value of a repeated parameter.
    found = None
    for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), True):
        if key == name:
            found = value
    return found


def _request_id(headers: dict[bytes, bytes]) -> str:
    given = headers.get(b"x-request-id")
    if given is not None:
        text = given.decode("latin-1")
        if _SANE_REQUEST_ID.fullmatch(text):
            return text
    return uuid.uuid4().hex


class _Poll:
    """One waiting poll: woken by a command (through the hub) or by the device going away."""

    __slots__ = ("gone", "waiter")

    def __init__(self, waiter: wakeup.Waiter) -> None:
        self.waiter = waiter
        self.gone = False


async def _watch_disconnect(receive: Receive, poll: _Poll) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            poll.gone = True
            poll.waiter.event.set()
            return


async def _poll(
    authorization: str | None, ip: str | None, wait: float, receive: Receive
) -> list[DoorOpenCommand]:
    """Authenticate and take the device's commands, waiting up to `wait` seconds for one."""
    value, attempt = await _attempt(authorization, ip)
    if not tokens.looks_like(value, tokens.DEVICE_CREDENTIAL_PREFIX):
        raise await _refuse(attempt)
    credential_hash = services.hash_device_credential(value)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    # Registered before the look: a command committed in between has set the event, so no
    # wake-up is lost. A credential this process has not seen yet registers after its first look
    # and looks once more only if a wake-up for its device may have come since it started.
    known = _device_ids.get(credential_hash)
    waiter = wakeup.hub.register(known, loop) if known is not None else None
    mark = wakeup.hub.mark()
    watcher = None
    try:
        device_id, commands = await look(credential_hash)
        if device_id is None and settings.SECRET_PEPPER_OLD:
            # Hashed under a retired pepper: the shared code finds it and re-hashes it (rare).
            device = await _in_thread(_sync_device_for, value)
            if device is not None:
                device_id, commands = await look(credential_hash)
        if device_id is None:
            _device_ids.pop(credential_hash, None)
            raise await _refuse(attempt)
        _succeeded(attempt)
        if waiter is None or device_id != known:
            if len(_device_ids) > _DEVICE_IDS_MAX:
                _device_ids.clear()
            _device_ids[credential_hash] = device_id
            if waiter is not None:
                wakeup.hub.unregister(waiter)
            waiter = wakeup.hub.register(device_id, loop)
            if not commands and wakeup.hub.woken_since(device_id, mark):
                _, commands = await look(credential_hash)
        if commands or wait <= 0:
            return commands
        wakeup.hub.hold(waiter)  # may end this device's oldest waiting poll
        poll = _Poll(waiter)
        watcher = loop.create_task(_watch_disconnect(receive, poll))
        while not commands and (remaining := deadline - loop.time()) > 0:
            try:
                async with asyncio.timeout(remaining):
                    await waiter.event.wait()
            except TimeoutError:
                break
            waiter.event.clear()
            if poll.gone or waiter.ended:  # gone, or a newer poll took its place
                break
            # Each look authenticates again: a credential rotated meanwhile gets nothing more.
            device_id, commands = await look(credential_hash)
            if device_id is None:
                break
        return commands
    finally:
        if waiter is not None:
            wakeup.hub.unregister(waiter)
        if watcher is not None:
            watcher.cancel()


async def _answer(scope: Scope, receive: Receive, headers: dict[bytes, bytes]) -> _Answer:
    too_large = limits.refusal(
        len(scope["path"]),
        len(scope.get("query_string", b"")),
        sum(len(name) + len(value) for name, value in scope.get("headers") or ()),
    )
    if too_large is not None:  # before anything parses the query string
        raise _problem(*too_large)
    authorization = _header_text(headers, b"authorization")
    forwarded = headers.get(b"x-forwarded-for")
    peer = scope.get("client")
    ip = client_address(peer[0] if peer else None, forwarded.decode("latin-1") if forwarded else "")
    try:
        wait = parse_wait(_query_value(scope, "wait"))
    except Problem as invalid:
        # Authentication answers first (401 before 400), as in every other operation.
        await authenticate(authorization, ip)
        raise _from_problem(invalid) from None
    if wait > 0 and not wakeup.hub.admit(capacity.max_waiting()):
        # Refused before any database work, so an overloaded process sheds load cheaply.
        raise _problem(
            503,
            "gateway_busy",
            "This gateway holds as many waiting polls as it may; poll again after Retry-After.",
            headers={"Retry-After": str(random.randint(*BUSY_RETRY_AFTER_SECONDS)), **BUSY_CLOSE},
        )
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
    return _Answer(200, body, "application/json", [("Cache-Control", "no-store")])


async def serve(scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]) -> None:
    """Answer one `GET /device-api/v1/commands` (`serves(scope, headers)` said yes)."""
    import psycopg
    import psycopg_pool

    started = time.perf_counter()
    request_id = _request_id(headers)
    token = requestid._request_id.set(request_id)
    try:
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                answer = await _answer(scope, receive, headers)
            except _Answer as refused:
                # Without its traceback: kept, the answer would hold this frame, which holds
                # the answer (a cycle per refused poll, left to the full collections that stall
                # the loop; an overloaded process refuses thousands a minute).
                answer = refused.with_traceback(None)
                if answer.status in (401, 429):
                    _log_refused(scope, headers, answer)
            except (
                psycopg.OperationalError,
                psycopg_pool.PoolTimeout,
                *DATABASE_UNAVAILABLE,
            ) as exc:
                problems_logger.warning("Database unavailable: %s", exc)
                answer = _problem(
                    503,
                    "service_unavailable",
                    "The service is temporarily unavailable; try again shortly.",
                    headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE_SECONDS)},
                )
            except Exception:
                # A bug: logged with its traceback, answered in the API's format (as Django's
                # path does), never with the server's plain-text 500.
                problems_logger.exception("Unhandled error in GET %s", scope["path"])
                answer = _problem(500, "server_error", "An unexpected error occurred.")
    finally:
        requestid._request_id.reset(token)
    await _send(send, answer, request_id, _is_secure(scope, headers))
    if settings.METRICS_ENABLED:
        metrics.observe_request(METRICS_ROUTE, "GET", answer.status, time.perf_counter() - started)


def _log_refused(scope: Scope, headers: dict[bytes, bytes], answer: _Answer) -> None:
    """The security log line cybergate.security.SecurityLogMiddleware writes for 401s and 429s."""
    authorization = _header_text(headers, b"authorization")
    forwarded = headers.get(b"x-forwarded-for")
    peer = scope.get("client")
    try:
        code = json.loads(answer.body).get("code")
    except ValueError:
        code = None
    metrics.count_refusal(
        scope["path"], code or ("unauthorized" if answer.status == 401 else "rate_limited")
    )
    security_log.warning(
        "auth_failed" if answer.status == 401 else "rate_limited",
        reason=code,
        status=answer.status,
        secret_prefix=secret_prefix(authorization),
        client_ip=client_address(
            peer[0] if peer else None, forwarded.decode("latin-1") if forwarded else ""
        ),
        method="GET",
        path=(scope.get("root_path", "") + scope["path"])[:200],
    )


class LeanGateway:
    """ASGI application: the lean path for `GET /device-api/v1/commands`, Django for the rest."""

    def __init__(self, django_application: ASGIApp) -> None:
        self.django = django_application

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") == PATH:
            if settings.GATEWAY_LOOP_PROBE:
                loopprobe.ensure_started()
            headers = _headers(scope)
            if serves(scope, headers):
                await serve(scope, receive, send, headers)
                return
        await self.django(scope, receive, send)
