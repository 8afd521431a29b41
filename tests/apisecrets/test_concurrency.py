"""The limit holds when creates race: of N concurrent creates at 3 secrets exactly one succeeds.

Runs on whatever database the suite uses: on PostgreSQL the service's row lock on the tenant is
what serialises the creators; on SQLite the database serialises writers itself.
"""

from __future__ import annotations

import pytest

from apisecrets.services import SecretLimitReached, api_secret_create
from tests.helpers import at_once

pytestmark = pytest.mark.slow

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_concurrent_creates_at_three_secrets_succeeds(tenant, actor):
    for i in range(3):
        api_secret_create(tenant=tenant, actor=actor, name=f"existing {i}", validity_days=90)

    def create(index: int) -> str:
        try:
            api_secret_create(tenant=tenant, actor=actor, name=f"racer {index}", validity_days=90)
        except SecretLimitReached:
            return "limit"
        return "created"

    outcomes = at_once(THREADS, create)
    assert outcomes == ["created"] + ["limit"] * (THREADS - 1), outcomes
    assert tenant.api_secrets.count() == 4
