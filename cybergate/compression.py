"""GZip for portal HTML and the OpenAPI schema, never for a response that shows a secret.

BREACH: a compressed response that carries a secret next to text the attacker can influence
(a secret's name, a query string) leaks the secret through its length. Django masks the CSRF
token per response; the one page with a real secret, the created-secret answer, opts out with
`exempt()`. API JSON is not compressed at all: some of it may carry secrets in the future and
it is small.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

SCHEMA_PATH = "/api/schema/"


def exempt(response: HttpResponse) -> HttpResponse:
    response.gzip_exempt = True  # type: ignore[attr-defined]  # read by PortalGZipMiddleware
    return response


class PortalGZipMiddleware(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(response, "gzip_exempt", False):
            return response
        is_html = response.get("Content-Type", "").startswith("text/html")
        if not (is_html or request.path == SCHEMA_PATH):
            return response
        return super().process_response(request, response)
