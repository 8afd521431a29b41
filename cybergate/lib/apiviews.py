"""What every customer API view shares: authentication, the rate limit, problem details, schema.

Views stay thin (STYLE.md): resolve the tenant's object → validate → call a service → respond.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from cybergate.lib.feeds import (
    LIMIT_DEFAULT,
    Feed,
    Reader,
    acknowledge,
    read_new_entries,
    wake_topic,
)
from cybergate.lib.pagination import LIMIT_MAX, LIMIT_MIN, parse_limit
from cybergate.lib.problems import PROBLEM_CONTENT_TYPE, TITLES, Problem, problem_body
from cybergate.lib.schema import PermissionAutoSchema
from cybergate.lib.serializers import ApiSerializer, StrictCharField
from cybergate.lib.throttling import ApiSecretRateThrottle
from cybergate.lib.versioning import Deprecated, deprecation_headers, used_deprecations


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text="URN naming the problem type (from `code`).")
    title = serializers.CharField(help_text="A short summary, the same for every occurrence.")
    status = serializers.IntegerField(help_text="The answer's HTTP status code.")
    detail = serializers.CharField(
        help_text="What went wrong this time, in English; quotes input at most as a short "
        "excerpt. Branch on `code`, not on this text."
    )
    # An enum of this API's codes in the schema (cybergate.lib.schema.open_response_enums).
    code = serializers.CharField(help_text="Stable snake_case code.")
    instance = serializers.CharField(
        help_text="This occurrence: `urn:cybergate:request:` and the answer's `X-Request-Id`."
    )


class ValidationProblemSerializer(ProblemSerializer):
    # A body member named like Serializer.errors: this serializer only describes the schema.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per request field (`invalid_request` only).",
    )


_DESCRIPTIONS: dict[int, str] = {
    400: (
        "`invalid_request`, with `errors` per field or query parameter (unknown query "
        "parameters and body fields are refused too)."
    ),
    401: (
        "`missing_credentials`, `invalid_secret`, `expired_secret` or `disabled_secret`. "
        "Carries `WWW-Authenticate: Bearer`."
    ),
    403: (
        "`api_access_disabled` (the tenant's API access is switched off), "
        "`insufficient_permission` (the API secret lacks the permission this operation needs; "
        "`detail` names it) or `ip_not_allowed` (the request comes from an address outside the "
        "secret's allowed addresses)."
    ),
    404: "`not_found`: no such resource; `detail` names it.",
    406: "`not_acceptable`: the `Accept` header does not allow `application/json`.",
    409: "The request conflicts with the current state.",
    415: "`unsupported_media_type`: send the body as `application/json`.",
    429: (
        "`rate_limited` (this secret's request limit) or `auth_rate_limited` (too many failed "
        "authentications from this address: only secrets that worked from it lately are still "
        "looked up); `Retry-After` says how many seconds to wait."
    ),
    503: (
        "`service_unavailable`: the service is briefly unable to answer (e.g. its database is "
        "unreachable); send the same request again after `Retry-After` seconds."
    ),
}
# The 400 of an operation that takes a cursor.
CURSOR_400 = (
    _DESCRIPTIONS[400]
    + " `invalid_cursor`: a cursor that this server did not give "
    + ("this API secret for this list.")
)

# What an example of each code says (else its title).
_EXAMPLE_DETAILS: dict[str, str] = {
    "invalid_request": "The request is invalid: check availability.",
    "invalid_cursor": "The cursor is not valid for this log and API secret.",
    "missing_credentials": "Send an API secret in the header 'Authorization: Bearer <secret>'.",
    "invalid_secret": "The API secret is not valid.",
    "expired_secret": "The API secret has expired.",
    "disabled_secret": "The API secret is disabled. A tenant admin can enable it on its page.",
    "api_access_disabled": "API access is not enabled for this tenant. Contact support.",
    "insufficient_permission": (
        "This API secret lacks the permission 'door_open' (open doors). "
        "Create or roll a secret with it."
    ),
    "ip_not_allowed": "This API secret may not be used from 198.51.100.7.",
    "rate_limited": "Request was throttled. Expected available in 17 seconds.",
    "not_found": "No call group with this id.",
    "service_unavailable": "The service is temporarily unavailable; try again shortly.",
    "user_not_found": "No Teams user with this UPN or id.",
    "not_a_member": "The Teams user is not a member of this call group.",
    "not_in_active_call": "The Teams user is not in an active call.",
    "no_door_open_code": "The device in this call has no door-open code configured.",
    "call_mismatch": (
        "The Teams user's active call is not the call named by call_id (that call ended)."
    ),
    "idempotency_key_reused": (
        "This Idempotency-Key was already used for another door-open request (another Teams "
        "user or call). Use a new key for each door-open you mean."
    ),
    "not_acceptable": "Could not satisfy the request Accept header.",
    "unsupported_media_type": 'Unsupported media type "text/plain" in request.',
}
_CODE_IN_TEXT = re.compile(r"`([a-z_]+)`")
EXAMPLE_REQUEST_ID = "9f1c2e4b7a3d4f0e8b6a5c2d1e0f9a8b"


def problem_examples(
    status: int, description: str, not_found: str | None = None
) -> list[OpenApiExample]:
    """One realistic example per code the description names (`not_found`: the detail of this
    operation's `not_found`, naming its resource)."""
    examples = []
    for code in dict.fromkeys(_CODE_IN_TEXT.findall(description)):
        if code not in TITLES:
            continue
        detail = _EXAMPLE_DETAILS.get(code, TITLES[code] + ".")
        if code == "not_found" and not_found:
            detail = not_found
        value = problem_body(status, code, detail)
        if code == "invalid_request":
            value["errors"] = {"availability": ['"maybe" is not a valid choice.']}
        value["instance"] = f"urn:cybergate:request:{EXAMPLE_REQUEST_ID}"
        examples.append(OpenApiExample(code, value=value, status_codes=[str(status)]))
    return examples


def problem_responses(
    *statuses: int,
    always: tuple[int, ...] = (400, 401, 403, 406, 429),
    not_found: str | None = None,
    **descriptions: str,
) -> dict[Any, OpenApiResponse]:
    """Schema entries for error statuses an operation can return (`always`, `statuses` and 503,
    which every operation can answer), each with an example per code; `not_found` is the
    `detail` of the operation's 404 `not_found` (else a call group's)."""
    out: dict[Any, OpenApiResponse] = {}
    for status in sorted({*always, *statuses, 503}):
        serializer = ValidationProblemSerializer if status == 400 else ProblemSerializer
        description = descriptions.get(f"s{status}") or _DESCRIPTIONS.get(status, "Error.")
        out[(status, PROBLEM_CONTENT_TYPE)] = OpenApiResponse(
            serializer,
            description=description,
            examples=problem_examples(status, description, not_found),
        )
    return out


class JsonNegotiation(DefaultContentNegotiation):
    """DRF's negotiation with a fast path for the common Accept values.

    DRF reads `request.headers` (a dict of every header, built per request) and parses the Accept
    media types; the API only ever offers JSON, so the usual cases are settled from META
    directly. Re-measured (bench/README.md, auth.py): DRF's negotiation costs ~37 µs CPU per
    request against ~2 µs here, 6–9 % of a whole `GET /api/v1/version`, most of bench/auth.py's
    margin over its target. Two behaviours follow (tested): a blank Accept means no preference,
    and with the usual Accept values `?format=` is an unknown query parameter (400), not DRF's
    renderer override.
    """

    _FAST = frozenset({"", "*/*", "application/json", "application/*"})

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "")
        if format_suffix is None and len(renderers) == 1 and accept.strip() in self._FAST:
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)


if TYPE_CHECKING:
    _APIViewBase = APIView  # the mixin's attributes and super() calls are APIView's
else:
    _APIViewBase = object


class CustomerAPIMixin(_APIViewBase):
    # Bearer secret, per-secret rate limit, JSON only; OPTIONS answers 405 like any other method
    # we do not offer (nothing in the API needs DRF's metadata responses). A comment, not a
    # docstring: drf-spectacular would publish it as the description of operations.

    # The bearer API secret and what it may do: REST_FRAMEWORK's defaults in settings.py name
    # apisecrets' authentication and SecretPermission (this library module imports no app).
    # (api_settings hands out the classes; the stubs type them as the settings' dotted paths.)
    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES  # type: ignore[assignment]
    # Each view declares `required_permission` ("read", "availability" or "door_open").
    permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES  # type: ignore[assignment]
    schema = PermissionAutoSchema()
    throttle_classes = [ApiSecretRateThrottle]
    metadata_class = None
    content_negotiation_class = JsonNegotiation
    # Without OPTIONS here, Allow headers list only what really works.
    http_method_names = ["get", "post", "put", "head"]
    # Query parameters an operation takes; any other is a 400, so that a typo (`?limt=5`) is
    # an error rather than silently ignored.
    query_parameters: frozenset[str] = frozenset()
    # What is going away (cybergate/lib/versioning.py): the whole operation, or query parameters and
    # body fields by name (a deprecated query parameter stays in query_parameters until it goes).
    # Answers that use one carry Deprecation, Sunset and Link headers.
    deprecated: Deprecated | None = None
    deprecated_parameters: Mapping[str, Deprecated] = {}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Every answer to an authenticated request, success or problem: the count is already
        # known from the throttle (no extra round trip).
        verdict = getattr(request, "rate_limit", None)
        if verdict is not None:
            for name, value in verdict.headers().items():
                response[name] = value
        if self.deprecated is not None or self.deprecated_parameters:
            # The body only if the view parsed it (DRF keeps it in _full_data).
            used = used_deprecations(
                self.deprecated,
                self.deprecated_parameters,
                request.query_params,
                getattr(request, "_full_data", None),
            )
            for name, value in deprecation_headers(used).items():
                response[name] = value
        return response

    def get_throttles(self):
        # A long-poll's later looks (gateway/apilongpoll.py) belong to the request the throttle
        # counted at its first look.
        # (Read on Django's request: a miss on DRF's costs two exceptions on every request.)
        if getattr(self.request._request, "long_poll_relook", False):
            return []
        return super().get_throttles()

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # (Only for methods the view has: the others are 405 whatever their query.)
        if request.META.get("QUERY_STRING") and hasattr(self, request.method.lower()):
            unknown = set(request.query_params) - self.query_parameters
            if unknown:
                raise Problem(
                    400,
                    "invalid_request",
                    "Unknown query parameter: " + ", ".join(sorted(map(repr, unknown))) + ".",
                    errors={name: ["Unknown query parameter."] for name in sorted(unknown)},
                )


class CustomerAPIView(CustomerAPIMixin, APIView):
    pass


class CustomerGenericAPIView(CustomerAPIMixin, GenericAPIView):
    lookup_url_kwarg = "id"
    lookup_field = "id"
    # The 404 `detail` for an unknown (or malformed) id, naming the resource.
    not_found_detail = "No such object."

    def get_object(self):
        # Ids are routed as strings (a malformed one is this resource's 404, not "no such
        # endpoint") and checked here.
        lookup = parse_id(self.kwargs[self.lookup_url_kwarg], self.not_found_detail)
        obj = self.get_queryset().filter(**{self.lookup_field: lookup}).first()
        if obj is None:
            raise Problem(404, "not_found", self.not_found_detail)
        return obj


def parse_id(value: str, not_found_detail: str) -> uuid.UUID:
    """A resource id from the path: a UUID, else 404 `not_found` with `not_found_detail`."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Problem(404, "not_found", not_found_detail) from None


USER_PARAMETER = OpenApiParameter(
    "user",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The Teams user's UPN (case-insensitive) or Entra object id.",
)
LIMIT_PARAMETER = OpenApiParameter(
    "limit",
    {"type": "integer", "minimum": LIMIT_MIN, "maximum": LIMIT_MAX, "default": LIMIT_DEFAULT},
    OpenApiParameter.QUERY,
    description=f"How many entries at most, {LIMIT_MIN}–{LIMIT_MAX} (default {LIMIT_DEFAULT}).",
)
AFTER_PARAMETER = OpenApiParameter(
    "after",
    # `start`, or a cursor as cybergate.lib.feeds writes them: anything else is 400
    # `invalid_cursor`.
    {"type": "string", "pattern": "^(start|[A-Za-z0-9_-]{48})$"},
    OpenApiParameter.QUERY,
    description=(
        "A `cursor` from an earlier answer: the entries after it (continue paging, or replay). "
        "`start` replays from the oldest kept entry. Without it: the entries after this API "
        "secret's acknowledged position."
    ),
)


# --- Long-polls: `?wait=N` -------------------------------------------------------------------

WAIT_MAX_SECONDS = 30
WAIT_PARAMETER = OpenApiParameter(
    "wait",
    {"type": "integer", "minimum": 0, "maximum": WAIT_MAX_SECONDS, "default": 0},
    OpenApiParameter.QUERY,
    description=(
        f"Seconds to hold the request, 0–{WAIT_MAX_SECONDS} (default 0), until there is something "
        "new; then (or when the time is up) it answers as without `wait`. Only the gateway pool "
        "holds requests; elsewhere the answer comes at once, with `X-Long-Poll: unsupported; "
        "wait=0`."
    ),
)
# As the device gateway says it: this server answered at once, whatever `wait` asked for.
LONG_POLL_HEADER = "X-Long-Poll"
LONG_POLL_UNSUPPORTED = "unsupported; wait=0"
LONG_POLL_HEADER_PARAMETER = OpenApiParameter(
    LONG_POLL_HEADER,
    {"type": "string", "enum": [LONG_POLL_UNSUPPORTED]},
    OpenApiParameter.HEADER,
    response=[200],
    description=(
        f"`{LONG_POLL_UNSUPPORTED}` when this server does not hold long-polls (the web pool): "
        "the answer came at once, whatever `wait` asked for."
    ),
)


def parse_wait(raw: str | None) -> int:
    """`wait` query parameter: a whole number of seconds 0–30 (absent: 0), else 400."""
    if raw is None:
        return 0
    if not raw.isascii() or not raw.isdigit() or int(raw) > WAIT_MAX_SECONDS:
        raise Problem(
            400,
            "invalid_request",
            f"wait must be a whole number of seconds from 0 to {WAIT_MAX_SECONDS}.",
            errors={"wait": [f"Must be a whole number from 0 to {WAIT_MAX_SECONDS}."]},
        )
    return int(raw)


@dataclass(frozen=True)
class LongPoll:
    """Attached to an answer that has nothing new yet: what to wait for. `until`: when the answer
    changes without a wake-up (a door-open command expires)."""

    topic: str
    until: datetime | None = None


def offer_long_poll(
    request: Request, response: Response, wait: int, nothing_yet: LongPoll | None
) -> Response:
    """Let the gateway pool hold `response` (`nothing_yet`: it has nothing new) for `wait`
    seconds; any other server answers at once and says so."""
    if wait > 0:
        if getattr(request, "long_poll_served", False):
            response.long_poll = nothing_yet  # type: ignore[attr-defined]  # read by the pool
        else:
            response[LONG_POLL_HEADER] = LONG_POLL_UNSUPPORTED
    return response


class AckSerializer(ApiSerializer):
    cursor = StrictCharField(
        min_length=1,
        max_length=1000,
        trim_whitespace=False,
        help_text="A `cursor` from an answer of the same log, after processing its entries.",
    )


@extend_schema_serializer(
    examples=[OpenApiExample("Acknowledged", value={"acknowledged": True}, response_only=True)]
)
class AcknowledgedSerializer(serializers.Serializer):
    acknowledged = serializers.BooleanField(help_text="Always `true`.")


if TYPE_CHECKING:
    AuthT = TypeVar("AuthT")

    class AuthenticatedRequest(Request, Generic[AuthT]):
        """A DRF request whose `auth` its authentication set to an `AuthT`: what an API's views
        annotate `request` with (`AuthenticatedRequest[Device]`). An annotation only: at run
        time, DRF's Request."""

        @property
        def auth(self) -> AuthT: ...
        @auth.setter
        def auth(self, value: AuthT) -> None: ...

    # A request to the new-entries views, as they read it: authenticated by the bearer
    # authentication that settings.py names (an app's, which this library does not import), its
    # `auth` a row that reads feeds; the app's own request type says which.
    ReaderRequest = AuthenticatedRequest[Reader]
else:
    ReaderRequest = Request


class NewEntriesAPIView(CustomerAPIView):
    # "Get new entries" of a tenant log for the requesting secret (cybergate.lib.feeds).

    feed: Feed
    page_serializer_class: type[serializers.Serializer]
    query_parameters = frozenset({"limit", "after", "wait"})

    def get(self, request: ReaderRequest) -> Response:
        limit = parse_limit(request.query_params.get("limit"), default=LIMIT_DEFAULT)
        after = request.query_params.get("after")
        wait = parse_wait(request.query_params.get("wait"))
        page = read_new_entries(feed=self.feed, secret=request.auth, limit=limit, after=after)
        response = Response(self.page_serializer_class(page).data)
        nothing_yet = (
            None if page.entries else LongPoll(wake_topic(self.feed.kind, request.auth.tenant_id))
        )
        return offer_long_poll(request, response, wait, nothing_yet)


class NewEntriesAckAPIView(CustomerAPIView):
    # Acknowledge a cursor of a tenant log: the secret's position moves forward to it.

    feed: Feed

    def post(self, request: ReaderRequest) -> Response:
        serializer = AckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        acknowledge(feed=self.feed, secret=request.auth, cursor=serializer.validated_data["cursor"])
        return Response({"acknowledged": True})


def new_entries_schema(*, summary: str, tag: str, page_serializer) -> Any:
    return extend_schema(
        summary=summary,
        description=(
            "Oldest first, at least once: reading changes nothing, so the same entries come "
            "again until their `cursor` is acknowledged (`POST .../ack`). Without `after`: the "
            "entries after this API secret's acknowledged position (a new secret starts at the "
            "oldest kept entry). With `after`: the entries after that cursor; `after=start` "
            "replays from the oldest kept entry. A bad cursor is 400 `invalid_cursor`. A rolled "
            "secret's successor reads on from its predecessor's position and accepts its "
            "cursors.\n\n"
            "With `wait`, an answer without entries waits up to that many seconds for the next "
            "entry of the log (long-poll)."
        ),
        tags=[tag],
        parameters=[LIMIT_PARAMETER, AFTER_PARAMETER, WAIT_PARAMETER, LONG_POLL_HEADER_PARAMETER],
        responses={
            200: OpenApiResponse(
                page_serializer,
                description="The next entries (possibly none), their `cursor` and `has_more`.",
            ),
            **problem_responses(400, s400=CURSOR_400),
        },
    )


def ack_schema(*, summary: str, tag: str) -> Any:
    return extend_schema(
        summary=summary,
        description=(
            "Moves this API secret's position forward to the cursor, after the client processed "
            "the entries up to it. Never backwards; repeating it is harmless. A cursor of "
            "another log or API secret, or a malformed one, is 400 `invalid_cursor`."
        ),
        tags=[tag],
        request=AckSerializer,
        responses={
            200: OpenApiResponse(
                AcknowledgedSerializer,
                description="The position is at the cursor (or was already past it).",
            ),
            **problem_responses(400, 415, s400=CURSOR_400),
        },
    )
