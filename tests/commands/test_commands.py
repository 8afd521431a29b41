"""seed_demo (idempotent, prints what works) and create_api_secret (prints a value once)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apisecrets.models import ApiSecret
from apisecrets.services import hash_api_secret
from audit.models import AuditEntry
from callgroups.models import CallGroup, CallGroupMember, TeamsUser
from devices.models import Device
from devices.selectors import device_for_credential
from tenants.models import Tenant, User
from tests.helpers import bearer_client


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model._default_manager.count()
        for model in [Tenant, User, TeamsUser, CallGroup, CallGroupMember, Device, ApiSecret]
    }


def test_seed_demo_twice_gives_the_same_data(db):
    seed()
    first = counts()
    seed()
    assert counts() == first
    assert first == {
        "Tenant": 1,
        "User": 2,  # the demo admin and the support login
        "TeamsUser": 5,
        "CallGroup": 2,
        "CallGroupMember": 5,
        "Device": 2,
        "ApiSecret": 1,
    }
    tenant = Tenant.objects.get(name="Demo")
    assert tenant.api_access_enabled
    reception = tenant.call_groups.get(name="Reception")
    warehouse = tenant.call_groups.get(name="Warehouse")
    assert reception.ring_strategy == "multi_ring" and warehouse.ring_strategy == "sequential"
    assert list(reception.memberships.values_list("position", flat=True)) == [1, 2, 3]
    assert all(device.door_open_code for device in tenant.devices.all())


def test_seed_demo_json_is_one_object_with_exactly_the_keys(db):
    data = json.loads(seed("--json", "--password", "s3cret-demo"))
    assert set(data) == {
        "tenant",
        "admin",
        "api_secret",
        "api_secret_prefix",
        "devices",
        "call_groups",
        "teams_users",
        "support",
    }
    assert set(data["support"]) == {"email", "password", "totp_secret"}
    assert set(data["tenant"]) == {"id", "name"} and data["tenant"]["name"] == "Demo"
    assert data["admin"]["password"] == "s3cret-demo"
    assert User.objects.get(email=data["admin"]["email"]).check_password("s3cret-demo")
    assert [set(d) for d in data["devices"]] == [{"id", "name", "credential"}] * 2
    assert [set(g) for g in data["call_groups"]] == [{"id", "name"}] * 2
    assert len(data["teams_users"]) == 5 and set(data["teams_users"][0]) == {"id", "upn"}


def test_each_seed_run_issues_fresh_credentials_that_work(db):
    first = json.loads(seed("--json"))
    second = json.loads(seed("--json"))
    for old, new in zip(first["devices"], second["devices"], strict=True):
        assert old["id"] == new["id"]
        assert device_for_credential(old["credential"]) is None
        assert str(device_for_credential(new["credential"]).id) == new["id"]
    assert first["teams_users"] == second["teams_users"]
    assert first["call_groups"] == second["call_groups"]


def test_a_second_run_keeps_the_api_secret_an_earlier_run_printed(db):
    """The README's walkthrough: `make run` prints a secret, then `seed_demo --json` in another
    terminal must not invalidate it."""
    printed = json.loads(seed("--json", "--new-api-secret"))["api_secret"]
    again = json.loads(seed("--json"))
    assert again["api_secret"] is None
    assert again["api_secret_prefix"] == printed[:8]
    assert bearer_client(printed).get("/api/v1/version").status_code == 200
    assert "cgs_" in seed() and "kept" in seed()  # the summary says so


def test_new_api_secret_replaces_it(db):
    first = json.loads(seed("--json"))["api_secret"]
    second = json.loads(seed("--json", "--new-api-secret"))["api_secret"]
    assert first and second and first != second
    assert not ApiSecret.objects.filter(hashed_value=hash_api_secret(first)).exists()
    assert bearer_client(second).get("/api/v1/version").status_code == 200
    assert ApiSecret.objects.count() == 1


def test_an_expired_demo_secret_is_replaced(db):
    first = json.loads(seed("--json"))["api_secret"]
    ApiSecret.objects.update(expires_at=timezone.now())
    second = json.loads(seed("--json"))["api_secret"]
    assert second and second != first
    assert bearer_client(second).get("/api/v1/version").status_code == 200


def test_seed_summary_names_the_url_and_login(db):
    out = seed()
    assert "http://127.0.0.1:8000/" in out
    assert "admin@demo.example" in out and "cybergate-demo" in out


def test_create_api_secret_prints_a_value_that_matches_the_stored_hash(tenant):
    out = StringIO()
    call_command(
        "create_api_secret",
        "--tenant",
        "acme",
        "--name",
        "CLI",
        "--days",
        "30",
        stdout=out,
        stderr=StringIO(),
    )
    value = out.getvalue().strip()
    secret = ApiSecret.objects.get(hashed_value=hash_api_secret(value))
    assert secret.tenant == tenant and secret.name == "CLI"
    assert (secret.expires_at - secret.created_at).days == 30
    entry = AuditEntry.objects.get(action="api_secret.created")
    assert entry.actor_type == "system"
    assert value not in json.dumps(entry.details)


def test_create_api_secret_finds_the_tenant_by_id(tenant):
    out = StringIO()
    call_command(
        "create_api_secret",
        "--tenant",
        str(tenant.id),
        "--name",
        "x",
        stdout=out,
        stderr=StringIO(),
    )
    secret = ApiSecret.objects.get()
    assert (secret.expires_at - secret.created_at).days == 90


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "nobody", "--name", "x"], "No tenant"),
        (["--tenant", "Acme", "--name", "bad/name"], "not allowed"),
        (["--tenant", "Acme", "--name", "x", "--days", "5"], "between 10 and 365"),
    ],
)
def test_create_api_secret_reports_bad_input_clearly(tenant, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_secret", *args, stdout=StringIO(), stderr=StringIO())
    assert not ApiSecret.objects.exists()


def test_create_api_secret_refuses_when_access_is_off(tenant):
    tenant.api_access_enabled = False
    tenant.save()
    with pytest.raises(CommandError, match="not enabled"):
        call_command(
            "create_api_secret",
            "--tenant",
            "Acme",
            "--name",
            "x",
            stdout=StringIO(),
            stderr=StringIO(),
        )
