"""Wake a device's waiting long-poll when a command is queued for it, in any server process.

How it fits together:

- Each process has one `Hub`: a map from device id to the long-polls waiting in this process.
  A waiting poll holds an `asyncio.Event`, not a thread and not a database connection.
- Places: a device holds at most MAX_WAITING_PER_DEVICE waiting polls (`hold`: a newer one ends
  its oldest at once, answered empty), and a process at GATEWAY_MAX_WAITING takes a new poll's
  place from a device holding more than one before it refuses anyone (`admit`).
- `notify(device_id)` runs after the command's transaction commits (devices sends the
  `command_queued` signal; gateway/apps.py connects it here). It wakes this process's
  waiters directly and tells the other processes through the configured backend:
  Redis pub/sub (`REDIS_URL` set), or nothing at all without Redis, where every process polls
  the database a few times a second.
- One background thread per process runs an event loop with the listener (one Redis
  connection per process) and a safety-net poll that asks the database, in one query,
  which devices have a command that became deliverable since its last look (new, or due for
  redelivery), and wakes those waiting here: its cost follows the door-opens still valid, not the
  number of waiting devices. The safety net catches a message lost while
  a listener reconnects and commands that become deliverable again without a new notify
  (redelivery of an unacknowledged command).
- Outages: while the listener is down (Redis gone) the safety net polls as often
  as the embedded default does, so door-opens keep arriving quickly. The listener retries every
  second at most, so it is back within about a second of its server; on (re)subscribing the
  safety net looks at once, so nothing queued meanwhile waits for the next poll.

The thread, rather than a task on the server's own loop, keeps this independent of who runs the
view: uvicorn has one loop per process, but Django's runserver and test client run each async
view on a loop of its own. Waking a waiter on another loop is `call_soon_threadsafe`.

A waiter registers before it first looks at the database (`longpoll.commands`), so a notify
that arrives between the look and the wait leaves the event set; or, when it learns its device's
id from that look (gateway/lean.py), after it, asking `woken_since` whether to look again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.db import connections

from cybergate.lib import metrics
from cybergate.lib.feeds import wake_topic
from devices.selectors import devices_with_new_pending_commands
from devices.signals import COMMAND_TOPIC

if TYPE_CHECKING:
    import redis

    # A listener: subscribes, calls its argument once subscribed, then waits for messages.
    _Listen = Callable[[Callable[[], None]], Awaitable[None]]

logger = logging.getLogger(__name__)

REDIS = "redis"
DATABASE_POLL = "db-poll"

# The safety net also looks this far before its last sweep: a command's created_at is taken
# before its transaction commits, and web servers' clocks may differ a little.
_SWEEP_OVERLAP = timedelta(seconds=5)
# Listener back-off: short, because a refused connect costs nothing and every second without the
# listener is a second of slower wake-ups.
_RECONNECT_MIN_SECONDS = 0.1
_RECONNECT_MAX_SECONDS = 1.0
# A device holds at most this many waiting polls in a process: a newer poll ends its oldest at
# once (with the empty answer, which a re-poll after a lost connection wants anyway), so one
# credential cannot take a process's places from the other devices.
MAX_WAITING_PER_DEVICE = 2


def backend_name() -> str:
    """The configured backend; `auto` picks Redis when configured, else the database poll."""
    choice: str = settings.GATEWAY_WAKEUP
    if choice != "auto":
        return choice
    return REDIS if settings.REDIS_URL else DATABASE_POLL


def sweep_interval(*, listening: bool = True) -> float:
    """How often the safety net polls: the whole mechanism for the embedded default, and for
    the others while their listener is down."""
    if backend_name() == DATABASE_POLL or not listening:
        return settings.GATEWAY_DB_POLL_SECONDS
    return settings.GATEWAY_SAFETY_POLL_SECONDS


class Waiter:
    """One long-poll waiting in this process. Woken from any thread; `ended`: it must answer at
    once, with nothing (its place went to a newer poll, see Hub.hold and Hub.admit)."""

    __slots__ = ("device_id", "ended", "event", "loop")

    def __init__(self, device_id: str, loop: asyncio.AbstractEventLoop) -> None:
        self.device_id = device_id
        self.loop = loop
        self.event = asyncio.Event()
        self.ended = False

    def end(self) -> None:
        self.ended = True
        self.wake()

    def wake(self) -> None:
        # RuntimeError: its loop has closed, the request is gone.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.event.set)

    async def wait(self, timeout: float) -> bool:
        """Wait until woken or `timeout` seconds pass; True if woken. Re-arms the event."""
        try:  # not asyncio.wait_for, which costs a task per waiting poll
            async with asyncio.timeout(timeout):
                await self.event.wait()
        except TimeoutError:
            return False
        self.event.clear()
        return True


class Hub:
    """This process's waiting long-polls, by device id, and the thread that wakes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[Waiter]] = {}
        self._thread: _Background | None = None
        # Long-polls admitted and not yet answered (including those still authenticating): what
        # GATEWAY_MAX_WAITING bounds and /readyz reports.
        self._admitted = 0
        # The polls waiting now (past their first look), by device, oldest first; and the devices
        # holding more than one, oldest first: where a place comes from when the process is full.
        self._held: dict[str, list[Waiter]] = {}
        self._crowded: dict[str, None] = {}
        # Wake-ups numbered as they arrive, with the number of each device's latest: a poll that
        # can register only after its first look (it learns its device id from it) asks whether
        # a wake-up for the device came since it started, instead of looking again.
        self._woken_count = 0
        self._woken: dict[str, int] = {}
        self._woken_forgotten = 0  # wake-ups up to this number are no longer in _woken

    def admit(self, limit: int) -> bool:
        """Count one more held long-poll; pair with release(). With `limit` held already, the
        place comes from a device holding more than one (its oldest poll ends at once); only
        when every device holds one is the poll refused (False). So refusals fall on the devices
        holding the most first, and no device is pushed below one poll by the others."""
        ended = None
        with self._lock:
            if self._admitted >= limit:
                if not self._crowded:
                    metrics.gateway_polls_refused_busy.inc()
                    return False
                ended = self._held[next(iter(self._crowded))][0]
                self._forget(ended)
            self._admitted += 1
        metrics.gateway_polls_waiting.inc()
        if ended is not None:
            ended.end()
        return True

    def release(self) -> None:
        with self._lock:
            self._admitted -= 1
        metrics.gateway_polls_waiting.dec()

    def admitted_count(self) -> int:
        with self._lock:
            return self._admitted

    # Registration and waking may run in any thread; the waiter waits on `loop`.
    def register(
        self, device_id: UUID | str, loop: asyncio.AbstractEventLoop | None = None
    ) -> Waiter:
        waiter = Waiter(str(device_id), loop or asyncio.get_running_loop())
        with self._lock:
            self._waiters.setdefault(waiter.device_id, set()).add(waiter)
        self._ensure_background()
        return waiter

    def unregister(self, waiter: Waiter) -> None:
        with self._lock:
            waiters = self._waiters.get(waiter.device_id)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[waiter.device_id]
            self._forget(waiter)

    def hold(self, waiter: Waiter) -> None:
        """`waiter` (registered, its device authenticated) starts waiting. Its device's oldest
        waiting poll beyond MAX_WAITING_PER_DEVICE ends at once."""
        ended = None
        with self._lock:
            held = self._held.setdefault(waiter.device_id, [])
            held.append(waiter)
            if len(held) > MAX_WAITING_PER_DEVICE:
                ended = held[0]
                self._forget(ended)
            elif len(held) > 1:
                self._crowded[waiter.device_id] = None
        if ended is not None:
            ended.end()

    def _forget(self, waiter: Waiter) -> None:
        # Under self._lock: `waiter` no longer holds a place.
        held = self._held.get(waiter.device_id)
        if held is None or waiter not in held:
            return
        held.remove(waiter)
        if len(held) <= 1:
            self._crowded.pop(waiter.device_id, None)
        if not held:
            del self._held[waiter.device_id]

    def mark(self) -> int:
        """A point in the stream of wake-ups, for woken_since()."""
        with self._lock:
            return self._woken_count

    def woken_since(self, device_id: UUID | str, mark: int) -> bool:
        """Whether a wake-up for `device_id` may have arrived after `mark`: True when unsure,
        also whenever the listener is not subscribed (starting, or its backend down)."""
        thread = self._thread
        if thread is None or not thread.listening:
            return True
        with self._lock:
            return self._woken_forgotten > mark or self._woken.get(str(device_id), 0) > mark

    def listening(self) -> bool:
        """Whether this process's listener is subscribed: wake-ups from other processes arrive."""
        thread = self._thread
        return thread is not None and thread.listening

    def wake(self, device_id: UUID | str) -> None:
        with self._lock:
            self._woken_count += 1
            if len(self._woken) >= 100_000:
                self._woken.clear()
                self._woken_forgotten = self._woken_count - 1
            self._woken[str(device_id)] = self._woken_count
            waiters = list(self._waiters.get(str(device_id), ()))
        for waiter in waiters:
            waiter.wake()

    def has_waiters(self) -> bool:
        with self._lock:
            return bool(self._waiters)

    def waiting_device_ids(self) -> list[str]:
        with self._lock:
            return list(self._waiters)

    def _ensure_background(self) -> None:
        # Started lazily, and again in a forked child (gunicorn forks after import).
        thread = self._thread
        if thread is not None and thread.pid == os.getpid() and thread.is_alive():
            return
        with self._lock:
            thread = self._thread
            if thread is None or thread.pid != os.getpid() or not thread.is_alive():
                self._thread = _Background(self)
                self._thread.start()

    def stop(self) -> None:
        """Stop the background thread (tests switch backends between runs)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None and thread.pid == os.getpid():
            thread.stop()


class _Background(threading.Thread):
    """Listener and safety-net poll, on an event loop of their own."""

    def __init__(self, hub: Hub) -> None:
        super().__init__(name="cybergate-wakeup", daemon=True)
        self.hub = hub
        self.pid = os.getpid()
        self.backend = backend_name()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()  # loop and _stopping exist
        # Whether the listener is subscribed now, and a nudge for the safety poll when it stops
        # being (both only touched on this thread's loop).
        self.listening = False
        self._sweep_now: asyncio.Event | None = None
        # One thread, so one database connection per process for the safety net.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cybergate-wakeup-db")

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._sweep_now = asyncio.Event()
        self._ready.set()
        tasks = [asyncio.create_task(self._sweep())]
        if self.backend == REDIS:
            tasks.append(asyncio.create_task(self._listen_redis()))
        await self._stopping.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.loop.run_in_executor(self._db, _close_connection)
        self._db.shutdown(wait=False)

    def stop(self) -> None:
        if not self._ready.wait(timeout=5):
            return
        assert self.loop is not None and self._stopping is not None  # set before _ready
        try:
            self.loop.call_soon_threadsafe(self._stopping.set)
        except RuntimeError:  # already finished
            return
        self.join(timeout=5)

    async def _sweep(self) -> None:
        assert self._sweep_now is not None  # _main sets it first
        loop = asyncio.get_running_loop()
        failing = False
        # Only commands that became deliverable since the last successful sweep can concern a
        # waiting poll (each poll looks for itself when it registers), so the cost does not grow
        # with the number of waiting devices.
        since = _now()
        while True:
            # contextlib.suppress: a timeout is the normal way to the next poll.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._sweep_now.wait(), sweep_interval(listening=self.listening)
                )
            self._sweep_now.clear()
            started = _now()
            if not self.hub.has_waiters():
                since = started  # nobody to wake; whoever registers next looks for themselves
                continue
            try:
                pending = await loop.run_in_executor(
                    self._db, _pending_since, since - _SWEEP_OVERLAP, started
                )
            except Exception:  # the database may be restarting; try again later
                if not failing:  # once per outage, not every poll
                    logger.warning("Wake-up safety poll failed", exc_info=True)
                failing = True
                await loop.run_in_executor(self._db, _close_connection)
                continue
            if failing:
                logger.warning("Wake-up safety poll works again")
                failing = False
            since = started
            for device_id in pending:
                self.hub.wake(device_id)  # a no-op for a device not waiting here

    async def _reconnecting(self, name: str, listen: _Listen) -> None:
        """Run `listen` for ever: after a failure, retry with a short back-off that starts over
        once a subscription succeeded. One warning per outage, not one per attempt."""
        assert self._sweep_now is not None  # _main sets it first
        sweep_now = self._sweep_now
        delay = _RECONNECT_MIN_SECONDS
        failures = 0

        def subscribed() -> None:
            nonlocal delay, failures
            if failures:
                logger.warning("%s wake-up listener is back after %d attempts", name, failures)
            delay, failures = _RECONNECT_MIN_SECONDS, 0
            self.listening = True
            # Anything committed while we were not listening: look now, in one query for all
            # waiting devices (rather than waking every waiter to query for itself).
            sweep_now.set()

        while True:
            try:
                await listen(subscribed)
            except asyncio.CancelledError:
                raise
            except Exception:  # any failure means reconnect
                if self.listening:
                    # Look now and then poll often: nothing else wakes the waiters meanwhile.
                    self.listening = False
                    self._sweep_now.set()
                failures += 1
                if failures == 1:
                    logger.warning(
                        "%s wake-up listener lost; reconnecting (polling the database meanwhile)",
                        name,
                        exc_info=True,
                    )
            await asyncio.sleep(delay)
            delay = min(delay * 2, _RECONNECT_MAX_SECONDS)

    async def _listen_redis(self) -> None:
        import redis.asyncio

        async def listen(subscribed: Callable[[], None]) -> None:
            client = redis.asyncio.Redis.from_url(
                settings.REDIS_URL,
                health_check_interval=15,
                socket_keepalive=True,
                socket_connect_timeout=2,
                client_name=f"cybergate-wakeup-{channel()}",
            )
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(channel())
                subscribed()
                while True:
                    message = await pubsub.get_message(timeout=15.0)
                    if message is None:
                        await pubsub.ping()  # a dead connection fails here, not silently
                        continue
                    data = message.get("data")
                    if isinstance(data, bytes):
                        self.hub.wake(data.decode())
            finally:
                await client.aclose()

        await self._reconnecting("Redis", listen)


def postgres_conninfo() -> str:
    """The default database's connection string for psycopg, outside Django (the lean path's
    pool, gateway/lean.py)."""
    from psycopg.conninfo import make_conninfo

    db = connections["default"].settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": str(db["PORT"]) if db.get("PORT") else None,
        # Notice a silently dropped connection within a minute.
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }
    for key, value in (db.get("OPTIONS") or {}).items():
        if isinstance(value, str | int) and key not in ("pool", "isolation_level"):
            params.setdefault(key, value)
    return make_conninfo(**{k: v for k, v in params.items() if v is not None})


def _pending_since(since: datetime, now: datetime) -> set[str]:
    # The thread keeps its connection between sweeps; a failed sweep closes it (_sweep).
    return {str(d) for d in devices_with_new_pending_commands(since, now)}


def _now() -> datetime:
    return datetime.now(UTC)


def _close_connection() -> None:
    connections["default"].close()


def channel() -> str:
    name: str = settings.GATEWAY_WAKEUP_CHANNEL
    return name


hub = Hub()

_redis_client: redis.Redis | None = None
_redis_lock = threading.Lock()


def _redis() -> redis.Redis:
    global _redis_client
    if _redis_client is None:
        import redis

        with _redis_lock:
            if _redis_client is None:
                _redis_client = redis.Redis.from_url(
                    settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
                )
    return _redis_client


def notify(device_id: UUID | str) -> None:
    """Tell every server process that `device_id` has a new command (called after commit).

    Never raises: the command is committed already, and a lost message only costs the device
    the safety-net interval.
    """
    device_id = str(device_id)
    hub.wake(device_id)
    backend = backend_name()
    try:
        if backend == REDIS:
            _redis().publish(channel(), device_id)
    except Exception:  # see docstring
        logger.warning("Wake-up notify via %s failed", backend, exc_info=True)


def command_queued(sender: object, device_id: UUID | str, **kwargs: object) -> None:
    """Receiver of devices.signals.command_queued (connected in gateway/apps.py)."""
    notify(device_id)


def log_appended(sender: object, *, log: str, tenant_id: UUID, **kwargs: object) -> None:
    """Receiver of audit.signals.log_appended: wake the customer API's long-polls on that tenant's
    log (gateway/apilongpoll.py)."""
    notify(wake_topic(log, tenant_id))


def command_settled(sender: object, *, command_id: UUID, **kwargs: object) -> None:
    """Receiver of devices.signals.command_settled: wake the customer API's long-polls on the
    command's outcome."""
    notify(wake_topic(COMMAND_TOPIC, command_id))
