"""Every admin registered in Django admin (allauth's included) either refuses add, change and
delete, or records each of them in the audit trail with support as the actor."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.socialaccount.models import SocialAccount
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import models
from django.test import RequestFactory

from audit.models import AuditEntry
from audit.services import Actor, record
from devices.models import Call, DoorOpenCommand
from devices.services import call_answer, call_start, door_open_request
from tenants.models import SupportRequest, Tenant
from tests.admin.forms import form_values
from tests.factories import make_admin, make_api_secret, make_missed_call, make_world

pytestmark = pytest.mark.django_db

REFUSED = "refused"
NEW_PASSWORD = "a long new password 4 support"


@dataclass
class Case:
    make: Callable[[Any], models.Model]  # a row to change and delete
    add: dict[str, str] = field(default_factory=dict)  # fields typed into the add form
    change: dict[str, str] = field(default_factory=dict)  # fields changed on the change form


def _call(world: Any) -> Call:
    return call_start(device=world["front"], call_group=world["reception"], caller="sip:v@x")


def _door_open_command(world: Any) -> DoorOpenCommand:
    call_answer(call=_call(world), user=world["anna"])
    return door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=Actor.system()
    )


def _support_request(world: Any) -> SupportRequest:
    return SupportRequest.objects.create(
        tenant=world.tenant, contact_email="a@acme.example", subject="API", message="Please"
    )


def _audit_entry(world: Any) -> AuditEntry:
    return record(tenant=world.tenant, actor=Actor.system(), action="test.entry")


def _totp(world: Any) -> Authenticator:
    return TOTP.activate(make_admin(world.tenant, "totp@acme.example"), "JBSWY3DPEHPK3PXP").instance


def _microsoft_account(world: Any) -> SocialAccount:
    user = make_admin(world.tenant, "linked@acme.example")
    return SocialAccount.objects.create(user=user, provider="microsoft", uid=str(uuid.uuid4()))


CASES: dict[str, Case] = {
    "tenants.Tenant": Case(
        make=lambda world: Tenant.objects.create(name="Umbrella", domain="umbrella.example"),
        add={"name": "Initech", "domain": "initech.example"},
        change={"name": "Umbrella Corp"},
    ),
    "tenants.User": Case(
        make=lambda world: make_admin(world.tenant, "carol@acme.example"),
        add={
            "email": "dave@acme.example",
            "full_name": "Dave",
            "tenant": "{tenant}",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        change={"full_name": "Carol C."},
    ),
    "auth.Group": Case(
        make=lambda world: Group.objects.create(name="Ops"),
        add={"name": "Helpdesk"},
        change={"name": "Operations"},
    ),
    "tenants.SupportRequest": Case(make=_support_request),
    "apisecrets.ApiSecret": Case(make=lambda world: make_api_secret(world.tenant)[0]),
    "audit.AuditEntry": Case(make=_audit_entry),
    "callgroups.TeamsUser": Case(
        make=lambda world: world["carl"],
        add={
            "tenant": "{tenant}",
            "upn": "dora@acme.example",
            "display_name": "Dora",
            "object_id": str(uuid.uuid4()),
        },
        change={"display_name": "Carl K."},
    ),
    "callgroups.CallGroup": Case(
        make=lambda world: world["garage"],
        add={"tenant": "{tenant}", "name": "night"},
        change={"name": "garage and yard"},
    ),
    "devices.Device": Case(
        make=lambda world: world["back"],
        add={"tenant": "{tenant}", "name": "Side door", "sip_uri": "sip:side@acme.example"},
        change={"name": "Back gate"},
    ),
    "devices.Call": Case(make=_call),
    "devices.CallLogEntry": Case(make=lambda world: make_missed_call(world.tenant, world["front"])),
    "devices.DoorOpenCommand": Case(make=_door_open_command),
    "mfa.Authenticator": Case(make=_totp),
    "socialaccount.SocialAccount": Case(
        make=_microsoft_account,
        add={"user": "{admin}", "provider": "microsoft", "uid": str(uuid.uuid4())},
        change={"uid": str(uuid.uuid4())},
    ),
}

# What support may do through each admin, and the audit entries each step writes.
EXPECTED = {
    "tenants.Tenant": {
        "add": ["tenant.created"],
        "change": ["tenant.changed"],
        "delete": REFUSED,
    },
    "tenants.User": {
        "add": ["user.created"],
        "change": ["user.changed"],
        "delete": ["user.deleted"],
    },
    "auth.Group": {
        "add": ["group.created"],
        "change": ["group.changed"],
        "delete": ["group.deleted"],
    },
    "tenants.SupportRequest": {"add": REFUSED, "change": REFUSED, "delete": REFUSED},
    "apisecrets.ApiSecret": {"add": REFUSED, "change": REFUSED, "delete": ["api_secret.revoked"]},
    "audit.AuditEntry": {"add": REFUSED, "change": REFUSED, "delete": REFUSED},
    "callgroups.TeamsUser": {
        "add": ["teams_user.created"],
        "change": ["teams_user.changed"],
        "delete": ["teams_user.deleted"],
    },
    "callgroups.CallGroup": {
        "add": ["call_group.created"],
        "change": ["call_group.changed"],
        "delete": ["call_group.deleted"],
    },
    "devices.Device": {
        "add": ["device.created"],
        "change": ["device.changed"],
        "delete": ["device.deleted"],
    },
    "devices.Call": {"add": REFUSED, "change": REFUSED, "delete": REFUSED},
    "devices.CallLogEntry": {"add": REFUSED, "change": REFUSED, "delete": REFUSED},
    "devices.DoorOpenCommand": {"add": REFUSED, "change": REFUSED, "delete": REFUSED},
    # Deleting the app also removes the recovery codes it leaves alone (none here).
    "mfa.Authenticator": {"add": REFUSED, "change": REFUSED, "delete": ["mfa.disabled"]},
    "socialaccount.SocialAccount": {
        "add": ["microsoft_account.created"],
        "change": ["microsoft_account.changed"],
        "delete": ["microsoft_account.deleted"],
    },
}


def test_every_admin_refuses_or_audits_add_change_and_delete(
    superuser_client, staff_user, tenant, admin_user
):
    world = make_world(tenant)
    request = RequestFactory().get("/admin/")
    request.user = staff_user
    registered = {
        model._meta.label: model_admin for model, model_admin in admin.site._registry.items()
    }
    assert set(registered) == set(CASES), "a new admin needs a case here"
    placeholders = {"{tenant}": str(tenant.pk), "{admin}": str(admin_user.pk)}

    def support_entries() -> set[int]:
        return set(
            AuditEntry.objects.filter(
                actor_type=AuditEntry.ActorType.SUPPORT, actor_name=staff_user.email
            ).values_list("pk", flat=True)
        )

    def submit(url: str, changes: dict[str, str]) -> list[str]:
        page = superuser_client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        form_id = f"{url.split('/')[3]}_form"
        data = form_values(page.content.decode(), form_id)
        data.update({key: [placeholders.get(value, value)] for key, value in changes.items()})
        before = support_entries()
        response = superuser_client.post(url, {**data, "_save": ["Save"]})
        errors = response.context and response.context["adminform"].form.errors
        assert response.status_code == 302, (url, errors)
        return actions_since(before)

    def actions_since(before: set[int]) -> list[str]:
        new = AuditEntry.objects.filter(pk__in=support_entries() - before).order_by("pk")
        return list(new.values_list("action", flat=True))

    outcome: dict[str, dict[str, Any]] = {}
    for label, model_admin in registered.items():
        case, opts = CASES[label], model_admin.model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        steps = outcome[label] = {}
        if model_admin.has_add_permission(request):
            steps["add"] = submit(f"{base}add/", case.add)
        else:
            assert superuser_client.post(f"{base}add/", case.add).status_code == 403, label
            steps["add"] = REFUSED
        obj = case.make(world)
        change_url = f"{base}{obj.pk}/change/"
        for page in (base, change_url):  # the list and the row's page open, editable or not
            assert superuser_client.get(page).status_code == 200, page
        if model_admin.has_change_permission(request, obj):
            steps["change"] = submit(change_url, case.change)
        else:
            assert superuser_client.post(change_url, {}).status_code == 403, label
            steps["change"] = REFUSED
        if model_admin.has_delete_permission(request, obj):
            before = support_entries()
            response = superuser_client.post(f"{base}{obj.pk}/delete/", {"post": "yes"})
            assert response.status_code == 302, (label, response.status_code)
            assert not type(obj)._default_manager.filter(pk=obj.pk).exists(), label
            steps["delete"] = actions_since(before)
        else:
            response = superuser_client.post(f"{base}{obj.pk}/delete/", {"post": "yes"})
            assert response.status_code == 403, (label, response.status_code)
            assert type(obj)._default_manager.filter(pk=obj.pk).exists(), label
            steps["delete"] = REFUSED
    assert outcome == EXPECTED


def test_support_removing_a_lost_app_removes_its_recovery_codes_in_the_tenant_trail(
    superuser_client, staff_user, tenant, admin_user
):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    app = TOTP.activate(admin_user, "JBSWY3DPEHPK3PXP").instance
    RecoveryCodes.activate(admin_user)
    response = superuser_client.post(f"/admin/mfa/authenticator/{app.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=admin_user).exists()
    entries = AuditEntry.objects.filter(action="mfa.disabled").order_by("pk")
    assert [(e.tenant, e.actor_type, e.actor_name, e.target, e.details) for e in entries] == [
        (tenant, "support", staff_user.email, admin_user.email, {"type": "totp"}),
        (tenant, "support", staff_user.email, admin_user.email, {"type": "recovery_codes"}),
    ]


def test_deleting_selected_factors_writes_one_entry_each(superuser_client, tenant, admin_user):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    TOTP.activate(admin_user, "JBSWY3DPEHPK3PXP")
    RecoveryCodes.activate(admin_user)
    selected = [
        str(pk) for pk in Authenticator.objects.filter(user=admin_user).values_list("pk", flat=True)
    ]
    response = superuser_client.post(
        "/admin/mfa/authenticator/",
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
    )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=admin_user).exists()
    types = AuditEntry.objects.filter(action="mfa.disabled", tenant=tenant).values_list(
        "details__type", flat=True
    )
    assert sorted(types) == ["recovery_codes", "totp"]


def test_unlinking_a_microsoft_account_is_in_the_logins_tenant_trail(
    superuser_client, staff_user, tenant, admin_user
):
    account = SocialAccount.objects.create(user=admin_user, provider="microsoft", uid="oid-1")
    response = superuser_client.post(
        f"/admin/socialaccount/socialaccount/{account.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="microsoft_account.deleted")
    assert (entry.tenant, entry.actor_type, entry.actor_name) == (
        tenant,
        "support",
        staff_user.email,
    )
    assert entry.details["id"] == str(account.pk)


def test_a_link_is_not_moved_to_another_login(superuser_client, tenant, admin_user):
    other = make_admin(tenant, "zoe@acme.example")
    account = SocialAccount.objects.create(user=admin_user, provider="microsoft", uid="oid-1")
    url = f"/admin/socialaccount/socialaccount/{account.pk}/change/"
    data = form_values(superuser_client.get(url).content.decode(), "socialaccount_form")
    response = superuser_client.post(url, {**data, "user": str(other.pk), "_save": "Save"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.user == admin_user
