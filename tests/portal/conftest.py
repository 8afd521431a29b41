from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apisecrets.services import api_secret_create


@pytest.fixture
def make_secret(tenant, actor):
    """Create a secret through the service; `expires_in` moves its expiry afterwards."""

    def make(name: str, days: int = 90, *, expires_in: timedelta | None = None, on=None):
        secret, value = api_secret_create(
            tenant=on or tenant, actor=actor, name=name, validity_days=days
        )
        if expires_in is not None:
            secret.expires_at = timezone.now() + expires_in
            secret.save(update_fields=["expires_at"])
        secret.value = value  # type: ignore[attr-defined]  # for the tests' convenience
        return secret

    return make
