"""Which version of the customer API answered, and what of it is going away.

Every answer under /api/ carries `API-Version` (settings.API_VERSION, the `api_version` of
`GET /api/v1/version`), errors and the catch-all 404 included.

Deprecation: a customer API view lists what it deprecates, with dates (`Deprecated`):
`deprecated_parameters` (query parameters or body fields, by name) or `deprecated` (the whole
operation, e.g. a response field that is going). An answer to a request that uses a deprecated
parameter, or to a deprecated operation, carries `Deprecation: @<unix time>` (RFC 9745),
`Sunset: <HTTP date>` (RFC 8594) and `Link: <…>; rel="deprecation"` pointing at its CHANGELOG
entry; the schema marks them `deprecated` and declares these headers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.http import http_date

from cybergate.lib.clientinfo import is_customer_api_request
from cybergate.lib.middleware import DualModeMiddleware

HEADER = "API-Version"
CHANGELOG_URL = "/api/docs/changelog/"


@dataclass(frozen=True, slots=True)
class Deprecated:
    """`since`: when it was deprecated (it still works); `sunset`: from when it may stop
    working; `note`: what to use instead; `anchor`: its entry on the CHANGELOG page."""

    since: datetime
    sunset: datetime
    note: str
    anchor: str = ""

    @property
    def link(self) -> str:
        return CHANGELOG_URL + (f"#{self.anchor}" if self.anchor else "")


def deprecation_headers(used: Iterable[Deprecated]) -> dict[str, str]:
    """The headers for the deprecated things a request used (none: no headers). With several,
    the earliest deprecation and sunset, and a link to each."""
    used = list(used)
    if not used:
        return {}
    links = dict.fromkeys(item.link for item in used)
    return {
        "Deprecation": f"@{int(min(item.since for item in used).timestamp())}",
        "Sunset": http_date(min(item.sunset for item in used).timestamp()),
        "Link": ", ".join(f'<{link}>; rel="deprecation"' for link in links),
    }


def used_deprecations(
    operation: Deprecated | None,
    parameters: Mapping[str, Deprecated],
    query: Iterable[str],
    body: Any,
) -> list[Deprecated]:
    """What of `parameters` (and the operation itself) this request used."""
    used = [operation] if operation is not None else []
    if parameters:
        names = set(query)
        if isinstance(body, Mapping):
            names.update(body)
        used += [item for name, item in parameters.items() if name in names]
    return used


def schema_note(operation: Deprecated | None, parameters: Mapping[str, Deprecated]) -> str:
    """The sentence an operation's description ends with when it deprecates something."""
    notes = []
    if operation is not None:
        notes.append(f"This operation is deprecated: {_dates(operation)}. {operation.note}")
    for name, item in parameters.items():
        notes.append(f"`{name}` is deprecated: {_dates(item)}. {item.note}")
    return "\n\n".join(f"**Deprecated.** {note}" for note in notes)


def _dates(item: Deprecated) -> str:
    return (
        f"since {item.since:%Y-%m-%d}, it may stop working from {item.sunset:%Y-%m-%d}; such "
        "answers carry `Deprecation`, `Sunset` and `Link` headers"
    )


class ApiVersionMiddleware(DualModeMiddleware):
    """`API-Version` on every answer under /api/ (outermost but the request id, so that errors
    raised by any later layer carry it too)."""

    def __call__(self, request: HttpRequest):
        if self._async:
            return self.__acall__(request)
        response = self.get_response(request)
        if is_customer_api_request(request):
            response[HEADER] = settings.API_VERSION
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = await self.get_response(request)
        if is_customer_api_request(request):
            response[HEADER] = settings.API_VERSION
        return response
