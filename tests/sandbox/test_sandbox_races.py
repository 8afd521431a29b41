"""Test calls rung at once: each free virtual member answers one, none is double-booked."""

from __future__ import annotations

import pytest
from django.db import connection

from devices.models import Call
from sandbox.services import VIRTUAL_USERS
from tests.conftest import needs
from tests.factories import make_api_secret
from tests.helpers import at_once, bearer_client

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_concurrent_test_calls_take_distinct_members(tenant):
    needs(connection.vendor == "postgresql", "needs PostgreSQL's concurrent writers")
    _, value = make_api_secret(tenant, "sandbox", test=True)

    def ring(index: int) -> str:
        response = bearer_client(value).post("/api/v1/test/calls", {})
        return str(response.status_code)

    outcomes = at_once(len(VIRTUAL_USERS) + 1, ring)
    assert outcomes == ["201"] * len(VIRTUAL_USERS) + ["409"]
    answered = list(Call.objects.filter(state="active").values_list("answered_by", flat=True))
    assert len(answered) == len(set(answered)) == len(VIRTUAL_USERS)
    assert Call.objects.count() == len(VIRTUAL_USERS)  # the refused one left no ringing call
