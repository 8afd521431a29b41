"""Who may sign in with Microsoft: the Entra tenant (`tid`) must be a CyberGate tenant's, and the
person a login of that tenant, or new when the tenant lets its Entra users sign in as admins.

After the first sign-in only the Entra object id (`oid`, kept on the link) in that tenant says
who it is. The first sign-in is matched only by an address the person cannot choose (see
accounts/entra/claims.py): a verified email or a member's user principal name. Guests never link
nor become admins. Everything else gets a page saying why, an audit entry and a security log line.
"""

from __future__ import annotations

from typing import NoReturn

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.http import HttpRequest
from django.shortcuts import render

from accounts.entra.claims import claimed_addresses, is_member, trusted_addresses
from audit.models import AuditEntry
from audit.services import Actor, record
from cybergate.lib import metrics
from cybergate.lib.clientinfo import client_ip
from cybergate.lib.security import security_log
from tenants.models import Tenant, User

REASONS = {
    "unknown_organisation": (
        "Your Microsoft organisation is not connected to CyberGate.",
        "Ask CyberGate support to connect your organisation's Entra ID tenant to your "
        "CyberGate account, or sign in with your email and password.",
    ),
    "not_allowed": (
        "Your Microsoft account may not sign in to this organisation's CyberGate portal.",
        "Ask an administrator of your organisation's CyberGate portal to add you, or sign in "
        "with your email and password.",
    ),
    "guest": (
        "Guest accounts may not sign in with Microsoft.",
        "Microsoft did not say that this account is a member of the organisation it signed in "
        "to. Sign in with your own account of that organisation, or with your email and "
        "password.",
    ),
    "linked_elsewhere": (
        "Your CyberGate login is linked to another Microsoft account.",
        "Sign in with the Microsoft account it is linked to, or with your email and password; "
        "CyberGate support can unlink the other account.",
    ),
    "unverified_email": (
        "Your Microsoft account could not be matched to your CyberGate login.",
        "Your organisation has not verified the email address of this Microsoft account, so it "
        "does not prove who you are. Sign in with your email and password, or ask CyberGate "
        "support to link your Microsoft account.",
    ),
}


def _claims(sociallogin: SocialLogin) -> dict:
    return sociallogin.account.extra_data


def _tenant(sociallogin: SocialLogin) -> Tenant | None:
    return Tenant.objects.filter(entra_tenant_id=_claims(sociallogin).get("tid")).first()


def refuse(request: HttpRequest, reason: str, *, claims: dict, tenant: Tenant | None) -> NoReturn:
    """Stop the sign-in with a page naming the reason; nothing was created."""
    who = str(claims.get("preferred_username") or claims.get("email") or claims.get("oid", ""))
    details = {
        "method": "microsoft",
        "reason": reason,
        "entra_tenant_id": claims.get("tid"),
        "entra_object_id": claims.get("oid"),
    }
    ip = client_ip(request)
    record(
        tenant=tenant,
        actor=Actor(AuditEntry.ActorType.USER, who[:254]),
        action="user.sign_in_failed",
        target=who[:254],
        details=details,
        ip=ip,
    )
    metrics.sign_in_failures.labels("microsoft").inc()
    security_log.warning(
        "login_failed", **details, user=who[:254], client_ip=ip, path=request.path[:200]
    )
    title, advice = REASONS[reason]
    response = render(
        request,
        "account/microsoft_refused.html",
        {"title": title, "advice": advice, "reason": reason},
        status=403,
    )
    raise ImmediateHttpResponse(response)


def _record_link(request: HttpRequest, user: User, claims: dict, matched_by: str) -> None:
    record(
        tenant=user.tenant,
        actor=Actor.for_user(user),
        action="user.microsoft_linked",
        target=user.email,
        details={
            "matched_by": matched_by,
            "entra_tenant_id": claims.get("tid"),
            "entra_object_id": claims.get("oid"),
        },
        ip=client_ip(request),
    )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        claims = _claims(sociallogin)
        tenant = _tenant(sociallogin)
        if tenant is None:
            refuse(request, "unknown_organisation", claims=claims, tenant=None)
        if sociallogin.is_existing:  # linked to this object id: no claimed address counts
            user = sociallogin.user
            if user.tenant_id != tenant.pk or not user.is_active or user.is_staff:
                refuse(request, "not_allowed", claims=claims, tenant=tenant)
            return
        if not is_member(claims):
            refuse(request, "guest", claims=claims, tenant=tenant)
        trusted = trusted_addresses(claims)
        logins = {
            user.email: user
            for user in User.objects.filter(
                tenant=tenant, is_active=True, is_staff=False, email__in=list(trusted)
            )
        }
        user = next((logins[address] for address in trusted if address in logins), None)
        if user is not None:
            # A linked login is its Microsoft account's alone, even when its address moves on
            # to someone else in the organisation.
            if SocialAccount.objects.filter(user=user, provider="microsoft").exists():
                refuse(request, "linked_elsewhere", claims=claims, tenant=tenant)
            sociallogin.connect(request, user)  # the first sign-in: from now on by object id
            _record_link(request, user, claims, matched_by=trusted[user.email])
            return
        # A login named by an address the organisation does not vouch for is not this person's
        # to take, nor to stand beside with a second login; someone else's login (another
        # tenant's, staff, deactivated) is never taken over either.
        named = User.objects.filter(email__in=claimed_addresses(claims))
        if named.filter(tenant=tenant, is_active=True, is_staff=False).exists():
            refuse(request, "unverified_email", claims=claims, tenant=tenant)
        if not trusted or named.exists() or not tenant.entra_admins_may_sign_in:
            refuse(request, "not_allowed", claims=claims, tenant=tenant)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        tenant = _tenant(sociallogin)
        return bool(tenant and tenant.entra_admins_may_sign_in and is_member(_claims(sociallogin)))

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict) -> User:
        user = super().populate_user(request, sociallogin, data)
        user.full_name = (data.get("name") or "")[:200]
        user.tenant = _tenant(sociallogin)
        user.is_staff = False
        user.set_unusable_password()  # signs in with Microsoft only, until support sets one
        return user
