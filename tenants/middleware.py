from __future__ import annotations

from django.utils import timezone
from django.utils.functional import SimpleLazyObject


def _tenant_of(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return user.tenant


class TenantMiddleware:
    """Resolve the portal user's tenant once per request, and activate their time zone.

    The customer API resolves its tenant in the authentication class instead (there is no
    session there); this middleware leaves `request.tenant` lazy so API requests pay nothing.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = SimpleLazyObject(lambda: _tenant_of(request))
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone != "UTC":
            try:
                timezone.activate(user.time_zone)
            except Exception:  # noqa: BLE001 - an unknown zone falls back to the default
                timezone.deactivate()
        response = self.get_response(request)
        timezone.deactivate()
        return response
