"""Re-authentication ("sudo mode") for sensitive portal actions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required
from allauth.core.exceptions import ReauthenticationRequired
from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from cybergate.requests import SignedInRequest


def recent_sign_in_required(
    *, htmx_return_to: str | Promise
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Ask for the password or a second factor again when the last sign-in is too old.

    Without JavaScript allauth remembers the request (a POST included) and carries it out after
    the re-authentication. An HTMX request cannot be resumed inside a dialog, so the browser goes
    to the re-authentication page, which then leads back to `htmx_return_to`.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        guarded = reauthentication_required(view)

        @wraps(view)
        def wrapper(request: SignedInRequest, *args, **kwargs) -> HttpResponse:
            try:
                return guarded(request, *args, **kwargs)
            except ReauthenticationRequired:
                if not request.htmx:
                    raise  # allauth's middleware suspends the request and asks
                methods = get_adapter().get_reauthentication_methods(request.user)
                url = f"{methods[0]['url']}?{urlencode({'next': str(htmx_return_to)})}"
                return HttpResponseClientRedirect(url)

        return wrapper

    return decorator
