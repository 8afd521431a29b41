"""Audit entries (and security log events) for sign-in and MFA events, from Django's and
allauth's signals. Failed sign-ins are logged by cybergate.security; here they are audited."""

from __future__ import annotations

import time

from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.services import login_addresses_sync
from accounts.sessions import mark_signed_in, sign_in_method
from audit.models import AuditEntry
from audit.services import Actor, record
from cybergate.lib.clientinfo import client_ip
from cybergate.lib.security import security_log
from tenants.models import User


def _record_for(user: User, action: str, request: HttpRequest | None, **details) -> None:
    ip = client_ip(request) if request is not None else None
    record(
        tenant=user.tenant,
        actor=Actor.for_user(user),
        action=action,
        target=user.email,
        details=details,
        ip=ip,
    )
    security_log.info(action, user=user.email, client_ip=ip)


@receiver(auth_signals.user_logged_in)
def on_signed_in(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return  # e.g. the test client's force_login: no browser session to limit
    method = sign_in_method(request, user)
    mark_signed_in(request, now=time.time(), method=method)
    if user.last_sign_in_method != method:
        User.objects.filter(pk=user.pk).update(last_sign_in_method=method)
        user.last_sign_in_method = method
    _record_for(user, "user.signed_in", request, method=method)


@receiver(auth_signals.user_login_failed)
def on_sign_in_failed(
    sender, credentials: dict, request: HttpRequest | None = None, **kwargs
) -> None:
    # Django has already masked the password in `credentials`; only the email is kept.
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    user = User.objects.filter(email__iexact=email).select_related("tenant").first()
    record(
        # An unknown address has no tenant: the entry goes to the global list in admin.
        tenant=user.tenant if user else None,
        actor=Actor.for_user(user) if user else Actor(AuditEntry.ActorType.USER, email),
        action="user.sign_in_failed",
        target=email,
        ip=client_ip(request) if request is not None else None,
    )


@receiver(mfa_signals.authenticator_added)
def on_mfa_added(sender, request: HttpRequest, user: User, authenticator, **kwargs) -> None:
    _record_for(user, "mfa.enabled", request, type=authenticator.type)


@receiver(mfa_signals.authenticator_removed)
def on_mfa_removed(sender, request: HttpRequest, user: User, authenticator, **kwargs) -> None:
    _record_for(user, "mfa.disabled", request, type=authenticator.type)


@receiver(mfa_signals.authenticator_reset)
def on_mfa_reset(sender, request: HttpRequest, user: User, authenticator, **kwargs) -> None:
    _record_for(user, "mfa.recovery_codes_regenerated", request, type=authenticator.type)


@receiver(account_signals.password_changed)
def on_password_changed(sender, request: HttpRequest, user: User, **kwargs) -> None:
    _record_for(user, "user.password_changed", request, how="change")


@receiver(account_signals.password_reset)
def on_password_reset(sender, request: HttpRequest, user: User, **kwargs) -> None:
    _record_for(user, "user.password_changed", request, how="reset")


@receiver(pre_save, sender=EmailAddress)
def on_address_saved(sender, instance: EmailAddress, **kwargs) -> None:
    """allauth records a login's address on its own (a password reset request from anyone
    does): that address is the one support gave the login, so it is verified. Unverified, it
    would refuse every second factor the login tries to enrol."""
    if instance.email.lower() == instance.user.email.lower():
        instance.verified = True


@receiver(post_save, sender=User)
def on_user_saved(sender, instance: User, update_fields=None, **kwargs) -> None:
    if update_fields is None or "email" in update_fields:
        login_addresses_sync(instance)
