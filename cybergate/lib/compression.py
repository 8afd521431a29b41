"""GZip for portal HTML, the OpenAPI schema and the customer API's JSON; never for a response
that shows a secret.

BREACH: a compressed response that carries a secret next to text the attacker can influence
(a secret's name, a query string) leaks the secret through its length. Django masks the CSRF
token per response; the one page with a real secret, the created-secret answer, opts out with
`exempt()`. The customer API never answers with a secret value (API secrets, device
credentials and door-open codes are only ever written, never read back through it; tested), so
its JSON and problem details are compressed when the client asks; a view that ever shows a
secret must call `exempt()`. The device gateway's answers are left alone (small, and its
long-poll path bypasses this middleware anyway).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

from cybergate.lib.clientinfo import is_customer_api_request

SCHEMA_PATH = "/api/schema/"
_API_TYPES = ("application/json", "application/problem+json")


def exempt(response: HttpResponse) -> HttpResponse:
    response.gzip_exempt = True  # type: ignore[attr-defined]  # read by PortalGZipMiddleware
    return response


class PortalGZipMiddleware(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(response, "gzip_exempt", False):
            return response
        content_type = response.get("Content-Type", "")
        is_html = content_type.startswith("text/html")
        is_api_json = is_customer_api_request(request) and content_type.startswith(_API_TYPES)
        if not (is_html or is_api_json or request.path == SCHEMA_PATH):
            return response
        return super().process_response(request, response)
