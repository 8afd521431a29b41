"""When this session signed in and was last used: the basis of re-authentication and of the
session limits (12 hours absolute, 30 minutes idle by default)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

SIGNED_IN_AT = "cybergate_signed_in_at"
LAST_SEEN_AT = "cybergate_last_seen_at"


def mark_signed_in(request: HttpRequest, *, now: float) -> None:
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


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
