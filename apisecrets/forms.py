from __future__ import annotations

from django import forms

from apisecrets.models import (
    FORBIDDEN_NAME_CHARACTERS,
    NAME_MAX_LENGTH,
    PERMISSION_HELP,
    PERMISSIONS,
    ROLL_OVERLAP_DEFAULT,
    ROLL_OVERLAPS,
    VALIDITY_DEFAULT_DAYS,
    VALIDITY_MAX_DAYS,
    VALIDITY_MIN_DAYS,
)
from apisecrets.validators import (
    check_validity_days,
    clean_allowed_addresses,
    clean_permissions,
    clean_secret_name,
)
from cybergate.lib.forms import DescribedErrorsMixin


class ApiSecretCreateForm(DescribedErrorsMixin, forms.Form):
    """The Create dialog. Rules come from apisecrets.validators, the same ones the service runs.

    The HTML attributes (maxlength, min, max) are hints for browsers and assistive technology;
    the template marks the form `novalidate` so every message comes from here, worded once.
    """

    name = forms.CharField(
        label="Name",
        strip=False,  # clean_secret_name trims, so its length check sees what is stored
        widget=forms.TextInput(attrs={"maxlength": NAME_MAX_LENGTH, "autocomplete": "off"}),
        help_text=(
            f"At most {NAME_MAX_LENGTH} characters; shown in audit entries. "
            "Not allowed: " + " ".join(FORBIDDEN_NAME_CHARACTERS)
        ),
        error_messages={"required": "Enter a name."},
    )
    validity_days = forms.IntegerField(
        label="Validity period (days)",
        initial=VALIDITY_DEFAULT_DAYS,
        help_text=f"From {VALIDITY_MIN_DAYS} to {VALIDITY_MAX_DAYS} days.",
        widget=forms.NumberInput(
            attrs={"min": VALIDITY_MIN_DAYS, "max": VALIDITY_MAX_DAYS, "step": 1}
        ),
        error_messages={
            "required": "Enter the number of days.",
            "invalid": "Enter a whole number of days.",
        },
    )

    # Least privilege: nothing is checked until the admin chooses.
    permissions = forms.MultipleChoiceField(
        label="Permissions",
        choices=[(name, f"{name} — {label}") for name, (_, label) in PERMISSIONS.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "What integrations using this secret may do. Choose at least one; "
            "grant only what the integration needs."
        ),
        error_messages={"required": "Choose at least one permission."},
    )

    allowed_addresses = forms.CharField(
        label="Allowed addresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
        help_text=(
            "Optional. IP addresses or CIDR ranges (IPv4 or IPv6), one per line or "
            "comma-separated, e.g. 203.0.113.7, 192.0.2.0/24, 2001:db8::/48. "
            "Empty: requests from anywhere."
        ),
    )

    def clean_name(self) -> str:
        return clean_secret_name(self.cleaned_data["name"])

    def clean_validity_days(self) -> int:
        days = self.cleaned_data["validity_days"]
        check_validity_days(days)
        return days

    def clean_permissions(self) -> list[str]:
        return clean_permissions(self.cleaned_data["permissions"])

    def permission_choices(self) -> list[tuple[forms.boundfield.BoundWidget, str]]:
        """Each permission's checkbox with what it allows (templates/_permissions_field.html)."""
        return permission_choices(self["permissions"])

    def clean_allowed_addresses(self) -> list[str]:
        return clean_allowed_addresses(self.cleaned_data["allowed_addresses"])


def permission_choices(field: forms.BoundField) -> list[tuple[forms.boundfield.BoundWidget, str]]:
    return [(choice, PERMISSION_HELP[choice.data["value"]]) for choice in field]


class ApiSecretEditForm(DescribedErrorsMixin, forms.Form):
    """The secret page's form for its name and permissions."""

    name = ApiSecretCreateForm.base_fields["name"]
    permissions = ApiSecretCreateForm.base_fields["permissions"]

    clean_name = ApiSecretCreateForm.clean_name
    clean_permissions = ApiSecretCreateForm.clean_permissions
    permission_choices = ApiSecretCreateForm.permission_choices


class AllowedAddressesForm(DescribedErrorsMixin, forms.Form):
    """The detail page's edit form for a secret's allowed addresses."""

    allowed_addresses = ApiSecretCreateForm.base_fields["allowed_addresses"]

    def clean_allowed_addresses(self) -> list[str]:
        return clean_allowed_addresses(self.cleaned_data["allowed_addresses"])


class RollForm(DescribedErrorsMixin, forms.Form):
    overlap = forms.ChoiceField(
        label="Old secret keeps working for",
        choices=[(key, label) for key, (_, label) in ROLL_OVERLAPS.items()],
        initial=ROLL_OVERLAP_DEFAULT,
        help_text="Time to switch your integrations to the new secret; then the old one expires.",
        error_messages={"invalid_choice": "Choose one of the offered overlaps."},
    )
    # Empty: the current period (the service's default).
    validity_days = forms.IntegerField(
        label="New secret valid for (days)",
        required=False,
        help_text=f"From {VALIDITY_MIN_DAYS} to {VALIDITY_MAX_DAYS} days. Default: the current "
        "secret's validity period.",
        widget=forms.NumberInput(
            attrs={"min": VALIDITY_MIN_DAYS, "max": VALIDITY_MAX_DAYS, "step": 1}
        ),
        error_messages={
            "required": "Enter the number of days.",
            "invalid": "Enter a whole number of days.",
        },
    )

    def clean_validity_days(self) -> int | None:
        days = self.cleaned_data["validity_days"]
        if days is not None:
            check_validity_days(days)
        return days
