"""When this session signed in and was last used: the basis of re-authentication and of the
session limits (12 hours absolute, 30 minutes idle by default)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from accounts.allauth_internals import authentication_records

SIGNED_IN_AT = "cybergate_signed_in_at"
LAST_SEEN_AT = "cybergate_last_seen_at"
SIGN_IN_METHOD = "cybergate_sign_in_method"
MICROSOFT = "microsoft"
# The request held for re-authentication while Microsoft signs the session out and in again
# (accounts/adapter.py, accounts/entra/views.py).
HELD_SESSION_KEY = "cybergate_held_for_reauthentication"
# Requests held for re-authentication by the page that sent them: allauth holds one, so a second
# tab asking too would otherwise replace the first tab's (accounts/decorators.py).
HELD_BY_PATH_KEY = "cybergate_held_by_path"
HELD_BY_PATH_MAX = 5


def mark_signed_in(request: HttpRequest, *, now: float, method: str = "password") -> None:
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now
    request.session[SIGN_IN_METHOD] = method


def sign_in_method(request: HttpRequest, user) -> str:
    """How `user` signed in on this request: "microsoft", "passkey" or "password".

    From allauth's record of this session's authentications: the latest first factor counts
    (a TOTP code or recovery code is the second factor of a password sign-in).
    """
    for entry in reversed(authentication_records(request, user)):
        method = entry.get("method")
        if method == "socialaccount":
            return str(entry.get("provider") or "social")
        if method == "mfa" and entry.get("passwordless"):
            return "passkey"
        if method in {"password", "password_reset", "code"}:
            return "password"
    return "password"


def signed_in_with_microsoft(request: HttpRequest | None) -> bool:
    """Entra enforces the organisation's own MFA on these sign-ins."""
    return (
        request is not None
        and hasattr(request, "session")
        and request.session.get(SIGN_IN_METHOD) == MICROSOFT
    )


def signed_in_recently(request: HttpRequest | None, *, now: float) -> bool:
    """True while the sign-in of this session is younger than the re-authentication window."""
    if request is None or not hasattr(request, "session"):
        return False
    signed_in_at = request.session.get(SIGNED_IN_AT)
    return (
        isinstance(signed_in_at, int | float)
        and now - signed_in_at < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    )


def expiry_reason(request: HttpRequest, *, now: float) -> str | None:
    """Why this signed-in session must end now, or None while it may go on."""
    signed_in_at = request.session.get(SIGNED_IN_AT)
    last_seen_at = request.session.get(LAST_SEEN_AT, signed_in_at)
    if not isinstance(signed_in_at, int | float) or not isinstance(last_seen_at, int | float):
        return None  # signed in before these limits existed: the session cookie age applies
    if now - signed_in_at >= settings.SESSION_MAX_AGE_HOURS * 3600:
        return "Your session has ended after 12 hours. Please sign in again."
    if now - last_seen_at >= settings.SESSION_IDLE_MINUTES * 60:
        return "You were signed out after a period of inactivity. Please sign in again."
    return None
