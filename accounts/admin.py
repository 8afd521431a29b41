"""Admin sign-in and password change go through the portal's (throttling, MFA, audit, signing
out other sessions) instead of the admin's own forms."""

from allauth.account.decorators import secure_admin_login
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.shortcuts import redirect

from cybergate.admin import HASH_FIELDS, SupportAdminMixin

admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]


def _password_change(request, extra_context=None):
    return redirect("account_change_password")


admin.site.password_change = _password_change  # type: ignore[method-assign]


def _guarded(model, refused: frozenset[str] = HASH_FIELDS) -> None:
    """Re-register allauth's own admin of `model` with our guard against filtering on secrets."""
    base = type(admin.site.get_model_admin(model))
    admin.site.unregister(model)
    admin.site.register(
        model,
        type(base.__name__, (SupportAdminMixin, base), {"refused_lookup_fields": refused}),
    )


# A login's addresses mirror its one address (accounts.services.login_addresses_sync): support
# changes it on the user, where the change is audited, not as rows of their own.
admin.site.unregister(EmailAddress)
# An authenticator's `data` holds the (encrypted) TOTP seed and the recovery codes' seed.
_guarded(Authenticator, HASH_FIELDS | {"data"})
