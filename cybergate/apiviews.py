"""What every customer API view shares: authentication, the rate limit, problem details, schema.

Views stay thin (STYLE.md): resolve the tenant's object → validate → call a service → respond.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apisecrets.authentication import ApiSecretAuthentication
from cybergate.feeds import LIMIT_DEFAULT, Feed, read_new_entries
from cybergate.pagination import LIMIT_MAX, LIMIT_MIN, parse_limit
from cybergate.problems import PROBLEM_CONTENT_TYPE, Problem
from cybergate.throttling import ApiSecretRateThrottle


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text="URN naming the problem type (from `code`).")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable snake_case error code.")


class ValidationProblemSerializer(ProblemSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per request field (`invalid_request` only).",
    )


_DESCRIPTIONS: dict[int, str] = {
    400: (
        "`invalid_request` (with `errors` per field or query parameter; unknown query "
        "parameters are refused too) or `invalid_cursor`."
    ),
    401: (
        "`missing_credentials`, `invalid_secret` or `expired_secret`. "
        "Carries `WWW-Authenticate: Bearer`."
    ),
    403: "`api_access_disabled`: the tenant's API access is switched off.",
    404: "`not_found` (unknown id or path).",
    409: "The request conflicts with the current state.",
    429: (
        "`rate_limited` (this secret's request limit) or `auth_rate_limited` (too many failed "
        "authentications from this address: only secrets that worked from it lately are still "
        "looked up); `Retry-After` says how many seconds to wait."
    ),
}


def problem_responses(*statuses: int, **descriptions: str) -> dict[Any, OpenApiResponse]:
    """Schema entries for error statuses an operation can return (400, 401, 403, 429 always)."""
    out: dict[Any, OpenApiResponse] = {}
    for status in sorted({400, 401, 403, 429, *statuses}):
        serializer = ValidationProblemSerializer if status == 400 else ProblemSerializer
        description = descriptions.get(f"s{status}") or _DESCRIPTIONS.get(status, "Error.")
        out[(status, PROBLEM_CONTENT_TYPE)] = OpenApiResponse(serializer, description=description)
    return out


class JsonNegotiation(DefaultContentNegotiation):
    """DRF's negotiation with a fast path for the common Accept values.

    DRF reads `request.headers`, which builds a dict of every header on each request; the API
    only ever offers JSON, so the usual cases are settled from META directly.
    """

    _FAST = frozenset({"", "*/*", "application/json", "application/*"})

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "")
        if format_suffix is None and len(renderers) == 1 and accept.strip() in self._FAST:
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)


class CustomerAPIMixin:
    """Bearer secret, per-secret rate limit, JSON only; OPTIONS answers 405 like any other
    method we do not offer (nothing in the API needs DRF's metadata responses)."""

    authentication_classes = [ApiSecretAuthentication]
    throttle_classes = [ApiSecretRateThrottle]
    metadata_class = None
    content_negotiation_class = JsonNegotiation
    # Without OPTIONS here, Allow headers list only what really works.
    http_method_names = ["get", "post", "put", "head"]
    # Query parameters an operation takes; any other is a 400, so that a typo (`?limt=5`) is
    # an error rather than silently ignored.
    query_parameters: frozenset[str] = frozenset()

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


LIMIT_PARAMETER = OpenApiParameter(
    "limit",
    {"type": "integer", "minimum": LIMIT_MIN, "maximum": LIMIT_MAX, "default": LIMIT_DEFAULT},
    OpenApiParameter.QUERY,
    description=f"How many entries at most, {LIMIT_MIN}–{LIMIT_MAX} (default {LIMIT_DEFAULT}).",
)
AFTER_PARAMETER = OpenApiParameter(
    "after",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description=(
        "A `cursor` from an earlier answer: entries after it, without moving this secret's "
        "read position. Without it: the entries this secret has not been given yet, and the "
        "position moves past them."
    ),
)


class NewEntriesAPIView(CustomerAPIView):
    """ "Get new entries" of a tenant log for the requesting secret (cybergate.feeds)."""

    feed: Feed
    page_serializer_class: type[serializers.Serializer]
    query_parameters = frozenset({"limit", "after"})

    def get(self, request: Request) -> Response:
        limit = parse_limit(request.query_params.get("limit"), default=LIMIT_DEFAULT)
        after = request.query_params.get("after")
        page = read_new_entries(feed=self.feed, secret=request.auth, limit=limit, after=after)
        return Response(self.page_serializer_class(page).data)


def new_entries_schema(*, summary: str, tag: str, page_serializer) -> Any:
    return extend_schema(
        summary=summary,
        description=(
            "Oldest first. Without `after`: the entries this API secret has not been given yet "
            "(a new secret starts at the oldest kept entry); its read position then moves past "
            "them. With `after`: replay from a cursor, moving nothing. A bad cursor is 400 "
            "`invalid_cursor`."
        ),
        tags=[tag],
        parameters=[LIMIT_PARAMETER, AFTER_PARAMETER],
        responses={200: page_serializer, **problem_responses(400)},
    )
