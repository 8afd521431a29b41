from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms

from cybergate.lib.forms import DescribedErrorsMixin
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


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class TimeZoneForm(DescribedErrorsMixin, forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=time_zone_choices,
        help_text="Times on the portal's pages are shown in this zone. API answers stay in UTC.",
        error_messages={"invalid_choice": "Choose a time zone from the list."},
    )
