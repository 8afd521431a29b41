"""Sign-in redirects of HTMX requests: the whole page goes to the login page, not a fragment.

`login_required` (and anything else) answers an expired session with a 302 to the login page;
HTMX would follow it and swap the login form into a dialog or table. This turns such an answer
into `HX-Redirect`, with `next` pointing at the page the user was on (HX-Current-URL), not at
the fragment URL that happened to be requested.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_htmx.http import HttpResponseClientRedirect

from cybergate.lib.middleware import DualModeMiddleware


def _client_redirect(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    # The status first: it is a redirect so rarely that the request's headers are seldom read.
    if response.status_code != 302 or request.headers.get("HX-Request") != "true":
        return response
    login_path = resolve_url(settings.LOGIN_URL)
    if urlsplit(response["Location"]).path != login_path:
        return response
    current = request.headers.get("HX-Current-URL", "")
    next_url = urlsplit(current)._replace(scheme="", netloc="").geturl() if current else "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts=None):
        next_url = "/"
    return HttpResponseClientRedirect(f"{login_path}?{urlencode({'next': next_url})}")


class HtmxLoginRedirectMiddleware(DualModeMiddleware):
    def __call__(self, request: HttpRequest):
        if self._async:
            return self.__acall__(request)
        return _client_redirect(request, self.get_response(request))

    async def __acall__(self, request: HttpRequest):
        return _client_redirect(request, await self.get_response(request))
