"""Security events in the log (logger `cybergate.security`): failed sign-ins and second factors,
failed bearer authentication and refused requests (403) on the APIs, and every 429.

One line per event with a stable `event` name, a `reason` code, the client address and the path;
never a password or a secret (a bearer value shows only its display prefix, and only when it has
our format, as the portal's table shows it anyway).

Failed bearer authentication, refusals and rate limits are read off the answers (401/403/429
problem details) in one middleware, so every place that refuses a request — DRF's exception
handler, the device gateway's long-poll, any middleware — is covered without each having to log.
The exception: the attempts refused during a sign-in lockout, logged once per lockout (see
ALREADY_LOGGED).
"""

from __future__ import annotations

import json
from typing import TypeVar, cast

import structlog
from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from cybergate.lib import metrics, tokens
from cybergate.lib.clientinfo import bearer_value, client_ip, is_api_request
from cybergate.lib.middleware import DualModeMiddleware
from cybergate.lib.problems import PROBLEM_CONTENT_TYPE

security_log = structlog.get_logger("cybergate.security")

_PATH_MAX = 200
_OUR_PREFIXES = (tokens.API_SECRET_PREFIX, tokens.DEVICE_CREDENTIAL_PREFIX)
# The statuses the middleware logs, and their reason when the answer names no problem code.
_DEFAULT_REASONS = {401: "unauthorized", 403: "forbidden", 429: "rate_limited"}
_LOGGED_STATUSES = frozenset(_DEFAULT_REASONS)


def _request_fields(request: HttpRequest | None) -> dict:
    if request is None:
        return {}
    return {
        "client_ip": client_ip(request),
        "method": request.method,
        "path": request.path[:_PATH_MAX],
    }


def secret_prefix(authorization: str | None) -> str | None:
    """The display prefix of a bearer value of our format, else None (never more of it)."""
    value = bearer_value(authorization)
    if value and any(tokens.looks_like(value, prefix) for prefix in _OUR_PREFIXES):
        # A test secret shows `cgs_test_` and as many random characters as a live one.
        return tokens.api_secret_display_prefix(value)
    return None


def _problem_code(response: HttpResponseBase) -> str | None:
    if response.streaming or not response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE):
        return None
    try:
        return json.loads(cast(HttpResponse, response).content).get("code")  # not streaming
    except (ValueError, AttributeError):
        return None


def login_name(typed: object) -> str | None:
    """A login name as the log may show it: only when it is an email address, since a password
    typed into the wrong field must not end up in the log."""
    text = str(typed or "")
    return text[:254] if "@" in text else None


@receiver(user_login_failed, dispatch_uid="cybergate.security.login_failed")
def log_failed_sign_in(sender, credentials: dict, request: HttpRequest | None = None, **kwargs):
    metrics.sign_in_failures.labels("password").inc()
    security_log.warning(
        "login_failed",
        reason="invalid_credentials",
        user=login_name(credentials.get("username") or credentials.get("email")),
        **_request_fields(request),
    )


@receiver(mfa_signals.authentication_failed, dispatch_uid="cybergate.security.mfa_failed")
def log_failed_second_factor(
    sender, request: HttpRequest | None, user, authenticator, **kwargs
) -> None:
    # A wrong TOTP or recovery code (allauth names the user's TOTP authenticator for either), or
    # a WebAuthn assertion that failed (accounts/forms.py).
    webauthn = authenticator.type == "webauthn"
    metrics.sign_in_failures.labels("second_factor").inc()
    security_log.warning(
        "mfa_failed",
        reason="webauthn_failed" if webauthn else "incorrect_code",
        user=user.email,
        reauthentication=bool(kwargs.get("reauthentication")),
        **_request_fields(request),
    )


# Set on an answer whose refusal is logged already, as one event for many answers: a sign-in
# lockout is logged once (`user.locked_out`, accounts/lockout.py), not once per refused attempt,
# so a flood of them costs no log line each.
ALREADY_LOGGED = "cybergate_security_logged"


_R = TypeVar("_R", bound=HttpResponseBase)


def mark_already_logged(response: _R) -> _R:
    setattr(response, ALREADY_LOGGED, True)
    return response


def log_refused_request(request: HttpRequest, response: HttpResponseBase) -> None:
    if getattr(response, ALREADY_LOGGED, False):
        return
    status = response.status_code
    if status == 401 and is_api_request(request):
        event = "auth_failed"
    elif status == 403 and is_api_request(request):
        # A recognised secret refused: outside its permissions or allowed addresses, or its
        # tenant's API access off.
        event = "request_refused"
    elif status == 429:
        event = "rate_limited"
    else:
        return
    reason = _problem_code(response) or _DEFAULT_REASONS[status]
    log_refusal(
        event,
        reason,
        status,
        authorization=request.META.get("HTTP_AUTHORIZATION"),
        client_ip=client_ip(request),
        method=request.method or "",
        path=request.path,
        route_path=request.path_info,
    )


def log_refusal(
    event: str,
    reason: str,
    status: int,
    *,
    authorization: str | None,
    client_ip: str | None,
    method: str,
    path: str,
    route_path: str,
) -> None:
    """Count and log one refused request; for code that answers without a Django request (the
    gateway's lean long-poll) as well as for the middleware."""
    metrics.count_refusal(route_path, reason)
    security_log.warning(
        event,
        reason=reason,
        status=status,
        secret_prefix=secret_prefix(authorization),
        client_ip=client_ip,
        method=method,
        path=path[:_PATH_MAX],
    )


class SecurityLogMiddleware(DualModeMiddleware):
    """Logs 401s and 403s of the APIs and all 429s; sync and async, without a thread hop."""

    def __call__(self, request: HttpRequest):
        if self._async:
            return self.__acall__(request)
        response = self.get_response(request)
        if response.status_code in _LOGGED_STATUSES:
            log_refused_request(request, response)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = await self.get_response(request)
        if response.status_code in _LOGGED_STATUSES:
            log_refused_request(request, response)
        return response
