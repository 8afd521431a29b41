"""Test data, built through the models and services the app itself uses.

One place for what many tests arrange: tenants and their portal logins, Teams users, call groups,
devices (with credentials), API secrets and call-log entries, `make_world`, which puts a whole
tenant together, and `start_answered_call`, a Teams user's active call. Fixtures in
tests/conftest.py and the folders' conftests call these.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.utils import timezone

from apisecrets.models import ApiSecret
from audit.services import Actor
from callgroups.models import CallGroup, CallGroupMember, TeamsUser
from devices.models import Call, CallLogEntry, Device
from tenants.models import Tenant, User

PASSWORD = "correct horse battery staple"


def make_tenant(
    name: str = "Acme", domain: str | None = None, *, api_access_enabled: bool = True, **fields
) -> Tenant:
    domain = domain or f"{name.lower()}.example"
    return Tenant.objects.create(
        name=name, domain=domain, api_access_enabled=api_access_enabled, **fields
    )


def make_admin(tenant: Tenant, email: str | None = None, password: str = PASSWORD) -> User:
    """A portal login of `tenant` (every tenant user administers the tenant's API access)."""
    return User.objects.create_user(email or f"alice@{tenant.domain}", password, tenant=tenant)


def make_teams_user(tenant: Tenant, upn: str, display_name: str | None = None) -> TeamsUser:
    return TeamsUser.objects.create(
        tenant=tenant,
        upn=upn,
        object_id=uuid.uuid4(),
        display_name=display_name or upn.split("@")[0].title(),
    )


def make_call_group(tenant: Tenant, name: str, *users: TeamsUser, **fields) -> CallGroup:
    """A call group whose members ring in the order given."""
    group = CallGroup.objects.create(tenant=tenant, name=name, **fields)
    for position, user in enumerate(users, start=1):
        CallGroupMember.objects.create(call_group=group, user=user, position=position)
    return group


def make_device(
    tenant: Tenant, name: str, door_open_code: str = "#1", *, sip_uri: str | None = None
) -> tuple[Device, str]:
    """A device and its gateway credential (issued through the service)."""
    from devices.services import device_credential_rotate

    device = Device.objects.create(
        tenant=tenant,
        name=name,
        sip_uri=sip_uri or f"sip:{name.lower().replace(' ', '-')}@door.example",
        door_open_code=door_open_code,
    )
    return device, device_credential_rotate(device)


def make_api_secret(
    tenant: Tenant,
    name: str = "integration",
    days: int = 90,
    *,
    expires_in: timedelta | None = None,
    actor: Actor | None = None,
    **options,
) -> tuple[ApiSecret, str]:
    """Create a secret through the service; return (ApiSecret, value). `options` go to the
    service (`permissions`, `allowed_addresses`, ...); `expires_in` moves the expiry afterwards
    (to make it expire soon, or have expired)."""
    from apisecrets.services import api_secret_create

    secret, value = api_secret_create(
        tenant=tenant, actor=actor or Actor.system(), name=name, validity_days=days, **options
    )
    if expires_in is not None:
        secret.expires_at = timezone.now() + expires_in
        ApiSecret.objects.filter(pk=secret.pk).update(expires_at=secret.expires_at)
    return secret, value


def make_api_secrets(
    tenant: Tenant, names: Iterable[str], *, actor: Actor | None = None
) -> list[ApiSecret]:
    return [make_api_secret(tenant, name, actor=actor)[0] for name in names]


def make_missed_call(
    tenant: Tenant, device: Device | None = None, caller: str = "sip:visitor@street.example"
) -> CallLogEntry:
    """A call-log entry of a call that rang for a minute three minutes ago, nobody answering
    (from a new "Front door" device unless one is given)."""
    if device is None:
        device = Device.objects.create(
            tenant=tenant, name="Front door", sip_uri=f"sip:f@{tenant.domain}"
        )
    now = timezone.now()
    return CallLogEntry.objects.create(
        tenant=tenant,
        device_id_public=device.id,
        device_name=device.name,
        caller=caller,
        started_at=now - timedelta(minutes=3),
        ended_at=now - timedelta(minutes=2),
        result="missed",
    )


class World(dict):
    """A tenant's named objects: `world["anna"]`, `world["reception"]`, `world["front"]`, ...

    Also `world.tenant`, `world.admin` (a portal login, or None), `world.secrets` (name →
    (ApiSecret, value)) and `world.credentials` (device key → gateway credential).
    """

    tenant: Tenant
    admin: User | None
    secrets: dict[str, tuple[ApiSecret, str]]
    credentials: dict[str, str]


def make_world(
    tenant: Tenant | None = None,
    prefix: str = "",
    *,
    name: str = "Acme",
    admin: bool | str = False,
    secrets: Iterable[str] = (),
    credentials: bool = False,
) -> World:
    """A tenant with three Teams users, two call groups and two devices:

    - anna, ben, carl (carl in no group);
    - "reception" (anna first, then ben; parallel) and "garage" (ben; sequential);
    - "front" (door-open code *1#) and "back" (no code).

    `tenant` defaults to a new one called `name`. `prefix` goes before the users' names (two
    worlds of one test stay distinguishable). `admin` adds a portal login (True: alice@domain, or
    the e-mail given), `secrets` API secrets with these names, `credentials` gateway credentials
    for both devices.
    """
    tenant = tenant or make_tenant(name)
    domain = tenant.domain
    world = World()
    world.tenant = tenant
    world.admin = None
    world.secrets = {}
    world.credentials = {}
    anna = make_teams_user(tenant, f"{prefix}anna@{domain}", f"{prefix}Anna")
    ben = make_teams_user(tenant, f"{prefix}ben@{domain}", f"{prefix}Ben")
    carl = make_teams_user(tenant, f"{prefix}carl@{domain}", f"{prefix}Carl (no group)")
    reception = CallGroup.objects.create(tenant=tenant, name="reception")
    CallGroupMember.objects.create(call_group=reception, user=ben, position=2)
    CallGroupMember.objects.create(call_group=reception, user=anna, position=1)
    garage = make_call_group(tenant, "garage", ben, ring_strategy=CallGroup.RingStrategy.SEQUENTIAL)
    front = Device.objects.create(
        tenant=tenant, name="Front door", sip_uri=f"sip:front@{domain}", door_open_code="*1#"
    )
    back = Device.objects.create(tenant=tenant, name="Back door", sip_uri=f"sip:back@{domain}")
    world.update(
        anna=anna, ben=ben, carl=carl, reception=reception, garage=garage, front=front, back=back
    )
    if admin:
        world.admin = make_admin(tenant, admin if isinstance(admin, str) else None)
    for secret_name in secrets:
        world.secrets[secret_name] = make_api_secret(tenant, secret_name)
    if credentials:
        from devices.services import device_credential_rotate

        world.credentials = {key: device_credential_rotate(world[key]) for key in ("front", "back")}
    return world


def start_answered_call(
    device: Device, group: CallGroup, user: TeamsUser, *, caller: str = "sip:visitor@example.org"
) -> Call:
    """`device` rings `group` and `user` answers: the user's active call, for door-opens."""
    from devices.services import call_answer, call_start

    call = call_start(device=device, call_group=group, caller=caller)
    return call_answer(call=call, user=user)
