"""allauth's forms where ours differ (settings.MFA_FORMS).

A failed WebAuthn assertion at the second-factor step (or when re-authenticating) sends allauth's
`authentication_failed`, as a wrong code does already, so both reach the security log the same
way (cybergate/security.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from allauth.core import context
from allauth.mfa import signals
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn.forms import AuthenticateWebAuthnForm, ReauthenticateWebAuthnForm
from django.core.exceptions import ValidationError


@contextmanager
def _failure_signalled(form: AuthenticateWebAuthnForm) -> Iterator[None]:
    try:
        yield
    except ValidationError as exc:
        # Not "too many attempts": that refusal checked nothing.
        if exc.code == "incorrect_code":
            signals.authentication_failed.send(
                sender=Authenticator,
                request=context.request,
                user=form.user,
                # Which of the user's keys was tried is unknown when the assertion fails.
                authenticator=Authenticator(user=form.user, type=Authenticator.Type.WEBAUTHN),
                reauthentication=form.reauthenticated,
            )
        raise


class WebAuthnAuthenticateForm(AuthenticateWebAuthnForm):
    def clean_credential(self) -> Authenticator:
        with _failure_signalled(self):
            return super().clean_credential()


class WebAuthnReauthenticateForm(ReauthenticateWebAuthnForm):
    def clean_credential(self) -> Authenticator:
        with _failure_signalled(self):
            return super().clean_credential()
