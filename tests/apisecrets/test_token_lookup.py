"""tokens.find: one lookup for API secrets and device credentials, retired peppers included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from apisecrets.models import ApiSecret
from cybergate.lib import tokens
from devices.models import Device
from devices.services import hash_device_credential
from tests.conftest import make_api_secret
from tests.gateway.conftest import make_device

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _post_call(credential: str) -> int:
    client = Client(headers={"Authorization": f"Bearer {credential}"})
    return client.post("/device-api/v1/calls", {}, content_type="application/json").status_code


def test_device_credential_hashed_with_a_retired_pepper_works_and_is_rehashed(tenant, settings):
    settings.SECRET_PEPPER = "old pepper"
    device, credential = make_device(tenant, "Front door")
    settings.SECRET_PEPPER = "new pepper"
    settings.SECRET_PEPPER_OLD = ["old pepper"]

    # Authenticated (the empty body is what is wrong), not 401.
    assert _post_call(credential) == 400
    assert Device.objects.get(pk=device.pk).credential_hash == hash_device_credential(credential)

    settings.SECRET_PEPPER_OLD = []
    assert _post_call(credential) == 400


def test_a_value_unknown_under_every_pepper_finds_nothing_and_writes_nothing(tenant, settings):
    settings.SECRET_PEPPER_OLD = ["old pepper"]
    secret, value = make_api_secret(tenant)
    wrong = tokens.generate_api_secret()

    found = tokens.find(ApiSecret.objects.all(), "hashed_value", wrong, "api_secret")

    assert found is None
    assert ApiSecret.objects.get(pk=secret.pk).hashed_value == secret.hashed_value


def test_purposes_keep_secrets_and_credentials_apart(tenant):
    _, value = make_api_secret(tenant)
    device, credential = make_device(tenant, "Front door")

    assert tokens.find(Device.objects.all(), "credential_hash", credential, "device_credential")
    assert tokens.find(Device.objects.all(), "credential_hash", value, "device_credential") is None
    assert tokens.find(ApiSecret.objects.all(), "hashed_value", credential, "api_secret") is None


def test_the_services_do_not_import_the_authentication():
    """The cache eviction goes through apisecrets/cache.py: no services ↔ authentication cycle."""
    code = (
        "import sys, django; django.setup(); import apisecrets.services; "
        "print('apisecrets.authentication' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "cybergate.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"
