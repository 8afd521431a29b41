"""RFC 9457 problem details for every error under /api/ and /device-api/.

Every error body is `{"type", "title", "status", "detail", "code"}` (plus `"errors"` for validation
failures) with the media type `application/problem+json`. `code` is the stable, snake_case value
integrators branch on; `type` is a URN built from it (RFC 9457 allows type URIs that are not
meant to be dereferenced); `title` is the same for every occurrence of a code.

Pieces for other API modules:
- `Problem(status, code, detail)` — raise it from a DRF view, serializer or authentication class
  (`AuthenticationProblem(code, detail)` for a 401);
- services raise `cybergate.lib.errors.ServiceError(code, message)` or Django's `ValidationError`,
  never a Problem: both are mapped here, the code to its status by `SERVICE_ERROR_STATUSES`;
- `problem_response_for(exc)` — the answer for any of these, outside DRF too (the gateway's
  long-poll);
- `problem_response(status, code, detail, ...)` — build the response directly (plain Django
  views, middleware, URL catch-alls);
- `exception_handler` — DRF's EXCEPTION_HANDLER (settings.REST_FRAMEWORK);
- `not_found_view`, `handler400/403/404/500` — the same shape for errors raised outside DRF.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions

from cybergate.lib.clientinfo import is_api_request
from cybergate.lib.errors import ServiceError
from cybergate.lib.requestid import current_request_id

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:cybergate:problem:"

# One title per code, so a code always reads the same.
TITLES: dict[str, str] = {
    "invalid_request": "Invalid request",
    "invalid_cursor": "Invalid cursor",
    "missing_credentials": "Missing credentials",
    "invalid_secret": "Invalid API secret",
    "expired_secret": "Expired API secret",
    "disabled_secret": "Disabled API secret",
    "invalid_credentials": "Invalid device credential",
    "api_access_disabled": "API access disabled",
    "insufficient_permission": "Insufficient permission",
    "ip_not_allowed": "Address not allowed",
    "permission_denied": "Permission denied",
    "not_found": "Not found",
    "user_not_found": "Teams user not found",
    "not_a_member": "Not a member of the call group",
    "method_not_allowed": "Method not allowed",
    "not_acceptable": "Not acceptable",
    "unsupported_media_type": "Unsupported media type",
    "payload_too_large": "Payload too large",
    "uri_too_long": "URI too long",
    "headers_too_large": "Header fields too large",
    "rate_limited": "Too many requests",
    "auth_rate_limited": "Too many failed authentications",
    "not_in_active_call": "Not in an active call",
    "invalid_call_state": "Invalid call state",
    "not_delivered": "Command not delivered",
    "already_acknowledged": "Command already acknowledged",
    "no_door_open_code": "No door-open code configured",
    "user_busy": "Teams user busy",
    "member_unavailable": "Member unavailable",
    "service_unavailable": "Service unavailable",
    "limit_reached": "Limit reached",
    "sandbox": "Not for a sandbox",
    "already_rolled": "API secret already rolled",
    "support_request_open": "Support request already open",
    "gateway_busy": "Gateway busy",
    "idempotency_key_reused": "Idempotency key reused",
    "call_mismatch": "Not the active call",
    "test_secret_required": "Test secret required",
    "server_error": "Internal server error",
}

# Codes only the device gateway answers with; every other code is the customer API's. (Both
# also answer the shared ones: invalid_request, not_found, missing_credentials, and the call
# rules the sandbox's test calls share with devices: user_busy, member_unavailable, ...)
GATEWAY_ONLY_CODES = frozenset(
    {
        "invalid_credentials",
        "not_delivered",
        "already_acknowledged",
        "gateway_busy",
    }
)
# Customer API only: the bearer API secret, its limits, feeds and door-open.
CUSTOMER_ONLY_CODES = frozenset(
    {
        "invalid_cursor",
        "invalid_secret",
        "expired_secret",
        "api_access_disabled",
        "insufficient_permission",
        "ip_not_allowed",
        "rate_limited",
        "not_in_active_call",
        "no_door_open_code",
        "idempotency_key_reused",
        "call_mismatch",
        "disabled_secret",
        "test_secret_required",
    }
)
# The portal's refusals (API secrets, webhook endpoints, support requests): shown on its forms, in
# neither API's list of codes (the webhook API answers a full endpoint list as invalid_request).
PORTAL_ONLY_CODES = frozenset(
    {"limit_reached", "sandbox", "already_rolled", "support_request_open"}
)
# Every code an answer can carry, per API (each schema's list of known codes): a new code needs
# its title above. Clients must accept codes not listed (the schema's compatibility policy).
CUSTOMER_PROBLEM_CODES = [
    code for code in TITLES if code not in GATEWAY_ONLY_CODES | PORTAL_ONLY_CODES
]
GATEWAY_PROBLEM_CODES = [
    code for code in TITLES if code not in CUSTOMER_ONLY_CODES | PORTAL_ONLY_CODES
]

# Input quoted back in an answer (a value in "... is not a valid choice.", an unknown field's
# name) is cut to a short excerpt: a 2 MB value must not come back whole.
EXCERPT_LENGTH = 64
# A quoted run (straight or curly quotes) longer than the excerpt.
_LONG_QUOTED = re.compile(rf"([\"\u201c'])(.{{{EXCERPT_LENGTH + 1},}})([\"\u201d'])", re.DOTALL)
_MESSAGE_MAX = 500

# DRF's own codes for its exceptions, mapped to ours.
_DRF_CODES: dict[str, str] = {
    "parse_error": "invalid_request",
    "invalid": "invalid_request",
    "not_authenticated": "missing_credentials",
    "authentication_failed": "invalid_secret",
    "permission_denied": "permission_denied",
    "not_found": "not_found",
    "method_not_allowed": "method_not_allowed",
    "not_acceptable": "not_acceptable",
    "unsupported_media_type": "unsupported_media_type",
    "throttled": "rate_limited",
    "error": "server_error",
}
_STATUS_CODES: dict[int, str] = {
    400: "invalid_request",
    401: "invalid_secret",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
    429: "rate_limited",
}


# The HTTP status of each code a service refuses with (cybergate.lib.errors.ServiceError). The one
# place a domain error meets HTTP; a code not listed is a conflict with the current state: 409.
# A 400 refusal is answered as invalid input (see problem_response_for).
SERVICE_ERROR_STATUSES: dict[str, int] = {
    "limit_reached": 400,
    "api_access_disabled": 403,
    "not_found": 404,
    "user_not_found": 404,
    "not_a_member": 409,
    "member_unavailable": 409,
    "user_busy": 409,
    "invalid_call_state": 409,
    "not_in_active_call": 409,
    "call_mismatch": 409,
    "no_door_open_code": 409,
    "not_delivered": 409,
    "already_acknowledged": 409,
    "idempotency_key_reused": 422,
    "test_secret_required": 403,
    "sandbox": 409,
    "already_rolled": 409,
    "support_request_open": 409,
}


def service_error_status(code: str) -> int:
    return SERVICE_ERROR_STATUSES.get(code, 409)


class Problem(exceptions.APIException):
    """An error with a stable code, rendered as problem details by `exception_handler`."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status
        self.problem_code = code
        self.errors = dict(errors) if errors is not None else None
        self.headers = dict(headers or {})
        # DRF's Throttled has `wait`; ours carries Retry-After in headers instead.


class AuthenticationProblem(Problem, exceptions.AuthenticationFailed):
    """A 401 with our code (customer API and device gateway alike); being an
    AuthenticationFailed makes DRF add WWW-Authenticate."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(401, code, detail, headers={"WWW-Authenticate": "Bearer"})


def payload_too_large() -> Problem:
    """413 for a body over Django's DATA_UPLOAD_MAX_MEMORY_SIZE (the JSON parser and Django's
    own RequestDataTooBig both end here)."""
    return Problem(413, "payload_too_large", "The request body is too large.")


def set_rollback() -> None:
    """DRF's set_rollback (imported late: rest_framework.views imports the authentication
    classes, which import this module)."""
    from rest_framework.views import set_rollback as drf_set_rollback

    drf_set_rollback()


def title_for(status: int, code: str) -> str:
    if code in TITLES:
        return TITLES[code]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """`text`, or its first `length` characters and "…" when it is longer."""
    return text if len(text) <= length else text[:length] + "…"


def quote_safely(message: str) -> str:
    """A message with any long quoted input cut to an excerpt, and at most a few hundred
    characters long whatever it quotes."""
    if len(message) <= EXCERPT_LENGTH:
        return message
    message = _LONG_QUOTED.sub(lambda m: m[1] + excerpt(m[2]) + m[3], message)
    return excerpt(message, _MESSAGE_MAX)


def problem_body(
    status: int,
    code: str,
    detail: str,
    errors: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": title_for(status, code),
        "status": status,
        "detail": quote_safely(detail),
        "code": code,
    }
    if errors is not None:
        body["errors"] = {
            excerpt(key): [quote_safely(message) for message in messages]
            for key, messages in errors.items()
        }
    request_id = current_request_id()
    if request_id is not None:
        body["instance"] = f"urn:cybergate:request:{request_id}"
    return body


def problem_response(
    status: int,
    code: str,
    detail: str,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """A finished `application/problem+json` response (works in DRF and plain Django views).

    A plain HttpResponse rather than a DRF Response: it needs no renderer, so it also works when
    content negotiation itself failed (406) and DRF has no renderer to offer.
    """
    response = HttpResponse(
        json.dumps(problem_body(status, code, detail, errors), ensure_ascii=False),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    if status == 401 and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = "Bearer"
    return response


def _flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF validation detail (dicts, lists, nested) → {"field": ["message", ...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in _flatten_errors(value, name).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list | tuple):
        for index, item in enumerate(detail):
            if isinstance(item, Mapping | list | tuple):
                name = f"{prefix}.{index}" if prefix else str(index)
                for field, messages in _flatten_errors(item, name).items():
                    out.setdefault(field, []).extend(messages)
            else:
                out.setdefault(prefix or "non_field_errors", []).append(str(item))
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out


def _validation_detail_text(errors: Mapping[str, list[str]]) -> str:
    fields = ", ".join(map(excerpt, errors)) or "request"
    return f"The request is invalid: check {fields}."


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else None
    if code in TITLES:
        return code
    if code in _DRF_CODES:
        return _DRF_CODES[code]
    return _STATUS_CODES.get(exc.status_code, "server_error")


def _django_validation_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == NON_FIELD_ERRORS else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


# What `problem_response_for` answers: the domain errors services raise, and our own Problem.
KNOWN_ERRORS = (ServiceError, DjangoValidationError, Problem)


def problem_response_for(exc: ServiceError | DjangoValidationError | Problem) -> HttpResponse:
    """The answer for a domain error (ServiceError, Django's ValidationError) or a Problem.
    Shared by `exception_handler` and views outside DRF (the gateway's long-poll)."""
    if isinstance(exc, ServiceError):
        status = service_error_status(exc.code)
        if status == 400:
            # The request cannot be done as sent (a limit): integrators see it as every other
            # 400, `invalid_request` with the sentence among the errors.
            exc = DjangoValidationError(exc.message, code=exc.code)
        else:
            return problem_response(status, exc.code, exc.message)
    if isinstance(exc, Problem):
        headers = dict(exc.headers)
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers.setdefault("WWW-Authenticate", auth_header)
        return problem_response(
            exc.status_code, exc.problem_code, str(exc.detail), exc.errors, headers
        )
    errors = _django_validation_errors(exc)
    return problem_response(400, "invalid_request", _validation_detail_text(errors), errors=errors)


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> HttpResponse:
    """DRF EXCEPTION_HANDLER: every error as problem details, never None (so never an HTML 500)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, RequestDataTooBig):
        exc = payload_too_large()

    if isinstance(exc, KNOWN_ERRORS):
        set_rollback()
        return problem_response_for(exc)

    if isinstance(exc, exceptions.ValidationError):
        set_rollback()
        errors = _flatten_errors(exc.detail)
        return problem_response(
            400, "invalid_request", _validation_detail_text(errors), errors=errors
        )

    if isinstance(exc, exceptions.APIException):
        set_rollback()
        headers = {}
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        wait = getattr(exc, "wait", None)
        if wait is not None:
            headers["Retry-After"] = str(max(1, int(wait + 0.999)))
        detail = exc.detail
        if isinstance(detail, list | dict):
            errors = _flatten_errors(detail)
            return problem_response(
                exc.status_code,
                "invalid_request" if exc.status_code == 400 else _code_of(exc),
                _validation_detail_text(errors),
                errors=errors,
                headers=headers,
            )
        return problem_response(exc.status_code, _code_of(exc), str(detail), headers=headers)

    if isinstance(exc, DATABASE_UNAVAILABLE):
        set_rollback()
        return service_unavailable_response(exc)

    # Last resort: a bug. Log it with its traceback, roll back, and still answer in the API's
    # format rather than with Django's HTML 500 page.
    set_rollback()
    request = context.get("request")
    logger.exception(
        "Unhandled error in %s %s",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        exc_info=exc,
    )
    return problem_response(500, "server_error", "An unexpected error occurred.")


# --- Database outages ----------------------------------------------------------------------
# A lost or refused database connection (PostgreSQL down, restarting, out of connections) is not
# a bug in the request: the answer is 503 with Retry-After, so that clients retry and nobody
# mistakes an outage for a server error. The broken connection is dropped at the end of the
# request (Django's close_if_unusable_or_obsolete), so the process recovers by itself.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_UNAVAILABLE_SECONDS = 5


def service_unavailable_response(exc: BaseException | None = None) -> HttpResponse:
    logger.warning("Database unavailable: %s", exc)
    return problem_response(
        503,
        "service_unavailable",
        "The service is temporarily unavailable; try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE_SECONDS)},
    )


@csrf_exempt
def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Catch-all at the end of the API URLconf: unknown paths are problem details, not HTML."""
    return problem_response(404, "not_found", "No such API endpoint.")


# Django-level handlers (cybergate/urls.py): errors raised outside DRF (a bad Host header, a body
# over the size limit, a crash in middleware) keep the API's format under the API prefixes and
# Django's pages everywhere else.


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        if isinstance(exception, RequestDataTooBig):
            return problem_response(413, "payload_too_large", "The request body is too large.")
        return problem_response(400, "invalid_request", "The request is malformed.")
    return defaults.bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return problem_response(403, "permission_denied", "Permission denied.")
    return defaults.permission_denied(request, exception)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return not_found_view(request)
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        # Django calls this while handling the exception (also under ASGI, where asgiref
        # re-raises it in the handler's thread), so sys.exc_info() is the error.
        exc = sys.exc_info()[1]
        if isinstance(exc, DATABASE_UNAVAILABLE):
            return service_unavailable_response(exc)
        return problem_response(500, "server_error", "An unexpected error occurred.")
    return defaults.server_error(request)
