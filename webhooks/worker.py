"""The delivery worker: claims due attempts with a lease, sends them, records the outcome and
schedules the next attempt. Any number of workers on any number of hosts share the work.

At least once: an attempt is claimed (lease_until, lease_token) in one short transaction, sent
outside any transaction, and its outcome recorded in another, only if the lease is still ours.
A worker killed mid-delivery leaves the attempt claimed; once the lease lapses another worker
takes it and sends it again (the receiver sees the same webhook-id twice, and deduplicates).
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import logging
import random
import ssl
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import psycopg
from django.conf import settings
from django.db import (
    DatabaseError,
    close_old_connections,
    connection,
    connections,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from cybergate.lib import metrics
from webhooks import duties, services, ssrf, wakeup
from webhooks.models import RESPONSE_KEPT_BYTES, Attempt, Endpoint, Message

logger = logging.getLogger(__name__)

# Delay before attempt n+1 (seconds), after attempt n fails: about 3 days in all.
SCHEDULE = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600]
JITTER = 0.2
# A Retry-After may put the next attempt off, up to this; it never brings it forward.
RETRY_AFTER_MAX = 24 * 3600
TIMEOUT_SECONDS = 15.0
# An endpoint whose every attempt failed for this long is disabled.
FAILING_LIMIT = timedelta(days=5)
USER_AGENT = "CyberGate-Webhooks/1"


def next_delay(
    number: int, retry_after: float | None = None, rng: random.Random | None = None
) -> float | None:
    """Seconds from the failure of attempt `number` to the next attempt; None: no more attempts.
    WEBHOOK_RETRY_SCALE shortens the whole schedule (tests, the bench)."""
    if number > len(SCHEDULE):
        return None
    scale = settings.WEBHOOK_RETRY_SCALE
    delay = SCHEDULE[number - 1] * (1 + (rng or random).uniform(-JITTER, JITTER))
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_AFTER_MAX))
    return delay * scale


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - now).total_seconds(), 0.0)


# --- Claiming -----------------------------------------------------------------------------


def claim(limit: int) -> list[tuple[int, uuid.UUID]]:
    """Take up to `limit` due attempts: (attempt id, lease token). Rows locked by another
    worker's claim are skipped (PostgreSQL); the conditional UPDATE makes a claim exclusive on
    any database."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    token = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            Attempt.objects.select_for_update(skip_locked=True)
            .filter(free, status=Attempt.Status.PENDING, due_at__lte=now)
            .order_by("due_at")
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return []
        Attempt.objects.filter(free, pk__in=ids, status=Attempt.Status.PENDING).update(
            lease_until=lease, lease_token=token, claims=F("claims") + 1
        )
        taken = Attempt.objects.filter(pk__in=ids, lease_token=token).values_list("id", flat=True)
        return [(attempt_id, token) for attempt_id in taken]


def next_due_in(default: float) -> float:
    """Seconds until the next pending attempt falls due (at most `default`)."""
    now = timezone.now()
    soonest = (
        Attempt.objects.filter(status=Attempt.Status.PENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    lapse = (
        Attempt.objects.filter(status=Attempt.Status.PENDING, lease_until__gte=now)
        .order_by("lease_until")
        .values_list("lease_until", flat=True)
        .first()
    )
    candidates = [default]
    for when in (soonest, lapse):
        if when is not None:
            candidates.append(max((when - now).total_seconds(), 0.0))
    return min(candidates)


# --- Sending ------------------------------------------------------------------------------


@dataclass
class Outcome:
    ok: bool
    http_status: int | None = None
    duration_ms: int | None = None
    error: str = ""
    response: str = ""
    retry_after: float | None = None
    gone: bool = False  # 410: the receiver says the endpoint is gone for good
    refused: bool = False  # the SSRF guard refused the address


def headers_for(message: Message, secrets: list[str], now: datetime) -> dict[str, str]:
    """Standard Webhooks headers: one v1 signature per signing secret, space-separated."""
    signatures = " ".join(
        Webhook(secret).sign(message.webhook_id, now, message.body) for secret in secrets
    )
    return {
        "webhook-id": message.webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every delivery (making one loads the CA bundle: about 0.1 s)."""
    return httpx.create_ssl_context()


def reset_for_tests() -> None:
    """The next delivery makes its TLS context anew (from the environment's CA bundle then)."""
    _tls.cache_clear()


def send(message: Message, endpoint: Endpoint) -> Outcome:
    """One HTTP POST to the vetted address of the endpoint; never follows redirects."""
    try:
        target = ssrf.resolve(endpoint.url)
    except ssrf.Refused as exc:
        return Outcome(ok=False, error=str(exc)[:500], refused=True)
    now = timezone.now()
    headers = headers_for(message, services.signing_secrets(endpoint, now), now)
    headers["host"] = target.host_header()
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    started = time.monotonic()
    try:
        with (
            httpx.Client(
                timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False, verify=_tls()
            ) as client,
            client.stream(
                "POST",
                target.connect_url(),
                content=message.body.encode(),
                headers=headers,
                extensions=extensions,
            ) as answer,
        ):
            kept = b""
            for chunk in answer.iter_bytes():
                kept += chunk
                if len(kept) >= RESPONSE_KEPT_BYTES:
                    break
                if time.monotonic() - started > TIMEOUT_SECONDS:
                    break
    except httpx.HTTPError as exc:
        duration = int((time.monotonic() - started) * 1000)
        return Outcome(ok=False, duration_ms=duration, error=f"{type(exc).__name__}: {exc}"[:500])
    duration = int((time.monotonic() - started) * 1000)
    status = answer.status_code
    text = kept[:RESPONSE_KEPT_BYTES].decode("utf-8", errors="replace")
    ok = 200 <= status < 300 and duration <= TIMEOUT_SECONDS * 1000
    error = ""
    if 300 <= status < 400:
        error = f"Redirect ({status}) not followed: webhooks must be answered at their URL."
    elif not ok and 200 <= status < 300:
        error = f"Answered after more than {TIMEOUT_SECONDS:.0f} s."
    elif not ok:
        error = f"HTTP {status}"
    return Outcome(
        ok=ok,
        http_status=status,
        duration_ms=duration,
        error=error,
        response=text,
        retry_after=parse_retry_after(answer.headers.get("retry-after"), timezone.now()),
        gone=status == 410,
    )


# --- Recording ----------------------------------------------------------------------------


def deliver(attempt_id: int, token: uuid.UUID) -> str:
    """Send one claimed attempt and record what happened; return its status ('lost': our lease
    lapsed and another worker took the attempt over meanwhile)."""
    attempt = (
        Attempt.objects.select_related("message__endpoint__tenant").filter(pk=attempt_id).first()
    )
    if attempt is None:
        return "lost"  # its endpoint was deleted meanwhile
    message = attempt.message
    endpoint = message.endpoint
    if not endpoint.enabled:
        outcome = Outcome(ok=False, error=f"Endpoint disabled: {endpoint.disabled_reason}")
        return record_outcome(attempt, token, outcome, final=True)
    try:
        outcome = send(message, endpoint)
    except Exception as exc:  # e.g. a secret that no longer decrypts: recorded, retried later
        logger.exception("Webhook attempt %s could not be sent", attempt_id)
        outcome = Outcome(ok=False, error=f"Not sent: internal error ({type(exc).__name__}).")
    return record_outcome(attempt, token, outcome)


def record_outcome(
    attempt: Attempt, token: uuid.UUID, outcome: Outcome, *, final: bool = False
) -> str:
    now = timezone.now()
    with transaction.atomic():
        mine = (
            Attempt.objects.select_for_update()
            .filter(pk=attempt.pk, lease_token=token, status=Attempt.Status.PENDING)
            .first()
        )
        if mine is None:
            return "lost"
        mine.status = Attempt.Status.SUCCEEDED if outcome.ok else Attempt.Status.FAILED
        mine.sent_at = now
        mine.http_status = outcome.http_status
        mine.duration_ms = outcome.duration_ms
        mine.error = outcome.error
        mine.response = outcome.response
        mine.lease_until = None
        mine.save()
        message = Message.objects.select_for_update().get(pk=mine.message_id)
        metrics.webhook_attempts.labels(mine.status).inc()
        if mine.number == 1:
            metrics.webhook_event_to_first_attempt.observe(
                (now - message.created_at).total_seconds()
            )
        if outcome.ok:
            message.status = Message.Status.DELIVERED
            message.delivered_at = now
            message.save(update_fields=["status", "delivered_at"])
            # Touches (and locks) the endpoint's row only when it was failing: deliveries to
            # one endpoint do not queue behind each other.
            Endpoint.objects.filter(
                Q(failing_since__isnull=False) | ~Q(last_error=""), pk=message.endpoint_id
            ).update(failing_since=None, last_error="")
            return mine.status
        endpoint = (
            Endpoint.objects.select_for_update()
            .select_related("tenant")
            .get(pk=message.endpoint_id)
        )
        failing_since = endpoint.failing_since or now
        if endpoint.enabled:
            endpoint.failing_since = failing_since
            endpoint.last_error = outcome.error[:500]
            endpoint.save(update_fields=["failing_since", "last_error"])
        delay = None if final else next_delay(mine.number, outcome.retry_after)
        if outcome.gone and endpoint.enabled:
            services.endpoint_disable_for_failures(
                endpoint, "The receiver answered 410 Gone: it no longer accepts webhooks."
            )
            delay = None
        elif endpoint.enabled and now - failing_since >= FAILING_LIMIT:
            services.endpoint_disable_for_failures(
                endpoint,
                f"Every delivery failed for {FAILING_LIMIT.days} days "
                f"(last error: {outcome.error or 'none'}).",
            )
            delay = None
        if delay is None:
            message.status = Message.Status.FAILED
            message.save(update_fields=["status"])
        else:
            Attempt.objects.create(
                message=message, number=mine.number + 1, due_at=now + timedelta(seconds=delay)
            )
    return mine.status


# --- The loop -----------------------------------------------------------------------------


class Worker:
    """`manage.py run_worker`: deliveries on a thread pool, woken by NOTIFY (PostgreSQL) or the
    poll, and the registered periodic duties."""

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or settings.WEBHOOK_WORKER_THREADS
        self.stopping = threading.Event()
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="webhook")
        self._in_flight: set[Future[str]] = set()
        self._lock = threading.Lock()
        self._duty_due: dict[str, float] = {}
        self.delivered = 0

    def stop(self) -> None:
        self.stopping.set()
        wakeup.local.set()

    def run(self) -> None:
        listener = _Listener() if connection.vendor == "postgresql" else None
        if listener is not None:
            listener.connect()  # before the first look: no NOTIFY falls between the two
        try:
            while not self.stopping.is_set():
                try:
                    self._step(listener)
                except DatabaseError:
                    # The database is away: nothing is lost (the log is the queue); try again.
                    logger.exception("Webhook worker: database error; retrying in 1 s")
                    connections.close_all()
                    self.stopping.wait(1.0)
        finally:
            self._pool.shutdown(wait=True)
            if listener is not None:
                listener.close()
            connections.close_all()

    def _step(self, listener: _Listener | None) -> None:
        wakeup.local.clear()
        self.run_duties()
        self.dispatch()
        close_old_connections()
        if self.busy():
            wakeup.local.wait(wakeup.poll_seconds())  # a thread finishing sets it
            return
        wait = next_due_in(wakeup.poll_seconds())
        if wait <= 0:
            return
        if listener is not None:
            listener.wait(wait)
        else:
            wakeup.local.wait(wait)

    def busy(self) -> bool:
        with self._lock:
            return len(self._in_flight) >= self.threads

    def dispatch(self) -> int:
        """Claim as many due attempts as there are free threads and start sending them."""
        with self._lock:
            free = self.threads - len(self._in_flight)
        if free <= 0:
            return 0
        claimed = claim(free)
        for attempt_id, token in claimed:
            future = self._pool.submit(_deliver_in_thread, attempt_id, token)
            with self._lock:
                self._in_flight.add(future)
            future.add_done_callback(self._done)
        return len(claimed)

    def _done(self, future: Future[str]) -> None:
        with self._lock:
            self._in_flight.discard(future)
            if not future.exception() and future.result() == Attempt.Status.SUCCEEDED:
                self.delivered += 1
        wakeup.local.set()  # a thread is free: look for more work

    def run_duties(self) -> None:
        now = time.monotonic()
        for duty in duties.registered():
            if self._duty_due.get(duty.name, 0.0) > now:
                continue
            self._duty_due[duty.name] = now + duty.every_seconds
            try:
                duty.run()
            except Exception:
                logger.exception("Periodic duty %s failed", duty.name)


def _deliver_in_thread(attempt_id: int, token: uuid.UUID) -> str:
    try:
        return deliver(attempt_id, token)
    except Exception:
        logger.exception("Delivering webhook attempt %s failed", attempt_id)
        raise
    finally:
        connections.close_all()


class _Listener:
    """LISTEN on a connection of its own (PostgreSQL): NOTIFYs arrive when messages commit.
    While it cannot connect, waiting falls back to the poll."""

    def __init__(self) -> None:
        self.conn: psycopg.Connection | None = None

    def connect(self) -> psycopg.Connection | None:
        if self.conn is None or self.conn.closed:
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            try:
                self.conn = psycopg.connect(**params, autocommit=True)
                self.conn.execute(f"LISTEN {wakeup.CHANNEL}")
            except psycopg.Error:
                logger.warning("Webhook worker: cannot LISTEN; polling meanwhile")
                self.conn = None
        return self.conn

    def wait(self, timeout: float) -> None:
        if wakeup.local.is_set():
            return
        conn = self.connect()
        if conn is None:
            wakeup.local.wait(timeout)
            return
        try:
            for _ in conn.notifies(timeout=min(timeout, 1.0), stop_after=1):
                break
        except psycopg.Error:
            self.close()

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):
                self.conn.close()
            self.conn = None
