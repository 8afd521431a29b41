"""Response headers every page gets: the Content-Security-Policy and, for signed-in users,
`Cache-Control: no-store, private`.

Both middleware classes only compute headers, so under ASGI they run in the event loop rather
than in a thread per request (Django's MiddlewareMixin would hop to a thread for each; the
device gateway's long-polls must not cost one, see cybergate/middleware.py).
"""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

from cybergate.problems import API_PREFIXES


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware (settings.CONTENT_SECURITY_POLICY), without the thread hop."""

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        self.process_request(request)
        response = await self.get_response(request)
        return self.process_response(request, response)


class PrivateCacheMiddleware:
    """Answers to a signed-in (session) user are theirs alone: no browser or proxy keeps them.

    Covers every portal page, HTMX fragment, the call-log CSV and admin, whichever view made
    them. The APIs (bearer secrets, no sessions) are left alone.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if self._async:
            return self.__acall__(request)
        response = self.get_response(request)
        if not request.path_info.startswith(API_PREFIXES) and _signed_in(request.user):
            _no_store(response)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = await self.get_response(request)
        if (
            not request.path_info.startswith(API_PREFIXES)
            and hasattr(request, "auser")
            and _signed_in(await request.auser())
        ):
            _no_store(response)
        return response


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def _no_store(response: HttpResponseBase) -> None:
    patch_cache_control(response, no_store=True, private=True)
