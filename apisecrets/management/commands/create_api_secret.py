"""Create an API secret from the command line and print it once (for operators and scripts).

The value alone goes to stdout, so `SECRET=$(manage.py create_api_secret ...)` works; the note
about it goes to stderr.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apisecrets.models import DEFAULT_PERMISSIONS, PERMISSIONS, VALIDITY_DEFAULT_DAYS
from apisecrets.services import api_secret_create
from audit.models import AuditEntry
from audit.services import Actor
from cybergate.lib.errors import ServiceError
from tenants.models import Tenant


def find_tenant(reference: str) -> Tenant:
    """A tenant by id or (case-insensitive) name."""
    try:
        tenant_id = uuid.UUID(reference)
    except ValueError:
        tenant = Tenant.objects.filter(name__iexact=reference.strip()).first()
    else:
        tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        raise CommandError(f"No tenant with the name or id {reference!r}.")
    return tenant


class Command(BaseCommand):
    help = "Create an API secret for a tenant and print its value (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="Tenant name or id.")
        parser.add_argument("--name", required=True, help="Name of the secret (in audit entries).")
        parser.add_argument(
            "--days",
            type=int,
            default=VALIDITY_DEFAULT_DAYS,
            help=f"Validity period in days, 10 to 365 (default {VALIDITY_DEFAULT_DAYS}).",
        )
        parser.add_argument(
            "--permissions",
            default=",".join(DEFAULT_PERMISSIONS),
            help="Comma-separated permissions: "
            + ", ".join(PERMISSIONS)
            + " (default: "
            + ", ".join(DEFAULT_PERMISSIONS)
            + ").",
        )
        parser.add_argument(
            "--test",
            action="store_true",
            help="A test secret (cgs_test_…), for the tenant's sandbox only.",
        )

    def handle(
        self,
        *args,
        tenant: str,
        name: str,
        days: int,
        permissions: str,
        test: bool = False,
        **options,
    ) -> None:
        target = find_tenant(tenant)
        try:
            secret, value = api_secret_create(
                tenant=target,
                actor=Actor(AuditEntry.ActorType.SYSTEM, "create_api_secret"),
                name=name,
                validity_days=days,
                permissions=[p.strip() for p in permissions.split(",") if p.strip()],
                test=test,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        kind = "Test secret" if test else "API secret"
        self.stderr.write(
            f"{kind} {secret.name!r} for {target.name}, valid until "
            f"{secret.expires_at:%Y-%m-%d %H:%M} UTC. It is shown only this once:"
        )
        self.stdout.write(value)
