from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_api_secret


@pytest.fixture
def make_secret(tenant, actor):
    """Create a secret through the service; `expires_in` moves its expiry afterwards."""

    def make(name: str, days: int = 90, *, expires_in: timedelta | None = None, on=None):
        secret, value = make_api_secret(
            on or tenant, name, days, expires_in=expires_in, actor=actor
        )
        secret.value = value  # type: ignore[attr-defined]  # for the tests' convenience
        return secret

    return make
