"""Our rules for django-allauth: no sign-up, our client address, lockout messages, encrypted
MFA secrets, and "recent sign-in" meaning the last authentication of any kind."""

from __future__ import annotations

import base64
import hashlib
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse

from accounts import lockout
from accounts.allauth_internals import REAUTHENTICATION_STATE_KEY
from accounts.sessions import HELD_SESSION_KEY, MICROSOFT, sign_in_method, signed_in_recently
from cybergate.lib.clientinfo import client_ip, limit_key


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # support creates logins in admin

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth keys its sign-in rate limits on this (and shows it nowhere we use): the client
        # as the API's limits count it, an IPv6 one as its /64 (IPV6_LIMIT_PREFIX), whatever
        # allauth's own IPv6 prefix setting says.
        return limit_key(client_ip(request)) or "0.0.0.0"  # a placeholder, never a bind

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        """Refuse a throttled attempt before any password hash is computed, saying when to
        retry. The same answer for existing and unknown accounts (the key is what was typed)."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            email = credentials.get("email", "")
            waits = lockout.seconds_until_allowed(
                request, key=self._get_login_attempts_cache_key(request, **credentials)
            )
            retry_in = max(waits.values(), default=60.0)
            lockout.lock(request, email=email, waits=waits)
            lockout.record_once(request, email=email, retry_in=retry_in)
            raise ValidationError(
                lockout.message(retry_in), code="too_many_login_attempts"
            ) from None

    def logout(self, request: HttpRequest) -> None:
        """A Microsoft sign-in while signed in (re-authentication) signs the session out first,
        which would drop the request held for after the re-authentication: it is set aside for
        this user, and carried out only if the same user signs back in (entra/views.py)."""
        held = None
        match = request.resolver_match
        if match is not None and match.url_name == "microsoft_callback":
            held = request.session.get(REAUTHENTICATION_STATE_KEY)
        user_pk = request.user.pk
        super().logout(request)
        if held and "request" in held:
            request.session[HELD_SESSION_KEY] = {"user": user_pk, "state": held}

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Sensitive changes need the last sign-in or re-authentication to be recent."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = context.request
        return not signed_in_recently(request, now=time.time())

    def get_reauthentication_methods(self, user) -> list[dict]:
        """Besides the password and second factors: a fresh sign-in with Microsoft for a login
        that signs in that way (the only way for one created by a Microsoft sign-in). The portal
        says "passkey" where allauth says "security key"."""
        methods = super().get_reauthentication_methods(user)
        for method in methods:
            if method["id"] == "mfa_reauthenticate:webauthn":
                method["description"] = "Use a passkey"
        if user.is_authenticated and microsoft_configured() and user.socialaccount_set.exists():
            methods.append(
                {
                    "id": "microsoft",
                    "description": "Sign in with Microsoft again",
                    "url": reverse("microsoft_reauthenticate"),
                }
            )
        return methods


def microsoft_configured() -> bool:
    return bool(settings.SOCIALACCOUNT_PROVIDERS.get("microsoft", {}).get("APPS"))


def _fernet() -> Fernet:
    # A key of its own, derived from SECRET_KEY: TOTP seeds are not stored in clear text.
    digest = hashlib.sha256(b"cybergate.mfa-secrets:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class MfaAdapter(DefaultMFAAdapter):
    def is_mfa_enabled(self, user, types=None) -> bool:
        """A sign-in with Microsoft in progress asks for no local second factor: Entra enforced
        the organisation's own MFA. Once signed in, the user's factors count again."""
        request = context.request
        if (
            request is not None
            and hasattr(request, "session")
            and not request.user.is_authenticated
            and sign_in_method(request, user) == MICROSOFT
        ):
            return False
        return super().is_mfa_enabled(user, types=types)

    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()
