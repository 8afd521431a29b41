"""Bearer authentication of the customer API: `Authorization: Bearer <API secret>`.

Cost: the keyed hash is microseconds; the database round trip is what costs (the budget: an
authenticated request must keep ≥ 0.75 of the throughput of `/healthz`). So each process keeps a
small cache {hash → the secret and its tenant} (apisecrets/cache.py) and trusts an entry for
settings.API_SECRET_CACHE_SECONDS (0.5 s). After that the next request reloads it with one indexed
query (tokens.find). This bounds every change made elsewhere — a deletion in another process, API
access being switched off — to that window on every process, without any cross-process messaging;
a deletion in this process evicts at once (the services call `cache.forget`). Each request gets
its own shallow copies of the cached instances, so nothing a view does to them (a deferred field it
loads, a related object it caches) leaks into another request. Expiry is checked on every
request against the cached `expires_at`, so a secret stops working the moment it expires; a
disabled one (`disabled_at`) is refused like a deleted one: here at once, elsewhere within the
window.

A test secret belongs to its tenant's sandbox (a tenant row of its own), so `request.tenant` is
the sandbox and every view, scoped by it as always, sees sandbox rows only. The live tenant's
API access governs it.

Failed attempts count against settings.AUTH_FAILURE_RATE_LIMIT per client IP. Over it the address
gets 429 `auth_rate_limited` for every secret it has not used successfully lately, decided before
the lookup (cybergate/lib/authfailures.py `auth_attempt`): guessing stops, a flood
costs no query, and a customer's working client behind the same address keeps working.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model, Q
from django.db.models.base import ModelState
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication

from apisecrets import cache
from apisecrets.models import ApiSecret
from apisecrets.services import API_SECRET_PURPOSE, hash_api_secret, usage_add
from apisecrets.validators import parse_networks
from cybergate.lib import tokens
from cybergate.lib.authfailures import auth_attempt, failed_authentication
from cybergate.lib.clientinfo import address_in, bearer_value, client_ip
from cybergate.lib.problems import AuthenticationProblem, Problem
from cybergate.lib.requestid import bind_tenant
from tenants.models import Tenant

LAST_USED_GRANULARITY = timedelta(seconds=60)
_SECRET_SHAPE = re.compile(re.escape(tokens.API_SECRET_PREFIX) + r"[A-Za-z0-9_\-]{32,64}")
# Left out of the cached instance: the hash is only looked up by, and the read positions are
# deferred so that whoever needs them reads them fresh.
_DEFERRED = ("hashed_value", "call_log_position", "audit_position")
M = TypeVar("M", bound=Model)


@dataclass(slots=True)
class _Entry:
    # Templates, never handed out: each request gets its own copies (_own_copy).
    secret: ApiSecret
    tenant: Tenant
    last_used_at: datetime | None
    fetched_at: float  # time.monotonic()
    # The allowed addresses, parsed once per load (empty: anywhere).
    networks: tuple = ()
    # The tenant's id for log lines, written once per load (str() of a UUID is slow Python).
    tenant_text: str = ""

    @property
    def secret_id(self) -> Any:
        return self.secret.pk


# Requests per secret id not yet added to ApiSecretUsage (authenticated, and refused although the
# secret was recognised), and when this process last added them. A count racing a flush in
# another thread may be lost: it is a chart, not billing.
USAGE_FLUSH_SECONDS = 60.0
_usage: dict[Any, int] = {}
_refused: dict[Any, int] = {}
_usage_flushed: dict[Any, float] = {}


def _count(counts: dict[Any, int], secret_id: Any) -> None:
    counts[secret_id] = counts.get(secret_id, 0) + 1
    moment = time.monotonic()
    last = _usage_flushed.get(secret_id)
    if last is None:
        # A process's first request starts its minute (no write on the first request).
        _usage_flushed[secret_id] = moment
        return
    if moment - last < USAGE_FLUSH_SECONDS:
        return
    _usage_flushed[secret_id] = moment
    _add_usage(secret_id, timezone.now().date())


def _add_usage(secret_id: Any, day: date) -> None:
    usage_add(
        secret_id=secret_id,
        day=day,
        count=_usage.pop(secret_id, 0),
        refused=_refused.pop(secret_id, 0),
    )


def count_use(secret: ApiSecret) -> None:
    """Count a request this secret may make (SecretPermission, once the request's fate is
    known: a request refused for its permissions counts as refused only)."""
    _count(_usage, secret.pk)


def count_refused(secret: ApiSecret) -> None:
    """Count a request refused with this (recognised) secret, beside its successes."""
    _count(_refused, secret.pk)


def flush_usage() -> None:
    """Write every pending count now: when a worker stops (the `worker_exit` hook of
    deploy/gunicorn.conf.py), and in tests."""
    day = timezone.now().date()
    for secret_id in set(_usage) | set(_refused):
        _add_usage(secret_id, day)
        _usage_flushed[secret_id] = time.monotonic()


def reset_for_tests() -> None:
    """Forget what this process knows of secrets (its cache) and the counts not yet written,
    as a new process would."""
    cache.reset_for_tests()
    _usage.clear()
    _refused.clear()
    _usage_flushed.clear()


def _load(value: str) -> _Entry | None:
    """One indexed query by keyed hash (tokens.find: retired peppers too, re-hashed on a hit)."""
    secret = tokens.find(
        ApiSecret.objects.select_related("tenant__sandbox_of").defer(*_DEFERRED),
        "hashed_value",
        value,
        API_SECRET_PURPOSE,
    )
    if secret is None:
        return None
    return _Entry(
        secret=secret,
        tenant=secret.tenant,
        last_used_at=secret.last_used_at,
        fetched_at=time.monotonic(),
        networks=parse_networks(secret.allowed_addresses),
        tenant_text=str(secret.tenant_id),
    )


def _own_copy(instance: M) -> M:
    """A shallow copy with its own state and cache of related objects.

    copy.copy takes pickling's path (Model.__reduce__ copies the state twice): 4–8 µs per
    instance against about 1 µs here, the largest step of a cached authentication.
    """
    new = object.__new__(type(instance))
    new.__dict__.update(instance.__dict__)
    state = new._state = ModelState()
    state.db, state.adding = instance._state.db, False
    state.fields_cache = dict(instance._state.fields_cache)
    return new


def _unknown(value: str) -> AuthenticationProblem:
    """A well-formed secret that matches none: name it by its display prefix (never more of
    it), as the API Access page lists secrets, so the integrator can tell which one is gone."""
    prefix = value[: tokens.DISPLAY_PREFIX_LENGTH]
    return AuthenticationProblem(
        "invalid_secret",
        f"No API secret {prefix}… exists (deleted or replaced?). Check the API Access page for "
        "the secrets that exist, or create one.",
    )


class ApiClient:
    """`request.user` of an API request: the integrator behind a secret (no portal login)."""

    __slots__ = ("secret", "tenant")
    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_active = True

    def __init__(self, secret: ApiSecret, tenant: Tenant) -> None:
        self.secret = secret
        self.tenant = tenant

    def __str__(self) -> str:
        return f"API secret {self.secret.name}"


class ApiSecretAuthentication(BaseAuthentication):
    """Sets request.auth (the ApiSecret), request.user (ApiClient) and request.tenant."""

    def authenticate(self, request) -> tuple[ApiClient, ApiSecret]:
        ip = client_ip(request)
        value = bearer_value(request.META.get("HTTP_AUTHORIZATION"))
        if value is None:
            raise failed_authentication(
                ip,
                AuthenticationProblem(
                    "missing_credentials",
                    "Send an API secret in the header 'Authorization: Bearer <secret>'.",
                ),
            )
        hashed = hash_api_secret(value)
        # Over the failed-authentication limit, 429 unless this value worked from here lately:
        # decided before any lookup.
        attempt = auth_attempt(ip, hashed)
        entry = cache.get(hashed)
        if entry is None or time.monotonic() - entry.fetched_at > settings.API_SECRET_CACHE_SECONDS:
            # Shape and checksum before any lookup (a cached entry's value has passed them):
            # new values carry a CRC32 checksum, old-format ones (no checksum) the old shape
            # rule (tokens.looks_like, compiled).
            if not (
                tokens.checksum_ok(value)
                if tokens.is_checksummed(value)
                else _SECRET_SHAPE.fullmatch(value)
            ):
                raise attempt.failed(
                    AuthenticationProblem("invalid_secret", "The API secret is not valid.")
                )
            entry = _load(value)
            if entry is None:
                cache.discard(hashed)
                raise attempt.failed(_unknown(value))
            cache.put(hashed, entry)

        now = timezone.now()
        if entry.secret.expires_at <= now:
            _count(_refused, entry.secret_id)
            raise attempt.failed(
                AuthenticationProblem("expired_secret", "The API secret has expired.")
            )
        if entry.secret.disabled_at is not None:
            _count(_refused, entry.secret_id)
            raise attempt.failed(
                AuthenticationProblem(
                    "disabled_secret",
                    "The API secret is disabled. A tenant admin can enable it on its page.",
                )
            )
        if not (entry.tenant.sandbox_of or entry.tenant).api_access_enabled:
            _count(_refused, entry.secret_id)
            raise Problem(
                403,
                "api_access_disabled",
                "API access is not enabled for this tenant. Contact support to enable it.",
            )
        if entry.networks and not address_in(ip, entry.networks):
            # A valid secret from the wrong place: not a guess (no failure counted), and not a
            # success either (it must not earn this address the flood limit's exemption).
            _count(_refused, entry.secret_id)
            raise Problem(
                403,
                "ip_not_allowed",
                f"This API secret may not be used from {ip or 'an unknown address'}.",
            )
        attempt.succeeded()

        secret = _own_copy(entry.secret)
        tenant = _own_copy(entry.tenant)
        secret._state.fields_cache["tenant"] = tenant
        self._record_use(entry, secret, ip, now)
        request.tenant = tenant
        request._request.tenant = tenant
        bind_tenant(entry.tenant_text)
        return ApiClient(secret, tenant), secret

    def authenticate_header(self, request) -> str:
        return "Bearer"

    @staticmethod
    def _record_use(entry: _Entry, secret: ApiSecret, ip: str | None, now: datetime) -> None:
        """Write last use at most once a minute per secret, across all processes.

        The cached value spares this process the query; the condition in the UPDATE makes the
        other processes' attempts in the same minute match no row, so they write nothing.
        """
        if entry.last_used_at is not None and now - entry.last_used_at < LAST_USED_GRANULARITY:
            return
        entry.last_used_at = now
        ApiSecret.objects.filter(pk=secret.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_GRANULARITY)
        ).update(last_used_at=now, last_used_ip=ip)


class ApiSecretAuthenticationScheme(OpenApiAuthenticationExtension):
    """OpenAPI: an HTTP bearer scheme, so Swagger UI's Authorize takes the secret."""

    target_class = "apisecrets.authentication.ApiSecretAuthentication"
    name = "ApiSecret"

    def get_security_definition(self, auto_schema) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API secret from the portal's API Access page.",
        }
