"""Sign-in writes that happen outside allauth's pages (management commands, scripts)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction

from accounts.allauth_internals import recovery_codes_delete_if_dangling, totp_activate
from audit.services import Actor, record
from tenants.models import User


@transaction.atomic
def mfa_enrol_totp(*, user: User, actor: Actor, secret: str | None = None) -> str:
    """Enrol an authenticator app for `user` (replacing one enrolled before); return its secret.

    For operators and demo data: people enrol themselves on the Security page.
    """
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    secret = totp_activate(user, secret)
    record(
        tenant=user.tenant,
        actor=actor,
        action="mfa.enabled",
        target=user.email,
        details={"type": "totp"},
    )
    return secret


def login_addresses_sync(user: User) -> None:
    """allauth's address rows of a login mirror its one address, which support set.

    The address is verified by definition (support gave it to this login; nobody signs up), and
    no other address remains: a row for another address would sign in too.
    """
    EmailAddress.objects.filter(user=user).exclude(email=user.email).delete()
    EmailAddress.objects.filter(user=user, email=user.email).update(verified=True, primary=True)


@transaction.atomic
def mfa_remove(*, authenticator: Authenticator, actor: Actor, ip: str | None = None) -> None:
    """Remove a login's second factor (support, for someone who lost it), and the recovery codes
    left with no factor to stand in for, as the login's own removal on the Security page does."""
    user = authenticator.user
    authenticator.delete()
    dangling = recovery_codes_delete_if_dangling(user)
    for removed in [authenticator, *([dangling] if dangling else [])]:
        record(
            tenant=user.tenant,
            actor=actor,
            action="mfa.disabled",
            target=user.email,
            details={"type": removed.type},
            ip=ip,
        )
