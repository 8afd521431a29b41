"""Who may sign in with Microsoft: the Entra tenant (`tid`) must be a CyberGate tenant's, and the
person a login of that tenant (matched by Entra object id, or once by email/UPN), or new when
the tenant lets its Entra users sign in as admins. Everything else gets a page saying why."""

from __future__ import annotations

from typing import NoReturn

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.http import HttpRequest
from django.shortcuts import render

from audit.models import AuditEntry
from audit.services import Actor, record
from cybergate.http import client_ip
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
}


def _claims(sociallogin: SocialLogin) -> dict:
    return sociallogin.account.extra_data


def _tenant(sociallogin: SocialLogin) -> Tenant | None:
    return Tenant.objects.filter(entra_tenant_id=_claims(sociallogin).get("tid")).first()


def _addresses(claims: dict) -> list[str]:
    names = (claims.get("preferred_username"), claims.get("email"))
    return sorted({str(name).strip().lower() for name in names if name and "@" in str(name)})


def refuse(request: HttpRequest, reason: str, *, claims: dict, tenant: Tenant | None) -> NoReturn:
    """Stop the sign-in with a page naming the reason; nothing was created."""
    who = claims.get("preferred_username") or claims.get("email") or claims.get("oid", "")
    record(
        tenant=tenant,
        actor=Actor(AuditEntry.ActorType.USER, str(who)[:254]),
        action="user.sign_in_failed",
        target=str(who)[:254],
        details={"method": "microsoft", "reason": reason, "entra_tenant_id": claims.get("tid")},
        ip=client_ip(request),
    )
    title, advice = REASONS[reason]
    response = render(
        request,
        "account/microsoft_refused.html",
        {"title": title, "advice": advice, "reason": reason},
        status=403,
    )
    raise ImmediateHttpResponse(response)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        claims = _claims(sociallogin)
        tenant = _tenant(sociallogin)
        if tenant is None:
            refuse(request, "unknown_organisation", claims=claims, tenant=None)
        if sociallogin.is_existing:
            user = sociallogin.user
            if user.tenant_id != tenant.pk or not user.is_active or user.is_staff:
                refuse(request, "not_allowed", claims=claims, tenant=tenant)
            return
        addresses = _addresses(claims)
        user = User.objects.filter(
            tenant=tenant, is_active=True, is_staff=False, email__in=addresses
        ).first()
        if user is not None:
            sociallogin.connect(request, user)  # the first sign-in: from now on by object id
            return
        # Someone else's login (another tenant's, staff, deactivated) is never taken over.
        if not addresses or User.objects.filter(email__in=addresses).exists():
            refuse(request, "not_allowed", claims=claims, tenant=tenant)
        if not tenant.entra_admins_may_sign_in:
            refuse(request, "not_allowed", claims=claims, tenant=tenant)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        tenant = _tenant(sociallogin)
        return bool(tenant and tenant.entra_admins_may_sign_in)

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict) -> User:
        user = super().populate_user(request, sociallogin, data)
        user.full_name = (data.get("name") or "")[:200]
        user.tenant = _tenant(sociallogin)
        user.is_staff = False
        user.set_unusable_password()  # signs in with Microsoft only, until support sets one
        return user
