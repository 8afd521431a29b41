"""`wait` on the long-pollable reads (call log, audit trail, a door-open outcome) in-process,
through Django's WSGI handler as the web pool serves them: validated (0–30 whole seconds), and
answered at once with `X-Long-Poll: unsupported; wait=0` (the holding is tested over HTTP on the
gateway pool: test_long_poll_over_http.py)."""

from __future__ import annotations

import time

import pytest

from audit.services import Actor
from devices.services import door_open_request
from tests.factories import start_answered_call
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def paths(world) -> list[str]:
    start_answered_call(world["front"], world["reception"], world["anna"])
    command = door_open_request(
        tenant=world["anna"].tenant, user_ref=world["anna"].upn, actor=Actor.system()
    )
    return ["/api/v1/call-log", "/api/v1/audit-trail", f"/api/v1/door-open-commands/{command.id}"]


@pytest.mark.parametrize("wait", ["1", "30"])
def test_the_web_pool_answers_at_once_and_says_so(api_client, paths, wait):
    for path in paths:
        started = time.monotonic()
        response = api_client.get(path, {"wait": wait})
        assert response.status_code == 200, response.content
        assert response["X-Long-Poll"] == "unsupported; wait=0"
        assert time.monotonic() - started < 2


def test_without_wait_or_with_wait_0_nothing_is_said(api_client, paths):
    for path in paths:
        assert "X-Long-Poll" not in api_client.get(path)
        assert "X-Long-Poll" not in api_client.get(path, {"wait": "0"})


@pytest.mark.parametrize(
    "wait", ["", " 1", "31", "-1", "1.5", "1e1", "abc", "٣", "99999999999999999999"]
)
def test_a_bad_wait_is_invalid_request(api_client, paths, wait):
    for path in paths:
        body = assert_problem(api_client.get(path, {"wait": wait}), 400, "invalid_request")
        assert body["errors"] == {"wait": ["Must be a whole number from 0 to 30."]}


def test_the_acks_take_no_wait(api_client):
    response = api_client.post(
        "/api/v1/call-log/ack?wait=5", {"cursor": "x"}, content_type="application/json"
    )
    assert_problem(response, 400, "invalid_request")
