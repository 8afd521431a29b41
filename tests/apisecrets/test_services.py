"""Every rule of an API secret, enforced by apisecrets.services (the page, admin and commands)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apisecrets.forms import ApiSecretCreateForm
from apisecrets.models import FORBIDDEN_NAME_CHARACTERS, ApiSecret
from apisecrets.selectors import create_refusal
from apisecrets.services import (
    ApiAccessDisabled,
    SecretLimitReached,
    api_secret_create,
    api_secret_delete,
    hash_api_secret,
)
from audit.models import AuditEntry


def create(tenant, actor, name="Monitoring dashboard", days=90, **kwargs):
    return api_secret_create(tenant=tenant, actor=actor, name=name, validity_days=days, **kwargs)


@pytest.mark.parametrize("char", list(FORBIDDEN_NAME_CHARACTERS))
def test_each_forbidden_character_is_refused(tenant, actor, char):
    with pytest.raises(ValidationError) as excinfo:
        create(tenant, actor, name=f"access{char}control")
    assert excinfo.value.code == "forbidden_characters"
    assert char in excinfo.value.messages[0]
    assert not ApiSecret.objects.exists()


def test_allowed_punctuation_is_accepted(tenant, actor):
    secret, _ = create(
        tenant, actor, name="Access-control integration (v2)".replace("(", "").replace(")", "")
    )
    assert secret.name == "Access-control integration v2"


def test_name_is_trimmed(tenant, actor):
    secret, _ = create(tenant, actor, name="   Monitoring dashboard \t ")
    secret.refresh_from_db()
    assert secret.name == "Monitoring dashboard"


def test_blank_name_is_refused(tenant, actor):
    with pytest.raises(ValidationError):
        create(tenant, actor, name="   ")
    assert not ApiSecret.objects.exists()


def test_name_of_256_characters_is_accepted(tenant, actor):
    secret, _ = create(tenant, actor, name="n" * 256)
    assert len(secret.name) == 256


def test_name_of_257_characters_is_refused(tenant, actor):
    with pytest.raises(ValidationError) as excinfo:
        create(tenant, actor, name="n" * 257)
    assert excinfo.value.code == "max_length"
    assert not ApiSecret.objects.exists()


def test_name_is_unique_case_insensitively_within_the_tenant(tenant, actor):
    create(tenant, actor, name="Monitoring")
    with pytest.raises(ValidationError) as excinfo:
        create(tenant, actor, name="MONITORING")
    assert "name" in excinfo.value.error_dict
    assert tenant.api_secrets.count() == 1


def test_same_name_in_another_tenant_is_fine(tenant, other_tenant, actor):
    create(tenant, actor, name="Monitoring")
    create(other_tenant, actor, name="monitoring")
    assert ApiSecret.objects.count() == 2


@pytest.mark.parametrize(("days", "ok"), [(9, False), (10, True), (365, True), (366, False)])
def test_validity_period_is_10_to_365_days(tenant, actor, days, ok):
    if ok:
        secret, _ = create(tenant, actor, days=days)
        assert secret.expires_at - secret.created_at == timedelta(days=days)
    else:
        with pytest.raises(ValidationError):
            create(tenant, actor, days=days)
        assert not ApiSecret.objects.exists()


def test_validity_period_defaults_to_90_days():
    form = ApiSecretCreateForm()
    assert form.fields["validity_days"].initial == 90
    bound = ApiSecretCreateForm({"name": "x", "validity_days": ""})
    assert not bound.is_valid()


def test_fifth_secret_is_refused(tenant, actor):
    for i in range(4):
        create(tenant, actor, name=f"secret {i}")
    with pytest.raises(SecretLimitReached):
        create(tenant, actor, name="secret 5")
    assert tenant.api_secrets.count() == 4


def test_expired_secrets_count_toward_the_limit(tenant, actor):
    for i in range(4):
        create(tenant, actor, name=f"secret {i}")
    tenant.api_secrets.update(expires_at=timezone.now() - timedelta(days=3))
    with pytest.raises(SecretLimitReached):
        create(tenant, actor, name="secret 5")
    assert tenant.api_secrets.count() == 4


def test_limit_is_per_tenant(tenant, other_tenant, actor):
    for i in range(4):
        create(tenant, actor, name=f"secret {i}")
    create(other_tenant, actor, name="secret 0")
    assert other_tenant.api_secrets.count() == 1


def test_deleting_a_secret_frees_a_place(tenant, actor):
    secrets = [create(tenant, actor, name=f"secret {i}")[0] for i in range(4)]
    api_secret_delete(secret=secrets[0], actor=actor)
    create(tenant, actor, name="secret 5")
    assert tenant.api_secrets.count() == 4


def test_disabled_api_access_refuses_creation(tenant, actor):
    tenant.api_access_enabled = False
    tenant.save()
    with pytest.raises(ApiAccessDisabled):
        create(tenant, actor)
    assert not ApiSecret.objects.exists()


def test_create_refusal_is_the_reason_the_service_gives(tenant, actor):
    """The one rule: None below the limit; at it, the very code and message the service raises;
    disabled access comes first."""
    for i in range(3):
        create(tenant, actor, name=f"secret {i}")
    assert create_refusal(tenant) is None
    create(tenant, actor, name="secret 3")

    refusal = create_refusal(tenant)
    assert refusal.code == "limit_reached"
    with pytest.raises(SecretLimitReached) as excinfo:
        create(tenant, actor, name="secret 4")
    assert (excinfo.value.code, excinfo.value.message) == (refusal.code, refusal.message)

    tenant.api_access_enabled = False
    tenant.save()
    refusal = create_refusal(tenant)
    assert refusal.code == "api_access_disabled"
    with pytest.raises(ApiAccessDisabled) as excinfo:
        create(tenant, actor, name="secret 4")
    assert (excinfo.value.code, excinfo.value.message) == (refusal.code, refusal.message)


def test_only_a_keyed_hash_and_a_display_prefix_are_stored(tenant, actor):
    secret, value = create(tenant, actor)
    secret.refresh_from_db()
    assert secret.hashed_value == hash_api_secret(value)
    assert secret.prefix == value[:8]
    stored = [str(getattr(secret, f.attname)) for f in ApiSecret._meta.concrete_fields]
    assert not any(value in field for field in stored)


def test_masked_value_shows_the_first_8_characters_then_dots(tenant, actor):
    secret, value = create(tenant, actor)
    assert secret.masked.startswith(value[:8])
    assert set(secret.masked[8:]) == {"•"}
    assert value[8:12] not in secret.masked


def test_create_writes_an_audit_entry_with_the_acting_user_and_no_value(tenant, actor, admin_user):
    secret, value = create(tenant, actor, name="Door integration", ip="192.0.2.7")
    entry = AuditEntry.objects.get(action="api_secret.created")
    assert entry.tenant == tenant
    assert (entry.actor_type, entry.actor_name) == ("user", admin_user.email)
    assert entry.details["name"] == "Door integration"
    assert entry.ip == "192.0.2.7"
    everything = json.dumps([entry.details, entry.target, entry.actor_name])
    assert value not in everything
    assert value[8:] not in everything


def test_delete_revokes_and_writes_an_audit_entry(tenant, actor, admin_user):
    secret, value = create(tenant, actor, name="Door integration")
    api_secret_delete(secret=secret, actor=actor, ip="192.0.2.8")
    assert not ApiSecret.objects.filter(hashed_value=hash_api_secret(value)).exists()
    entry = AuditEntry.objects.get(action="api_secret.deleted")
    assert entry.actor_name == admin_user.email
    assert entry.details["name"] == "Door integration"
    assert value not in json.dumps(entry.details)


def test_refused_create_writes_no_audit_entry(tenant, actor):
    with pytest.raises(ValidationError):
        create(tenant, actor, name="bad/name")
    assert not AuditEntry.objects.filter(action="api_secret.created").exists()


NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expires_in", "text"),
    [
        (timedelta(days=90), "90 days left"),
        (timedelta(days=1), "1 day left"),
        (timedelta(days=2, hours=1), "2 days left"),
        (timedelta(hours=3), "expires today"),
        (timedelta(hours=-3), "expired today"),
        (timedelta(days=-1), "expired 1 day ago"),
        (timedelta(days=-5), "expired 5 days ago"),
    ],
)
def test_expiration_text(expires_in, text):
    secret = ApiSecret(created_at=NOW - timedelta(days=1), expires_at=NOW + expires_in)
    assert secret.expiration_text(now=NOW, tz=UTC) == text


@pytest.mark.parametrize(
    ("expires_in", "warn"),
    [
        (timedelta(days=21), False),
        (timedelta(days=20), True),
        (timedelta(days=19), True),
        (timedelta(days=90), False),
        (timedelta(days=-1), True),
        (timedelta(seconds=-1), True),
    ],
)
def test_warning_when_expired_or_expiring_within_20_days(expires_in, warn):
    secret = ApiSecret(created_at=NOW - timedelta(days=1), expires_at=NOW + expires_in)
    assert secret.needs_warning(now=NOW) is warn
