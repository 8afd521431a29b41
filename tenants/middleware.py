from __future__ import annotations

from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from cybergate.lib.middleware import DualModeMiddleware
from cybergate.lib.requestid import bind_tenant


def _tenant_of(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    bind_tenant(user.tenant_id)  # on the request's log lines from now on
    return user.tenant


class TenantMiddleware(DualModeMiddleware):
    """Resolve the portal user's tenant once per request, and activate their time zone.

    The customer API resolves its tenant in the authentication class instead (there is no
    session there); this middleware leaves `request.tenant` lazy so API requests pay nothing.
    """

    # Async-capable too: under ASGI a sync-only middleware holds a thread for the whole request,
    # which the device gateway's 30-second long-poll must not (cybergate/lib/middleware.py).
    def __call__(self, request):
        if self._async:
            return self.__acall__(request)
        request.tenant = SimpleLazyObject(lambda: _tenant_of(request))
        _activate_time_zone(getattr(request, "user", None))
        response = self.get_response(request)
        timezone.deactivate()
        return response

    async def __acall__(self, request):
        request.tenant = SimpleLazyObject(lambda: _tenant_of(request))
        if hasattr(request, "auser"):  # no session cookie: no database query
            _activate_time_zone(await request.auser())
        response = await self.get_response(request)
        timezone.deactivate()
        return response


def _activate_time_zone(user) -> None:
    if user is not None and user.is_authenticated and user.time_zone != "UTC":
        try:
            timezone.activate(user.time_zone)
        except Exception:  # an unknown zone falls back to the default
            timezone.deactivate()
