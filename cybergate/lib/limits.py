"""Size limits of an API request, checked before anything parses it.

Whatever reads a query parameter parses the whole query string first (QueryDict, parse_qsl), and
the device gateway reads `wait` before it authenticates: a 100 KB query string cost every
request that much work, from anyone. So under /api/ and /device-api/ a path or query string
over its limit is refused with 414 `uri_too_long`, and header fields over theirs with 431
`headers_too_large`, as problem details, before any parsing. The gateway pool's lean path
(gateway/lean.py) applies the same limits to the raw ASGI request, so both answer alike.
Sync- and async-capable: under ASGI it must not hold a thread per device long-poll.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse

from cybergate.lib.clientinfo import is_api_request
from cybergate.lib.middleware import DualModeMiddleware
from cybergate.lib.problems import problem_response

MAX_PATH_LENGTH = 2048  # characters of the path (decoded)
MAX_QUERY_LENGTH = 2048  # characters of the query string (as sent, percent-encoded)
MAX_HEADERS_LENGTH = 8192  # characters of every header field's name and value together

URI_TOO_LONG = (
    414,
    "uri_too_long",
    f"The path and the query string may have at most {MAX_PATH_LENGTH} and "
    f"{MAX_QUERY_LENGTH} characters.",
)
HEADERS_TOO_LARGE = (
    431,
    "headers_too_large",
    f"The header fields may have at most {MAX_HEADERS_LENGTH} characters together.",
)


def refusal(path: int, query: int, headers: int) -> tuple[int, str, str] | None:
    """(status, code, detail) of the refusal a request of these lengths gets; None if none."""
    if path > MAX_PATH_LENGTH or query > MAX_QUERY_LENGTH:
        return URI_TOO_LONG
    if headers > MAX_HEADERS_LENGTH:
        return HEADERS_TOO_LARGE
    return None


_FIELD = re.compile(r"HTTP_|CONTENT_TYPE$|CONTENT_LENGTH$")  # the META keys of header fields
_UNPREFIXED = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})


def _headers_length(meta: dict[str, Any]) -> int:
    """The header fields' characters as sent: `HTTP_X_FOO` was the field `X-Foo`; empty ones
    are not counted. filter() and map() keep the walk over META in C: it runs before every API
    request (bench/README.md, bench/auth.py)."""
    fields = [*filter(meta.get, filter(_FIELD.match, meta))]
    prefixed = len(fields) - len(_UNPREFIXED.intersection(fields))  # "HTTP_" was not sent
    return sum(map(len, fields)) - 5 * prefixed + sum(map(len, map(str, map(meta.get, fields))))


def _refused(request: HttpRequest) -> HttpResponse | None:
    if not is_api_request(request):
        return None
    found = refusal(
        len(request.path),
        len(request.META.get("QUERY_STRING", "")),
        _headers_length(request.META),
    )
    return None if found is None else problem_response(*found)


class RequestLimitsMiddleware(DualModeMiddleware):
    def __call__(self, request):
        if self._async:
            return self.__acall__(request)
        return _refused(request) or self.get_response(request)

    async def __acall__(self, request):
        return _refused(request) or await self.get_response(request)
