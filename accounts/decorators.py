"""Re-authentication ("sudo mode") for sensitive portal actions."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required
from allauth.core.exceptions import ReauthenticationRequired
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from accounts.allauth_internals import (
    REAUTHENTICATION_STATE_KEY,
    reauthentication_flows,
    suspend_for_reauthentication,
)
from accounts.sessions import HELD_BY_PATH_KEY, HELD_BY_PATH_MAX, signed_in_recently
from tenants.requesttypes import SignedInRequest


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


def _hold(request: HttpRequest) -> HttpResponse:
    """Hold the request for after the re-authentication, and keep it by its path beside those of
    other tabs (HeldRequestsMiddleware puts it back in allauth's one place when it is its turn)."""
    methods = get_adapter().get_reauthentication_methods(request.user)
    url = methods[0]["url"] if methods else reverse("account_login")
    response = suspend_for_reauthentication(request, url)
    state = request.session.get(REAUTHENTICATION_STATE_KEY)
    if state and "request" in state:
        path = request.get_full_path()
        held = {p: s for p, s in request.session.get(HELD_BY_PATH_KEY, {}).items() if p != path}
        held[path] = state
        request.session[HELD_BY_PATH_KEY] = dict(list(held.items())[-HELD_BY_PATH_MAX:])
    return response


def recent_sign_in_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Ask for the password or a second factor again when the last sign-in is too old.

    allauth holds the request (a POST included: the typed form, the confirmed Delete) and carries
    it out after the re-authentication (through Microsoft too: accounts/entra/views.py). An HTMX
    request is held the same way, as the plain request its form would send without JavaScript,
    and the whole page goes to the re-authentication: what was typed in a dialog is not lost.
    """
    guarded = reauthentication_required(view)

    @wraps(view)
    def wrapper(request: SignedInRequest, *args, **kwargs) -> HttpResponse:
        try:
            if microsoft_only_and_not_recent(request):
                raise ReauthenticationRequired
            return guarded(request, *args, **kwargs)
        except ReauthenticationRequired:
            if not request.htmx:
                return _hold(request)
            for header in [key for key in request.META if key.startswith("HTTP_HX_")]:
                del request.META[header]  # carried out later as a full page, not a fragment
            return HttpResponseClientRedirect(_hold(request)["Location"])

    return wrapper
