"""Response headers every page gets: the Content-Security-Policy and, for signed-in users,
`Cache-Control: no-store, private`.

Both middleware classes only compute headers, so under ASGI they run in the event loop rather
than in a thread per request (Django's MiddlewareMixin would hop to a thread for each; the
device gateway's long-polls must not cost one, see cybergate/lib/middleware.py).
"""

from __future__ import annotations

from collections.abc import Awaitable
from functools import lru_cache
from typing import cast

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

from cybergate.lib.clientinfo import is_api_request
from cybergate.lib.middleware import DualModeMiddleware

# Per-response changes django-csp's decorators make; a response with none gets the fixed policy.
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


@lru_cache(maxsize=1)
def fixed_policy() -> str:
    return build_policy()


@receiver(setting_changed)
def _forget_policy(*, setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        fixed_policy.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware (settings.CONTENT_SECURITY_POLICY), without the thread hop, and
    with the policy built once: django-csp builds it for every response (~100 µs measured here,
    more than the rest of an authenticated API request's middleware), though ours only varies
    with a nonce or a per-view decorator, which still take django-csp's own path."""

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        self.process_request(request)
        response = await cast(Awaitable[HttpResponseBase], self.get_response(request))
        return self.process_response(request, response)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            settings.DEBUG  # django-csp leaves debug error pages alone
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or settings.CONTENT_SECURITY_POLICY.get("EXCLUDE_URL_PREFIXES")
            or getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _PER_RESPONSE)
        ):
            return super().process_response(request, response)
        if HEADER not in response:
            response[HEADER] = fixed_policy()
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


class PrivateCacheMiddleware(DualModeMiddleware):
    """Answers to a signed-in (session) user are theirs alone: no browser or proxy keeps them.

    Covers every portal page, HTMX fragment, the call-log CSV and admin, whichever view made
    them. The APIs (bearer secrets, no sessions) are left alone.
    """

    def __call__(self, request: HttpRequest):
        if self._async:
            return self.__acall__(request)
        response = self.get_response(request)
        if _may_be_signed_in(request) and _signed_in(request.user):
            _no_store(response)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = await self.get_response(request)
        if (
            _may_be_signed_in(request)
            and hasattr(request, "auser")
            and _signed_in(await request.auser())
        ):
            _no_store(response)
        return response


def _may_be_signed_in(request: HttpRequest) -> bool:
    # Without a session cookie nobody is signed in: probes and static files skip the user lookup.
    return settings.SESSION_COOKIE_NAME in request.COOKIES and not is_api_request(request)


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def _no_store(response: HttpResponseBase) -> None:
    patch_cache_control(response, no_store=True, private=True)
