"""Session limits and the MFA requirement, for portal and admin pages.

Both are sync- and async-capable like every middleware here (cybergate/lib/middleware.py), and step
aside at once for the customer API and the device gateway, which use no sessions.
"""

from __future__ import annotations

import math
import time
from functools import cache

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from accounts import lockout
from accounts.allauth_internals import REAUTHENTICATION_STATE_KEY, suspend_for_reauthentication
from accounts.decorators import microsoft_only_and_not_recent
from accounts.mfa import mfa_enrolled, mfa_required_for
from accounts.sessions import (
    HELD_BY_PATH_KEY,
    LAST_SEEN_AT,
    expiry_reason,
    signed_in_with_microsoft,
)
from cybergate.lib.middleware import DualModeMiddleware
from cybergate.lib.security import mark_already_logged

SESSIONLESS_PREFIXES = ("/api/", "/device-api/", "/healthz", "/readyz", "/" + settings.STATIC_URL)
# Writing "last seen" on every request would save the session on every request; a minute of
# slack in a 30-minute idle limit is fine.
LAST_SEEN_RESOLUTION = 60


class _Middleware(DualModeMiddleware):
    def __call__(self, request: HttpRequest):
        if self._async:
            return self.__acall__(request)
        if request.path_info.startswith(SESSIONLESS_PREFIXES):
            return self.get_response(request)
        return self.check(request) or self.get_response(request)

    async def __acall__(self, request: HttpRequest):
        if not request.path_info.startswith(SESSIONLESS_PREFIXES):
            response = await sync_to_async(self.check)(request)
            if response is not None:
                return response
        return await self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        raise NotImplementedError


class SignInLockoutMiddleware(_Middleware):
    """Refuse a sign-in from a locked-out address or for a locked-out account with one cache
    read, before sessions, allauth's rate-limit locks or any password hash (accounts/lockout.py).
    """

    def check(self, request: HttpRequest) -> HttpResponse | None:
        if request.method != "POST" or request.path_info != reverse("account_login"):
            return None
        wait = lockout.locked_for(request, email=request.POST.get("login", ""))
        if not wait:
            return None
        response = render(
            request, "account/locked_out.html", {"message": lockout.message(wait)}, status=429
        )
        response["Retry-After"] = str(math.ceil(wait))
        # The lockout was logged when it began (user.locked_out); a line per refused attempt
        # would make the flood cost a log write each.
        return mark_already_logged(response)


class SessionLimitsMiddleware(_Middleware):
    """Sign out a session 12 hours after sign-in, or after 30 minutes without a request."""

    def check(self, request: HttpRequest) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        now = time.time()
        reason = expiry_reason(request, now=now)
        if reason is not None:
            logout(request)
            messages.info(request, reason)
            login_url = reverse(settings.LOGIN_URL)
            return _redirect(request, f"{login_url}?{urlencode({'next': request.get_full_path()})}")
        if now - request.session.get(LAST_SEEN_AT, 0) >= LAST_SEEN_RESOLUTION:
            request.session[LAST_SEEN_AT] = now
        return None


# allauth's views that add a first second factor: for a login with neither a password nor a
# factor allauth cannot ask again (it has no Microsoft flow), so the middleware below does.
FIRST_FACTOR_VIEWS = {"mfa_activate_totp", "mfa_add_webauthn"}


class MfaRequiredMiddleware(_Middleware):
    """Support staff, and everyone in a tenant that requires it, enrol MFA before anything else.

    Sign-in pages, the MFA pages themselves and sign-out stay reachable (all under /accounts/).
    Adding a factor asks a Microsoft-only login to sign in with Microsoft again when its sign-in
    is older than the re-authentication window, as every other MFA change asks other logins.
    """

    def first_factor_check(self, request: HttpRequest) -> HttpResponse | None:
        if request.path_info not in {reverse(name) for name in FIRST_FACTOR_VIEWS}:
            return None
        if not microsoft_only_and_not_recent(request):
            return None
        return suspend_for_reauthentication(request, reverse("microsoft_reauthenticate"))

    def check(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            return None
        if request.path_info.startswith("/accounts/"):
            return self.first_factor_check(request)
        if not mfa_required_for(user) or mfa_enrolled(user):
            return None
        if signed_in_with_microsoft(request):
            return None  # Entra enforced the organisation's MFA on this sign-in
        messages.warning(
            request,
            "Set up two-factor authentication to continue: an authenticator app or a passkey.",
        )
        return _redirect(
            request, f"{reverse('mfa_index')}?{urlencode({'next': request.get_full_path()})}"
        )


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    # An HTMX request would swap the page it is redirected to into a fragment: go there whole.
    if request.headers.get("HX-Request") == "true":
        return HttpResponseClientRedirect(url)
    return redirect(url)


@cache
def _reauthentication_paths() -> frozenset[str]:
    """allauth's re-authentication forms, which carry out the held request when they succeed."""
    names = ("account_reauthenticate", "mfa_reauthenticate", "mfa_reauthenticate_webauthn")
    return frozenset(reverse(name) for name in names)


class HeldRequestsMiddleware(DualModeMiddleware):
    """Two tabs held for re-authentication each carry out their own request.

    allauth holds one request per session; accounts/decorators.py also keeps each by its path
    (the `next` of its re-authentication page). When a re-authentication form is sent, its own
    request goes back into allauth's place first, and leaves the list once carried out.
    """

    def __call__(self, request: HttpRequest):
        if self._async:
            return self.__acall__(request)
        path = self.restore(request)
        response = self.get_response(request)
        self.forget_if_carried_out(request, path)
        return response

    async def __acall__(self, request: HttpRequest):
        path = await sync_to_async(self.restore)(request)
        response = await self.get_response(request)
        await sync_to_async(self.forget_if_carried_out)(request, path)
        return response

    @staticmethod
    def restore(request: HttpRequest) -> str | None:
        if request.method != "POST" or request.path_info.startswith(SESSIONLESS_PREFIXES):
            return None
        if request.path_info not in _reauthentication_paths():
            return None
        path = request.GET.get("next") or request.POST.get("next")
        held = request.session.get(HELD_BY_PATH_KEY, {})
        if path not in held:
            return None
        request.session[REAUTHENTICATION_STATE_KEY] = held[path]
        return path

    @staticmethod
    def forget_if_carried_out(request: HttpRequest, path: str | None) -> None:
        if path is None or REAUTHENTICATION_STATE_KEY in request.session:
            return  # nothing restored, or a wrong password: it stays held
        held = request.session.get(HELD_BY_PATH_KEY, {})
        request.session[HELD_BY_PATH_KEY] = {p: s for p, s in held.items() if p != path}
