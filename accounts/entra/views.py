"""Entra's endpoints, from its multi-tenant discovery document, and the id token check."""

from __future__ import annotations

import time

from allauth.account.decorators import login_required
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2Adapter,
    OAuth2CallbackView,
    OAuth2LoginView,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from accounts.allauth_internals import (
    REAUTHENTICATION_STATE_KEY,
    resume_after_reauthentication,
)
from accounts.entra.tokens import validate_id_token
from accounts.sessions import HELD_SESSION_KEY, signed_in_recently

DISCOVERY_PATH = "/organizations/v2.0/.well-known/openid-configuration"


class MicrosoftOAuth2Adapter(OAuth2Adapter):
    provider_id = "microsoft"
    expected_nonce: str | None = None

    def _get_json(self, url: str) -> dict:
        with get_adapter().get_requests_session() as session:
            response = session.get(url, timeout=10)
            response.raise_for_status()
            return response.json()

    @property
    def openid_config(self) -> dict:
        if not hasattr(self, "_openid_config"):
            authority = self.get_provider().app.settings["authority"].rstrip("/")
            self._openid_config = self._get_json(authority + DISCOVERY_PATH)
        return self._openid_config

    @property
    def authorize_url(self) -> str:
        return self.openid_config["authorization_endpoint"]

    @property
    def access_token_url(self) -> str:
        return self.openid_config["token_endpoint"]

    def complete_login(self, request: HttpRequest, app, token, **kwargs):
        id_token = kwargs["response"].get("id_token")
        if not id_token:
            raise OAuth2Error("No id_token in the token response")
        # The signature is checked although the token came straight from Entra over TLS: the
        # authority is configurable, and the check is cheap.
        claims = validate_id_token(
            id_token,
            issuer_template=self.openid_config["issuer"],
            jwks=self._get_json(self.openid_config["jwks_uri"]),
            client_id=app.client_id,
            nonce=self.expected_nonce,
        )
        return self.get_provider().sociallogin_from_response(request, claims)


class MicrosoftCallbackView(OAuth2CallbackView):
    def _get_state(self, request: HttpRequest, provider):
        # allauth pops its state before the token exchange: keep the nonce for the id token.
        state, response = super()._get_state(request, provider)
        self.adapter.expected_nonce = (state or {}).get("nonce")
        return state, response


def _unless_unconfigured(view):
    def wrapped(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SocialApp.DoesNotExist:
            raise Http404("Sign in with Microsoft is not configured.") from None

    return wrapped


oauth2_login = _unless_unconfigured(OAuth2LoginView.adapter_view(MicrosoftOAuth2Adapter))
oauth2_callback = _unless_unconfigured(MicrosoftCallbackView.adapter_view(MicrosoftOAuth2Adapter))


def _safe_next(request: HttpRequest) -> str:
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return next_url


def reauthenticate(request: HttpRequest):
    """Re-authentication through Microsoft: a fresh sign-in there (`prompt=login`), which makes
    this session's sign-in recent again (accounts/sessions.py). It comes back through
    `reauthenticated`, which carries out the action that asked for it."""

    @login_required
    def view(request: HttpRequest):
        provider = get_adapter().get_provider(request, "microsoft")
        next_url = _safe_next(request)
        if next_url:
            next_url = f"{reverse('microsoft_reauthenticated')}?{urlencode({'next': next_url})}"
        return render(
            request,
            "account/microsoft_reauthenticate.html",
            {"login_url": provider.get_login_url(request), "next": next_url},
        )

    return _unless_unconfigured(view)(request)


@login_required
def reauthenticated(request: HttpRequest) -> HttpResponse:
    """Back from Microsoft: carry out the request held when re-authentication was asked for
    (e.g. the POST that creates an API secret), as allauth does after a password or a second
    factor; or go on to `next`.

    allauth signs the session out and in again for the Microsoft sign-in, so the held request
    was set aside for this user (accounts/adapter.py, AccountAdapter.logout) and is put back
    here. The held view checks again that the sign-in is recent: without a fresh Microsoft
    sign-in it asks once more instead of running.
    """
    held = request.session.pop(HELD_SESSION_KEY, None)
    if held and held.get("user") == request.user.pk:
        request.session[REAUTHENTICATION_STATE_KEY] = held["state"]
    if signed_in_recently(request, now=time.time()):
        response = resume_after_reauthentication(request)
        if response is not None:
            return response
    return redirect(_safe_next(request) or "/")
