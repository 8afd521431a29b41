"""Sign-in writes that happen outside allauth's pages (management commands, scripts)."""

from __future__ import annotations

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import transaction

from audit.services import Actor, record
from tenants.models import User


@transaction.atomic
def mfa_enrol_totp(*, user: User, actor: Actor, secret: str | None = None) -> str:
    """Enrol an authenticator app for `user` (replacing one enrolled before); return its secret.

    For operators and demo data: people enrol themselves on the Security page.
    """
    from allauth.mfa.models import Authenticator

    secret = secret or generate_totp_secret()
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    TOTP.activate(user, secret)
    record(
        tenant=user.tenant,
        actor=actor,
        action="mfa.enabled",
        target=user.email,
        details={"type": "totp"},
    )
    return secret
