"""Every use of django-allauth's internal API, behind one door.

allauth keeps these functions under `*.internal` and changes them between releases without
notice. Everything of ours that needs one goes through this module, and
tests/accounts/test_allauth_internals.py exercises each wrapper against the installed allauth, so
an upgrade that moves or changes one breaks this file and its test, loudly, not a sign-in flow in
production. (Outside it: `accounts/entra/views.py` overrides the OAuth2 view's `_get_state`, a
private method of allauth's, which its own tests cover.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from allauth.account.internal.flows import reauthentication as _reauthentication
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import get_reauthentication_flows
from allauth.core.internal import ratelimit as _ratelimit
from allauth.mfa.base.internal.flows import delete_dangling_recovery_codes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.http import HttpRequest, HttpResponse

# The session key under which allauth holds a request suspended for re-authentication.
REAUTHENTICATION_STATE_KEY: str = _reauthentication.STATE_SESSION_KEY


def suspend_for_reauthentication(request: HttpRequest, url: str) -> HttpResponse:
    """Hold the current request and send the user to `url` to re-authenticate first."""
    return _reauthentication.suspend_request(request, url)


def resume_after_reauthentication(request: HttpRequest) -> HttpResponse | None:
    """Carry out the request held by `suspend_for_reauthentication`, if one is held."""
    return _reauthentication.resume_request(request)


def reauthentication_flows(user: Any) -> list[dict]:
    """The ways allauth itself can re-authenticate `user` (password, second factors)."""
    return get_reauthentication_flows(user)


def authentication_records(request: HttpRequest, user: Any) -> list[dict]:
    """allauth's record of this session's authentications of `user`, oldest first."""
    return get_authentication_records(request, user)


def rate_limit_windows(
    request: HttpRequest, *, app: str, action: str, key: str
) -> Iterator[tuple[Any, str]]:
    """Each rate allauth applies to `action` (its ACCOUNT_RATE_LIMITS), with the cache key under
    which it keeps the attempts' timestamps (newest first) for this request and `key`."""
    for rate in _ratelimit.get_rates(app=app, action=action):
        yield rate, _ratelimit.get_cache_key(request, app=app, action=action, rate=rate, key=key)


def totp_activate(user: Any, secret: str | None = None) -> str:
    """Enrol an authenticator app for `user` with `secret` (new when None); return the secret."""
    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def recovery_codes_delete_if_dangling(user: Any) -> Any:
    """Delete `user`'s recovery codes when no other factor is left; return them, or None."""
    return delete_dangling_recovery_codes(user)
