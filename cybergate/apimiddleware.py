"""Portal middleware that steps aside for the customer API (/api/).

API requests carry a bearer secret, never a session: sessions, the portal login, flash messages,
HTMX details and the portal's tenant resolution are of no use there, yet each costs time on
every request (authentication is budgeted against /healthz). These subclasses hand /api/
requests straight to the next layer and behave exactly like Django's (or django-htmx's)
middleware everywhere else. CSRF stays on for all paths (API views are csrf_exempt by DRF).

They keep the originals' sync/async capability: in async mode `get_response(request)` returns
the awaitable that the caller awaits.
"""

from __future__ import annotations

from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django_htmx import middleware as htmx_middleware

from cybergate.lib.clientinfo import API_PREFIX, is_customer_api_request
from tenants import middleware as tenants_middleware


def _skipping_api(base: type) -> type:
    def __call__(self, request):
        if is_customer_api_request(request):
            return self.get_response(request)
        return base.__call__(self, request)

    return type(
        base.__name__,
        (base,),
        {
            "__call__": __call__,
            "__module__": __name__,
            "__doc__": f"{base.__module__}.{base.__name__}, except for {API_PREFIX} requests.",
        },
    )


SessionMiddleware = _skipping_api(sessions_middleware.SessionMiddleware)
AuthenticationMiddleware = _skipping_api(auth_middleware.AuthenticationMiddleware)
MessageMiddleware = _skipping_api(messages_middleware.MessageMiddleware)
HtmxMiddleware = _skipping_api(htmx_middleware.HtmxMiddleware)
TenantMiddleware = _skipping_api(tenants_middleware.TenantMiddleware)
