from allauth.socialaccount.admin import SocialAccountAdmin
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin

from cybergate.admin import SupportAdminMixin

# The Microsoft app is configured by environment (ENTRA_*) and its tokens are not stored: admin
# pages for either would only invite client secrets into the database.
admin.site.unregister(SocialApp)
admin.site.unregister(SocialToken)
admin.site.unregister(SocialAccount)


@admin.register(SocialAccount)
class MicrosoftAccountAdmin(SupportAdminMixin, SocialAccountAdmin):
    """Which logins are linked to an Entra object id (support may unlink one)."""
