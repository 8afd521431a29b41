"""Repairs allauth's address rows: each login keeps only its own address, verified.

Before, anyone's password reset request added an unverified row for the login's address (which
refused every second factor it tried to enrol), and the email page let users add addresses of
their own choosing (each of which signed in)."""

from django.db import migrations
from django.db.models import F


def verify_login_addresses(apps, schema_editor) -> None:
    EmailAddress = apps.get_model("account", "EmailAddress")
    EmailAddress.objects.exclude(email__iexact=F("user__email")).delete()
    EmailAddress.objects.filter(verified=False).update(verified=True)


class Migration(migrations.Migration):
    dependencies = [
        ("account", "0009_emailaddress_unique_primary_email"),
        ("tenants", "0003_entra_sign_in"),
    ]

    operations = [migrations.RunPython(verify_login_addresses, migrations.RunPython.noop)]
