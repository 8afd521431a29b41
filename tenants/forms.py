from __future__ import annotations

from django import forms

from cybergate.forms import DescribedErrorsMixin
from tenants.models import SupportRequest, Tenant, User


class SupportRequestForm(DescribedErrorsMixin, forms.ModelForm):
    class Meta:
        model = SupportRequest
        fields = ["contact_email", "subject", "message"]
        labels = {"contact_email": "Contact email"}
        widgets = {"message": forms.Textarea(attrs={"rows": 6})}

    @staticmethod
    def enable_api_access_initial(tenant: Tenant, user: User) -> dict[str, str]:
        """The pre-filled request of the API Access page's "Contact support" button."""
        return {
            "contact_email": user.email,
            "subject": f"Enable API access for {tenant.name}",
            "message": (
                f"Please enable API access for our tenant {tenant.name} (id {tenant.id}).\n\n"
                f"Requested by {user.email}."
            ),
        }
