"""The Users page: who can sign in to the tenant's portal, and how."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cybergate.lib.decorators import tenant_required
from tenants.requesttypes import PortalRequest

PAGE_SIZE = 50
SECOND_FACTORS = {
    Authenticator.Type.TOTP: "Authenticator app",
    Authenticator.Type.WEBAUTHN: "Passkey",
}
METHOD_LABELS = {"password": "Password", "microsoft": "Microsoft", "passkey": "Passkey"}


def no_email_page(request: HttpRequest) -> HttpResponse:
    """allauth's page for adding and changing one's own addresses is not offered: every address
    of a login signs in, so support sets it (in admin, audited)."""
    raise Http404


@tenant_required
@require_GET
def users(request: PortalRequest) -> HttpResponse:
    """Every login of the request's tenant, with its sign-in methods, second factors and last
    sign-in. Only the tenant's own users: the queryset starts from it."""
    page = Paginator(request.tenant.users.order_by("email"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    on_page = [user.pk for user in page.object_list]
    microsoft = set(
        SocialAccount.objects.filter(user__in=on_page, provider="microsoft").values_list(
            "user_id", flat=True
        )
    )
    factors: dict[int, set[str]] = {}
    for user_id, kind in Authenticator.objects.filter(
        user__in=on_page, type__in=list(SECOND_FACTORS)
    ).values_list("user_id", "type"):
        factors.setdefault(user_id, set()).add(SECOND_FACTORS[kind])
    rows = [
        {
            "user": user,
            "microsoft": user.pk in microsoft,
            "methods": [
                *(["Password"] if user.has_usable_password() else []),
                *(["Microsoft"] if user.pk in microsoft else []),
            ],
            "second_factors": sorted(factors.get(user.pk, ())),
            "last_method": METHOD_LABELS.get(user.last_sign_in_method, user.last_sign_in_method),
        }
        for user in page.object_list
    ]
    return render(request, "accounts/users.html", {"page": page, "rows": rows})
