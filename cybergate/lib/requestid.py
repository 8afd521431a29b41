"""A request id on every answer (but the load balancer's probes), in its problem details, its
log lines and the portal's error pages (to quote to support).

`X-Request-Id` is the client's own when it sent a sane one (1–200 of `A-Za-z0-9._:-`, so it is
safe in logs and headers), else 32 new random hex digits. It is bound for the request's
duration to a context variable (read by problem details as `instance`) and to structlog's
context variables (merged into log lines by the logging configuration; RequestIdLogFilter does
it for stdlib handlers).
The tenant's id joins them from the moment the request's tenant is known (`bind_tenant`: the
portal's tenant middleware, the API's and the gateway's authentication) to the request's end.

Sync- and async-capable: under ASGI it must not hold a thread per device long-poll.
"""

from __future__ import annotations

import logging
import re
import secrets
from contextvars import ContextVar

import structlog

from cybergate.lib.middleware import DualModeMiddleware

HEADER = "X-Request-Id"
_META_KEY = "HTTP_X_REQUEST_ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,200}")

# Probes answer the load balancer, not a person; they stay as cheap as they were (bench/auth.py
# compares the API with /healthz).
_PROBES = frozenset({"/healthz", "/readyz"})

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_tenant_id: ContextVar[str | None] = ContextVar("tenant_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def bind_tenant(tenant_id) -> None:
    """The request's tenant, on its log lines from now to the request's end."""
    if tenant_id is None:
        return
    text = str(tenant_id)
    _tenant_id.set(text)
    structlog.contextvars.bind_contextvars(tenant_id=text)


def _unbind_tenant() -> None:
    _tenant_id.set(None)
    structlog.contextvars.unbind_contextvars("tenant_id")


def request_id_for(given: str | None) -> str:
    """The request id for a request that sent `given` as X-Request-Id (or nothing)."""
    if given is not None and _SANE.fullmatch(given):
        return given
    return secrets.token_hex(16)  # 128 random bits, at a third of what uuid4().hex costs


class bound:  # lower case, as contextlib.suppress: `with requestid.bound(request_id):`
    """The request's id (and, once known, its tenant) on its log lines and problem details.
    A class, not a generator: the gateway holds one per waiting long-poll."""

    __slots__ = ("_request_id", "_tokens")

    def __init__(self, request_id: str) -> None:
        self._request_id = request_id

    def __enter__(self) -> None:
        self._tokens = (
            _request_id.set(self._request_id),
            structlog.contextvars.bind_contextvars(request_id=self._request_id),
        )

    def __exit__(self, *exc_info: object) -> None:
        token, structlog_tokens = self._tokens
        structlog.contextvars.reset_contextvars(**structlog_tokens)
        _request_id.reset(token)
        _unbind_tenant()


class RequestIdMiddleware(DualModeMiddleware):
    def __call__(self, request):
        if self._async:
            return self.__acall__(request)
        if request.path in _PROBES:
            return self.get_response(request)
        request_id = request_id_for(request.META.get(_META_KEY))
        with bound(request_id):
            response = self.get_response(request)
        response[HEADER] = request_id
        return response

    async def __acall__(self, request):
        if request.path in _PROBES:
            return await self.get_response(request)
        request_id = request_id_for(request.META.get(_META_KEY))
        with bound(request_id):
            response = await self.get_response(request)
        response[HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` ("-" outside a request) and, when known, `tenant_id` to stdlib log
    records."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        tenant_id = _tenant_id.get()
        if tenant_id is not None:
            record.tenant_id = tenant_id
        return True
