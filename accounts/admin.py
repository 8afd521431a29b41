"""Admin sign-in and password change go through the portal's (throttling, MFA, audit, signing
out other sessions) instead of the admin's own forms."""

from allauth.account.decorators import secure_admin_login
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect

from accounts.services import mfa_remove
from audit.services import Actor
from cybergate.lib.admin import HASH_FIELDS, SupportAdminMixin
from cybergate.lib.clientinfo import client_ip

admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]


def _password_change(request, extra_context=None):
    return redirect("account_change_password")


admin.site.password_change = _password_change  # type: ignore[method-assign]


# A login's addresses mirror its one address (accounts.services.login_addresses_sync): support
# changes it on the user, where the change is audited, not as rows of their own.
admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class SecondFactorAdmin(SupportAdminMixin, AuthenticatorAdmin):
    """Support sees logins' second factors and removes one that was lost (audited, as the
    login's own removal is); factors are enrolled by their owner only, never typed in here."""

    # `data` holds the (encrypted) TOTP seed, the recovery codes' seed, the passkey's key.
    refused_lookup_fields = HASH_FIELDS | {"data"}
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Authenticator) -> None:
        mfa_remove(authenticator=obj, actor=Actor.for_support(request.user), ip=client_ip(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Authenticator]) -> None:
        """ "Delete selected": one entry per factor, all or nothing."""
        with transaction.atomic():
            for authenticator in queryset.select_related("user__tenant"):
                if Authenticator.objects.filter(pk=authenticator.pk).exists():  # not cleaned up
                    self.delete_model(request, authenticator)
