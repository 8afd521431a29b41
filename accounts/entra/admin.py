from allauth.socialaccount.admin import SocialAccountAdmin
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin

from audit.admin_audit import AuditedAdminMixin

# The Microsoft app is configured by environment (ENTRA_*) and its tokens are not stored: admin
# pages for either would only invite client secrets into the database.
admin.site.unregister(SocialApp)
admin.site.unregister(SocialToken)
admin.site.unregister(SocialAccount)


@admin.register(SocialAccount)
class MicrosoftAccountAdmin(AuditedAdminMixin, SocialAccountAdmin):
    """Which logins are linked to an Entra object id. Support may link (add), correct or unlink
    (delete) one, each in the login's tenant's audit trail; a link is not moved to another login
    (unlink, then link that one)."""

    audit_name = "microsoft_account"
    fixed_on_change = ("user",)
    # The claims of the last sign-in (written by the sign-in, not by support).
    readonly_fields = ["extra_data"]

    def audit_tenants(self, obj: SocialAccount, form=None) -> list:
        return [obj.user.tenant]
