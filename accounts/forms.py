"""allauth's forms where ours differ (settings.MFA_FORMS).

A failed WebAuthn assertion at the second-factor step (or when re-authenticating) sends allauth's
`authentication_failed`, as a wrong code does already, so both reach the security log the same
way (cybergate/lib/security.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from allauth.core import context
from allauth.mfa import signals
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn.forms import (
    AddWebAuthnForm,
    AuthenticateWebAuthnForm,
    ReauthenticateWebAuthnForm,
)
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property


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
    @cached_property
    def has_passkey(self) -> bool:
        """Whether the second step may offer a passkey: only to a login that has one."""
        return Authenticator.objects.filter(
            user=self.user, type=Authenticator.Type.WEBAUTHN
        ).exists()

    def clean_credential(self) -> Authenticator:
        with _failure_signalled(self):
            return super().clean_credential()


class WebAuthnReauthenticateForm(ReauthenticateWebAuthnForm):
    def clean_credential(self) -> Authenticator:
        with _failure_signalled(self):
            return super().clean_credential()


class PasskeyAddForm(AddWebAuthnForm):
    """allauth's form in the portal's words ("passkey" everywhere). A new passkey signs in on
    its own unless unticked: that is what the sign-in page's "Sign in with a passkey" needs."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = "Passkey name"
        self.fields["name"].help_text = "To tell your passkeys apart, e.g. “Work laptop”."
        if "passwordless" in self.fields:
            passwordless = self.fields["passwordless"]
            passwordless.label = "Sign in with this passkey alone, without a password"
            passwordless.help_text = (
                "Your device then asks for your fingerprint, face or PIN. Untick it to use the "
                "passkey only as the second step after your password."
            )
            passwordless.initial = True
