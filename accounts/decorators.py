"""Re-authentication ("sudo mode") for sensitive portal actions."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required
from allauth.core.exceptions import ReauthenticationRequired
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from accounts.allauth_internals import reauthentication_flows
from accounts.sessions import signed_in_recently
from cybergate.requesttypes import SignedInRequest


def microsoft_only_and_not_recent(request: HttpRequest) -> bool:
    """allauth lets a login without a password or second factor through (it cannot ask
    Microsoft); ours asks Microsoft (accounts/entra/views.py) when the sign-in is not recent."""
    user = request.user
    return (
        user.is_authenticated
        and not reauthentication_flows(user)
        and any(m["id"] == "microsoft" for m in get_adapter().get_reauthentication_methods(user))
        and not signed_in_recently(request, now=time.time())
    )


def recent_sign_in_required(
    *, htmx_return_to: str | Promise
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Ask for the password or a second factor again when the last sign-in is too old.

    Without JavaScript allauth remembers the request (a POST included) and carries it out after
    the re-authentication (through Microsoft too: accounts/entra/views.py). An HTMX request
    cannot be resumed inside a dialog, so the browser goes to the re-authentication page, which
    then leads back to `htmx_return_to`.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        guarded = reauthentication_required(view)

        @wraps(view)
        def wrapper(request: SignedInRequest, *args, **kwargs) -> HttpResponse:
            try:
                if microsoft_only_and_not_recent(request):
                    raise ReauthenticationRequired
                return guarded(request, *args, **kwargs)
            except ReauthenticationRequired:
                if not request.htmx:
                    raise  # allauth's middleware suspends the request and asks
                methods = get_adapter().get_reauthentication_methods(request.user)
                url = f"{methods[0]['url']}?{urlencode({'next': str(htmx_return_to)})}"
                return HttpResponseClientRedirect(url)

        return wrapper

    return decorator
