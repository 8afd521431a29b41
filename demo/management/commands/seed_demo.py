"""Load the demo data; idempotent, and what it prints always works.

Run twice, same data: rows are found by their natural keys (tenant name, email, UPN, call group and
device names) and brought back to the demo values. Secrets cannot be printed again — only their
hashes are stored — so each run issues fresh device credentials and prints those. The demo API
secret is kept while it works (an integrator may be using the value an earlier run printed, e.g.
the one `make run` showed); `--new-api-secret` replaces it (`make run` does), and a run that finds
none, or only an expired one, issues one. A kept secret is named by its display prefix.
"""

from __future__ import annotations

import json
import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.services import mfa_enrol_totp
from apisecrets.services import api_secret_create, api_secret_delete
from audit.models import AuditEntry
from audit.services import Actor
from callgroups.models import CallGroup, CallGroupMember, TeamsUser
from cybergate.lib.errors import ServiceError
from devices.models import Device
from devices.services import device_credential_rotate
from tenants.models import Tenant, User
from tenants.services import tenant_set_api_access

TENANT_NAME = "Demo"
TENANT_DOMAIN = "demo.cybergate.example"
ADMIN_EMAIL = "admin@demo.example"
# A support login (staff) for /admin/, with an authenticator app enrolled: staff must use MFA.
SUPPORT_EMAIL = "support@demo.example"
# Documented in the README; printed by every run. Override with --password (or DEMO_PASSWORD in
# `make run`) on any machine other people can reach.
DEFAULT_PASSWORD = "cybergate-demo"
API_SECRET_NAME = "Demo integration"
API_SECRET_DAYS = 90
PORTAL_URL = "http://127.0.0.1:8000/"

TEAMS_USERS = [
    ("anna.berg@demo.example", "Anna Berg"),
    ("ben.carter@demo.example", "Ben Carter"),
    ("chloe.dubois@demo.example", "Chloé Dubois"),
    ("daniel.eriksen@demo.example", "Daniel Eriksen"),
    ("emma.fischer@demo.example", "Emma Fischer"),
]
# name, ring strategy, members (UPNs in ring order), seconds per member (sequential)
CALL_GROUPS = [
    ("Reception", CallGroup.RingStrategy.MULTI_RING, TEAMS_USERS[0:3], 15),
    ("Warehouse", CallGroup.RingStrategy.SEQUENTIAL, TEAMS_USERS[3:5], 20),
]
# name, SIP URI, vendor, model, door-open code (DTMF)
DEVICES = [
    ("Main entrance", f"sip:main-entrance@{TENANT_DOMAIN}", "2N", "IP Verso 2.0", "*1#"),
    ("Warehouse gate", f"sip:warehouse-gate@{TENANT_DOMAIN}", "Axis", "A8207-VE", "9#"),
]


def _object_id(upn: str) -> uuid.UUID:
    """A stable Entra object id per demo UPN, so re-runs keep the same ids."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://demo.cybergate.example/teams/{upn}")


class Command(BaseCommand):
    help = "Load the demo tenant, admin login, call groups, Teams users and devices (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password of {ADMIN_EMAIL} (default: {DEFAULT_PASSWORD!r}).",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print only one JSON object, for scripts."
        )
        parser.add_argument(
            "--new-api-secret",
            action="store_true",
            help="Replace the demo API secret even if it still works (its old value stops).",
        )

    def handle(self, *args, password: str, json: bool, new_api_secret: bool, **options) -> None:
        actor = Actor(AuditEntry.ActorType.SYSTEM, "seed_demo")
        with transaction.atomic():
            tenant = self._tenant(actor)
            admin = self._admin(tenant, password)
            support, totp_secret = self._support(password, actor)
            teams_users = self._teams_users(tenant)
            call_groups = self._call_groups(tenant, teams_users)
            devices = [
                (device, device_credential_rotate(device, actor=actor))
                for device in self._devices(tenant)
            ]
            api_secret, api_secret_prefix = self._api_secret(tenant, actor, new_api_secret)

        result = {
            "tenant": {"id": str(tenant.id), "name": tenant.name},
            "admin": {"email": admin.email, "password": password},
            "api_secret": api_secret,
            "api_secret_prefix": api_secret_prefix,
            "devices": [
                {"id": str(device.id), "name": device.name, "credential": credential}
                for device, credential in devices
            ],
            "call_groups": [{"id": str(group.id), "name": group.name} for group in call_groups],
            "teams_users": [{"id": str(user.id), "upn": user.upn} for user in teams_users],
            "support": {"email": support.email, "password": password, "totp_secret": totp_secret},
        }
        if json:
            self.stdout.write(_dumps(result))
        else:
            self._summary(result)

    # --- the rows --------------------------------------------------------------------------

    def _tenant(self, actor: Actor) -> Tenant:
        tenant, _ = Tenant.objects.get_or_create(
            name=TENANT_NAME, defaults={"domain": TENANT_DOMAIN}
        )
        if tenant.domain != TENANT_DOMAIN:
            tenant.domain = TENANT_DOMAIN
            tenant.save(update_fields=["domain"])
        # Through the service, so a re-enable after someone switched it off is audited.
        tenant_set_api_access(tenant=tenant, enabled=True, actor=actor)
        return tenant

    def _admin(self, tenant: Tenant, password: str) -> User:
        admin = User.objects.filter(email__iexact=ADMIN_EMAIL).first()
        if admin is None:
            admin = User(email=ADMIN_EMAIL)
        admin.tenant = tenant
        admin.full_name = "Demo Admin"
        admin.is_active = True
        admin.set_password(password)
        admin.save()
        return admin

    def _support(self, password: str, actor: Actor) -> tuple[User, str]:
        """The support login, with a fresh TOTP secret each run (printed, like the secrets)."""
        support = User.objects.filter(email__iexact=SUPPORT_EMAIL).first()
        if support is None:
            support = User(email=SUPPORT_EMAIL)
        support.tenant = None
        support.full_name = "Demo Support"
        support.is_active = support.is_staff = support.is_superuser = True
        support.set_password(password)
        support.save()
        return support, mfa_enrol_totp(user=support, actor=actor)

    def _teams_users(self, tenant: Tenant) -> list[TeamsUser]:
        users = []
        for upn, display_name in TEAMS_USERS:
            user = tenant.teams_users.filter(upn__iexact=upn).first() or TeamsUser(
                tenant=tenant, upn=upn
            )
            user.object_id = _object_id(upn)
            user.display_name = display_name
            user.save()
            users.append(user)
        return users

    def _call_groups(self, tenant: Tenant, teams_users: list[TeamsUser]) -> list[CallGroup]:
        by_upn = {user.upn.lower(): user for user in teams_users}
        groups = []
        for name, strategy, members, ring_seconds in CALL_GROUPS:
            group = tenant.call_groups.filter(name__iexact=name).first() or CallGroup(
                tenant=tenant, name=name
            )
            group.ring_strategy = strategy
            group.ring_seconds = ring_seconds
            group.save()
            # Members are recreated in order: positions are unique, so a swap in place would
            # collide, and the demo's members all start available.
            group.memberships.all().delete()
            CallGroupMember.objects.bulk_create(
                CallGroupMember(call_group=group, user=by_upn[upn.lower()], position=position)
                for position, (upn, _) in enumerate(members, start=1)
            )
            groups.append(group)
        return groups

    def _devices(self, tenant: Tenant) -> list[Device]:
        devices = []
        for name, sip_uri, vendor, model, code in DEVICES:
            device = tenant.devices.filter(name=name).first() or Device(tenant=tenant, name=name)
            device.sip_uri = sip_uri
            device.vendor = vendor
            device.model = model
            device.door_open_code = code
            device.save()
            devices.append(device)
        return devices

    def _api_secret(
        self, tenant: Tenant, actor: Actor, replace: bool
    ) -> tuple[str | None, str | None]:
        """(the new value or None, the display prefix of the secret in place or None)."""
        previous = tenant.api_secrets.filter(name__iexact=API_SECRET_NAME).first()
        if previous is not None and not replace and previous.expires_at > timezone.now():
            return None, previous.prefix
        if previous is not None:
            api_secret_delete(secret=previous, actor=actor)
        try:
            secret, value = api_secret_create(
                tenant=tenant, actor=actor, name=API_SECRET_NAME, validity_days=API_SECRET_DAYS
            )
        except ServiceError as exc:
            # The tenant's admin may have filled all 4 places; the rest of the demo still loads.
            self.stderr.write(f"No demo API secret issued: {exc.message}")
            return None, None
        except ValidationError as exc:  # a name like one of the admin's own secrets
            self.stderr.write(f"No demo API secret issued: {' '.join(exc.messages)}")
            return None, None
        return value, secret.prefix

    # --- output -----------------------------------------------------------------------------

    def _summary(self, result: dict) -> None:
        write = self.stdout.write
        write(self.style.SUCCESS(f"Demo data loaded: tenant {result['tenant']['name']!r}."))
        write("")
        write(f"  Portal:    {PORTAL_URL}")
        write(f"  Log in:    {result['admin']['email']}  /  {result['admin']['password']}")
        support = result["support"]
        write(f"  Admin:     {PORTAL_URL}admin/  {support['email']}  /  {support['password']}")
        write(f"             TOTP secret (authenticator app): {support['totp_secret']}")
        write(f"  API docs:  {PORTAL_URL}api/docs/")
        write("")
        if result["api_secret"]:
            write(f"  API secret ({API_SECRET_NAME!r}, shown only now):")
            write(f"    {result['api_secret']}")
        elif result["api_secret_prefix"]:
            write(
                f"  API secret ({API_SECRET_NAME!r}): {result['api_secret_prefix']}… kept, use the "
                "value printed before (--new-api-secret replaces it)."
            )
        write("  Device credentials (shown only now):")
        for device in result["devices"]:
            write(f"    {device['name']:<16} {device['id']}  {device['credential']}")
        write("  Call groups: " + ", ".join(group["name"] for group in result["call_groups"]))
        write("  Teams users: " + ", ".join(user["upn"] for user in result["teams_users"]))


def _dumps(value: dict) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
