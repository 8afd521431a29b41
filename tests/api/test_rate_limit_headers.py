"""IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers-10 syntax) on every authenticated
answer, success and problem."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

# Structured Fields items: the policy's name, then its parameters.
POLICY = re.compile(r'"default";q=(\d+);w=(\d+)')
RATELIMIT = re.compile(r'"default";r=(\d+);t=(\d+)')


def parsed(response) -> tuple[int, ...]:
    """(limit, remaining, reset) of an answer."""
    policy = POLICY.fullmatch(response["RateLimit-Policy"])
    match = RATELIMIT.fullmatch(response["RateLimit"])
    assert policy and match, (response["RateLimit-Policy"], response["RateLimit"])
    return (int(policy.group(1)), *(int(g) for g in match.groups()))


def test_success_carries_the_policy_and_a_falling_remaining(api_client):
    first = api_client.get("/api/v1/version")
    second = api_client.get("/api/v1/version")
    assert first.status_code == second.status_code == 200
    assert first["RateLimit-Policy"] == '"default";q=600;w=60'
    limit, remaining, reset = parsed(first)
    assert limit == 600 and 1 <= reset <= 60
    assert parsed(second)[1] == remaining - 1


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/call-groups/00000000-0000-0000-0000-000000000000", 404),
        ("get", "/api/v1/version?bogus=1", 400),
        ("get", "/api/v1/audit-trail?after=nope", 400),
        ("delete", "/api/v1/version", 405),
        ("post", "/api/v1/active-calls/nobody@acme.example/door-open", 404),
    ],
)
def test_problems_of_authenticated_requests_carry_them_too(api_client, method, path, status):
    response = getattr(api_client, method)(path)
    assert response.status_code == status
    assert response["RateLimit-Policy"] == '"default";q=600;w=60'
    assert parsed(response)[0] == 600


def test_over_the_limit_remaining_is_zero_with_retry_after(api_client, settings):
    settings.API_RATE_LIMIT = "3/min"
    remaining = [parsed(api_client.get("/api/v1/version"))[1] for _ in range(3)]
    assert remaining == [2, 1, 0]
    refused = api_client.get("/api/v1/version")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    limit, left, reset = parsed(refused)
    assert (limit, left) == (3, 0)
    assert int(refused["Retry-After"]) == reset
    assert refused["RateLimit-Policy"] == '"default";q=3;w=60'


def test_unauthenticated_answers_have_none(client):
    response = client.get("/api/v1/version")
    assert response.status_code == 401
    assert "RateLimit" not in response and "RateLimit-Policy" not in response
