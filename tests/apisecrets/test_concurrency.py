"""The limit holds when creates race: of N concurrent creates at 3 secrets exactly one succeeds;
and when rolls race with creates, no place ever holds more than a secret and one predecessor.

The creates run on whatever database the suite uses: on PostgreSQL the service's row lock on the
tenant is what serialises the creators; on SQLite the database serialises writers itself. The
roll race runs on PostgreSQL (needs()).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from apisecrets.models import places_used
from apisecrets.services import (
    CannotRoll,
    SecretLimitReached,
    api_secret_create,
    api_secret_roll,
)
from tests.conftest import needs
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


@pytest.mark.django_db(transaction=True)
def test_two_tabs_rolling_while_others_create_never_pass_four_places(tenant, actor):
    needs(connection.vendor == "postgresql", "needs PostgreSQL's concurrent writers")
    first, _ = api_secret_create(tenant=tenant, actor=actor, name="door", validity_days=90)
    head, _ = api_secret_roll(secret=first, actor=actor, overlap="7d")
    for i in range(2):
        api_secret_create(tenant=tenant, actor=actor, name=f"other {i}", validity_days=90)
    # 3 of 4 places: "door" (its newest secret and the one it replaced, still working), 2 others.

    def attempt(index: int) -> str:
        if index < 2:  # two tabs rolling the newest "door"
            try:
                api_secret_roll(secret=head, actor=actor, overlap="7d")
            except CannotRoll:
                return "refused roll"
            return "rolled"
        try:
            api_secret_create(tenant=tenant, actor=actor, name=f"racer {index}", validity_days=90)
        except SecretLimitReached:
            return "limit"
        return "created"

    outcomes = at_once(4, attempt)
    assert outcomes == ["created", "limit", "refused roll", "rolled"], outcomes
    secrets = list(tenant.api_secrets.all())
    assert places_used(secrets) == 4
    working = [s for s in secrets if s.name == "door" and not s.is_expired(timezone.now())]
    assert len(working) == 2


@pytest.mark.django_db(transaction=True)
def test_of_concurrent_creates_of_look_alike_names_exactly_one_succeeds(tenant, actor):
    needs(connection.vendor == "postgresql", "needs PostgreSQL's concurrent writers")
    names = ["gamma old", "g\u0430mma old", "G\u0410MMA OLD", "g\u0430mm\u0430 old"]

    def create(index: int) -> str:
        try:
            api_secret_create(tenant=tenant, actor=actor, name=names[index], validity_days=90)
        except ValidationError as exc:
            return exc.message_dict["name"][0].split(",")[0]
        return "created"

    outcomes = at_once(len(names), create)
    assert outcomes.count("created") == 1, outcomes
    # Whichever wins, each other name is its look-alike (or, "gаmma old" beside "GАMMA OLD",
    # the same name in another case).
    refused = [
        o
        for o in outcomes
        if o.startswith("This name looks like") or o.startswith("An API secret with this name")
    ]
    assert len(refused) == len(names) - 1, outcomes
    assert tenant.api_secrets.count() == 1
