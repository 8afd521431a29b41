"""Admin sign-in goes through the portal's sign-in (throttling, MFA) instead of its own form."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin

admin.site.login = secure_admin_login(admin.site.login)
