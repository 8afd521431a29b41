"""Prometheus metrics: every metric the processes expose, defined here so names are greppable.

`prometheus_client` underneath. Under gunicorn each pool runs several worker processes, so the
start commands (README "Deploying") set `PROMETHEUS_MULTIPROC_DIR`, one empty directory per pool,
prepared by `deploy/gunicorn.conf.py`, which also marks exited workers dead. Then every process
writes its values to files there and a scrape of any worker sums them (`multiprocess_mode`
says how for gauges). Without it (`make run`, the tests) the in-process registry is used.

Labels are route templates, problem codes and outcomes: never raw paths, ids or tenants.

Every metric is defined here, those the apps count too (webhooks/worker.py and services.py
count theirs); values read when scraped are registered by their owner (`register_pool`,
`register_webhook_backlog`), as this library module imports no app.

`/metrics` (`view`, and `serve_in_thread` for processes without HTTP) answers only addresses in
settings.METRICS_ALLOWED or a request bearing settings.METRICS_TOKEN; anyone else gets the same
404 as an unknown URL.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from time import perf_counter, time
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from cybergate.lib.clientinfo import (
    API_PREFIX,
    DEVICE_API_PREFIX,
    address_in,
    bearer_value,
    client_address,
    client_ip,
)
from cybergate.lib.middleware import DualModeMiddleware

# Latency buckets (seconds) of requests and door-opens: fast paths in ms, long-polls up to 30 s.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

# --- HTTP (HttpMetricsMiddleware below; the lean gateway path records its own) ---------------
# One histogram: its `_count` is the requests by route, method and status class, its buckets
# the latency (a second series, a counter, would cost the hot path another file write).
http_requests = Histogram(
    "cybergate_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template, method and status class (2xx...); "
    "_count is the number of requests.",
    ["route", "method", "status"],
    buckets=_BUCKETS,
)

# --- Authentication ---------------------------------------------------------------------------
auth_refusals = Counter(
    "cybergate_auth_refusals",
    "Requests refused by authentication, permissions or rate limits, by surface (api, "
    "device_api, portal) and problem code (expired_secret, ip_not_allowed, auth_rate_limited...).",
    ["surface", "code"],
)
sign_in_failures = Counter(
    "cybergate_sign_in_failures",
    "Failed portal sign-ins, by factor: password (or unknown email), second_factor, microsoft.",
    ["factor"],
)
sign_in_lockouts = Counter(
    "cybergate_sign_in_lockouts", "Sign-in lockouts begun (once per lockout, not per attempt)."
)

# --- Device gateway ---------------------------------------------------------------------------
gateway_polls_waiting = Gauge(
    "cybergate_gateway_polls_waiting",
    "Long-polls held now (summed over the live processes of a pool).",
    multiprocess_mode="livesum",
)
gateway_polls_waiting_limit = Gauge(
    "cybergate_gateway_polls_waiting_limit",
    "GATEWAY_MAX_WAITING of each live gateway process, summed: the pool's capacity for polls.",
    multiprocess_mode="livesum",
)
gateway_polls_refused_busy = Counter(
    "cybergate_gateway_polls_refused_busy",
    "Long-polls refused with 503 gateway_busy (the process held GATEWAY_MAX_WAITING).",
)
door_open_commands = Counter(
    "cybergate_door_open_commands",
    "Door-open commands finished, by outcome: executed, failed (as the device reported), expired "
    "(never delivered; counted when its call ends).",
    ["outcome"],
)
door_open_queued_to_delivered = Histogram(
    "cybergate_door_open_queued_to_delivered_seconds",
    "From a door-open command's creation to its first delivery to the device.",
    buckets=_BUCKETS,
)
door_open_delivered_to_acknowledged = Histogram(
    "cybergate_door_open_delivered_to_acknowledged_seconds",
    "From a door-open command's (last) delivery to the device's acknowledgement.",
    buckets=_BUCKETS,
)
door_open_post_to_delivered = Histogram(
    "cybergate_door_open_post_to_delivered_seconds",
    "From the arrival of the door-open POST to the command's first delivery to the device.",
    buckets=_BUCKETS,
)

# --- Feeds and notices ------------------------------------------------------------------------
feed_entries_served = Counter(
    "cybergate_feed_entries_served",
    "New-entries feed entries returned (call_log, audit).",
    ["feed"],
)
feed_acks = Counter("cybergate_feed_acks", "New-entries feed cursors acknowledged.", ["feed"])
expiry_notices = Counter(
    "cybergate_expiry_notices",
    "API secret expiry notice emails, by outcome (sent, failed).",
    ["outcome"],
)

# --- Webhooks: defined here for the webhooks app, which counts them; its due backlog is read at
# scrape time through register_webhook_backlog (no samples until it does) ---------------------
webhook_attempts = Counter(
    "cybergate_webhook_attempts", "Webhook delivery attempts, by outcome.", ["outcome"]
)
webhook_event_to_first_attempt = Histogram(
    "cybergate_webhook_event_to_first_attempt_seconds",
    "From an event to the first attempt to deliver it.",
    buckets=_BUCKETS,
)
webhook_endpoints_disabled = Counter(
    "cybergate_webhook_endpoints_disabled", "Webhook endpoints disabled after failing."
)
# () -> (attempts due now, age in seconds of the oldest of them, 0 when none)
_webhook_backlog: Callable[[], tuple[int, float]] | None = None


def register_webhook_backlog(reader: Callable[[], tuple[int, float]]) -> None:
    """Report the webhook backlog on every scrape: `reader()` is (due attempts, oldest's age)."""
    global _webhook_backlog
    _webhook_backlog = reader


# --- Database pools, read at scrape time ------------------------------------------------------
# name -> a callable returning psycopg_pool's get_stats() (or {} when the pool does not exist).
_pools: dict[str, Callable[[], Mapping[str, int]]] = {}


def register_pool(name: str, stats: Callable[[], Mapping[str, int]]) -> None:
    """Report a connection pool's use on every scrape (`stats`: psycopg_pool's get_stats)."""
    _pools[name] = stats


def _django_pool_stats() -> Mapping[str, int]:
    from django.db import connections

    # The pools Django made so far; reading `connection.pool` would open one.
    wrapper = connections["default"]
    pool = getattr(type(wrapper), "_connection_pools", {}).get(wrapper.alias)
    return pool.get_stats() if pool is not None else {}


register_pool("django", _django_pool_stats)


class _ScrapeTimeCollector(Collector):
    """What is read when scraped: this process's database pools (connections in use, requests
    waiting) and the webhook backlog (a database query, once per scrape)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        in_use = GaugeMetricFamily(
            "cybergate_db_pool_connections_in_use",
            "Database connections lent out now by the answering process's pool.",
            labels=["pool"],
        )
        size = GaugeMetricFamily(
            "cybergate_db_pool_connections",
            "Database connections open now in the answering process's pool.",
            labels=["pool"],
        )
        waiting = GaugeMetricFamily(
            "cybergate_db_pool_requests_waiting",
            "Requests waiting for a pooled database connection in the answering process.",
            labels=["pool"],
        )
        for name, stats in sorted(_pools.items()):
            try:
                values = stats()
            except Exception:  # a scrape must not fail for a pool that is closing
                continue
            if not values:
                continue
            opened = values.get("pool_size", 0)
            in_use.add_metric([name], opened - values.get("pool_available", 0))
            size.add_metric([name], opened)
            waiting.add_metric([name], values.get("requests_waiting", 0))
        yield from (in_use, size, waiting)
        due = GaugeMetricFamily("cybergate_webhook_due", "Webhook attempts due now.")
        oldest = GaugeMetricFamily(
            "cybergate_webhook_oldest_due_age_seconds",
            "Age of the oldest webhook attempt due now (0 when none).",
        )
        if _webhook_backlog is not None:
            try:
                count, age = _webhook_backlog()
            except Exception:  # the database is down: no sample, rather than no scrape
                pass
            else:
                due.add_metric([], count)
                oldest.add_metric([], age)
        yield from (due, oldest)


_scrape_time = _ScrapeTimeCollector()
REGISTRY.register(_scrape_time)


def exposition() -> bytes:
    """The Prometheus text format of this process (every worker's, in multiprocess mode)."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_scrape_time)
    return generate_latest(registry)


# The classic text format, which every Prometheus 2.x reads.
_CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


# --- Who may read it --------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)


def allowed(ip: str | None, authorization: str | None) -> bool:
    """May a client at `ip` with this Authorization header read the metrics?"""
    if not settings.METRICS_ENABLED:
        return False
    token = bearer_value(authorization)
    if settings.METRICS_TOKEN and token is not None:
        return hmac.compare_digest(token.encode(), settings.METRICS_TOKEN.encode())
    return address_in(ip, _networks(tuple(settings.METRICS_ALLOWED)))


@csrf_exempt  # it changes nothing; a CSRF 403 would tell a stranger the URL exists
@never_cache
def view(request: HttpRequest) -> HttpResponse:
    if not allowed(client_ip(request), request.META.get("HTTP_AUTHORIZATION")):
        raise Http404  # as an unknown URL, whatever the method: nothing tells a stranger more
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return HttpResponse(exposition(), content_type=_CONTENT_TYPE)


def _wsgi_app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    ip = client_address(environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR", ""))
    if environ.get("PATH_INFO") != "/metrics" or not allowed(ip, environ.get("HTTP_AUTHORIZATION")):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]
    start_response("200 OK", [("Content-Type", _CONTENT_TYPE)])
    return [exposition()]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # no stderr line per scrape
        pass


def serve_in_thread(address: str, port: int) -> WSGIServer:
    """`/metrics` for a process that serves no HTTP (a worker), on a daemon thread."""
    server = make_server(address, port, _wsgi_app, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def door_open_delivered(
    created_at: datetime, delivered_at: datetime, *, first: bool, requested_at: datetime | None
) -> None:
    """One door-open command handed to its device (`first`: not a redelivery)."""
    if first:
        door_open_queued_to_delivered.observe((delivered_at - created_at).total_seconds())
        if requested_at is not None:
            door_open_post_to_delivered.observe((delivered_at - requested_at).total_seconds())


def door_open_acknowledged(
    outcome: str, *, delivered_at: datetime | None, acked_at: datetime
) -> None:
    """The device reported a command `executed` or `failed`."""
    door_open_commands.labels(outcome).inc()
    if delivered_at is not None:
        door_open_delivered_to_acknowledged.observe((acked_at - delivered_at).total_seconds())


def count_refusal(path: str, code: str) -> None:
    """One refused request (401, API 403, 429) by surface and problem code (cybergate.security)."""
    if path.startswith(DEVICE_API_PREFIX):
        surface = "device_api"
    elif path.startswith(API_PREFIX):
        surface = "api"
    else:
        surface = "portal"
    auth_refusals.labels(surface, code).inc()


# --- HTTP requests ----------------------------------------------------------------------------
def _route(request: HttpRequest) -> str:
    match = request.resolver_match
    return match.route if match is not None and match.route else "unmatched"


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# (route, method, status) -> its histogram: labels() costs more than the observation itself.
_request_series: dict[tuple[str, str, int], Histogram] = {}


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    method = method if method in _METHODS else "other"  # a client chooses it: bounded labels
    series = _request_series.get((route, method, status))
    if series is None:
        series = http_requests.labels(route, method, f"{status // 100}xx")
        _request_series[route, method, status] = series
    series.observe(seconds)


_arrived_at: ContextVar[float | None] = ContextVar("request_arrived_at", default=None)


def request_arrived_at() -> datetime | None:
    """When the request being answered arrived (None outside a request, or metrics off)."""
    arrived = _arrived_at.get()
    return None if arrived is None else datetime.fromtimestamp(arrived, UTC)


class HttpMetricsMiddleware(DualModeMiddleware):
    """Counts and times every request by its route template (settings.MIDDLEWARE, first)."""

    def __call__(self, request: HttpRequest):
        if self._async:
            return self.__acall__(request)
        started = perf_counter()
        token = _arrived_at.set(time())
        try:
            response = self.get_response(request)
        finally:
            _arrived_at.reset(token)
        observe_request(
            _route(request), request.method or "", response.status_code, perf_counter() - started
        )
        return response

    async def __acall__(self, request: HttpRequest):
        started = perf_counter()
        token = _arrived_at.set(time())
        try:
            response = await self.get_response(request)
        finally:
            _arrived_at.reset(token)
        observe_request(
            _route(request), request.method or "", response.status_code, perf_counter() - started
        )
        return response
