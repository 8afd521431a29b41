"""A tenant with its live world and a test secret (which makes its sandbox)."""

from __future__ import annotations

import pytest

from tests.factories import World, make_api_secret, make_world


@pytest.fixture
def world(tenant) -> World:
    return make_world(tenant, secrets=["live integration"])


@pytest.fixture
def test_secret_pair(world):
    return make_api_secret(world.tenant, "sandbox integration", test=True)


@pytest.fixture
def test_secret_value(test_secret_pair) -> str:
    return test_secret_pair[1]


@pytest.fixture
def sandbox(test_secret_pair):
    return test_secret_pair[0].tenant
