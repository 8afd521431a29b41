"""The limit holds when creates race: of N concurrent creates at 3 secrets exactly one succeeds.

Runs on whatever database the suite uses: on PostgreSQL the service's row lock on the tenant is
what serialises the creators; on SQLite the database serialises writers itself.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apisecrets.services import SecretLimitReached, api_secret_create

pytestmark = pytest.mark.slow

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_concurrent_creates_at_three_secrets_succeeds(tenant, actor):
    for i in range(3):
        api_secret_create(tenant=tenant, actor=actor, name=f"existing {i}", validity_days=90)

    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    lock = threading.Lock()

    def create(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            api_secret_create(tenant=tenant, actor=actor, name=f"racer {index}", validity_days=90)
            outcome = "created"
        except SecretLimitReached:
            outcome = "limit"
        except ValidationError as exc:  # pragma: no cover - reported in the assertion below
            outcome = f"other: {exc}"
        except Exception as exc:  # a database error must fail the test, visibly
            outcome = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == ["created"] + ["limit"] * (THREADS - 1), results
    assert tenant.api_secrets.count() == 4
