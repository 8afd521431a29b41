"""Admin sign-in and password change go through the portal's (throttling, MFA, audit, signing
out other sessions) instead of the admin's own forms."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.shortcuts import redirect

admin.site.login = secure_admin_login(admin.site.login)


def _password_change(request, extra_context=None):
    return redirect("account_change_password")


admin.site.password_change = _password_change
