"""Oversized API requests are refused before anything parses them: a path or query string over
2048 characters is 414 `uri_too_long`, header fields over 8192 characters together are 431
`headers_too_large` (problem details, before authentication). The gateway's lean path answers the
same over HTTP: tests/gateway/test_lean.py."""

from __future__ import annotations

import pytest
from django.test import Client

from devices.models import DoorOpenCommand
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

LONG_QUERY = "?" + "a=1&" * 600  # 2 401 characters


@pytest.mark.parametrize("path", ["/api/v1/version", "/api/v1/call-log", "/device-api/v1/calls"])
def test_a_query_string_over_the_limit_is_414_before_authentication(api_client, path):
    for client in (api_client, Client()):
        assert_problem(client.get(path + LONG_QUERY), 414, "uri_too_long")


def test_a_path_over_the_limit_is_414(api_client):
    assert_problem(api_client.get("/api/v1/teams-users/" + "u" * 2100), 414, "uri_too_long")


def test_header_fields_over_the_limit_are_431(api_client):
    response = api_client.get("/api/v1/version", headers={"X-Pad": "x" * 9000})
    assert_problem(response, 431, "headers_too_large")


def test_up_to_the_limits_the_request_is_served(api_client):
    query = "?" + "x" * 2048
    # The view answers: unknown query parameters are its invalid_request.
    assert_problem(api_client.get("/api/v1/version" + query), 400, "invalid_request")
    response = api_client.get("/api/v1/version", headers={"X-Pad": "x" * 7000})
    assert response.status_code == 200


def test_a_refused_door_open_issues_nothing(api_client, world, active_call):
    response = api_client.post(f"/api/v1/active-calls/{world['anna'].upn}/door-open" + LONG_QUERY)
    assert_problem(response, 414, "uri_too_long")
    assert not DoorOpenCommand.objects.exists()
    assert api_client.post(f"/api/v1/active-calls/{world['anna'].upn}/door-open").status_code == 202


def test_portal_pages_are_not_limited():
    response = Client().get("/accounts/login/" + LONG_QUERY)
    assert response.status_code == 200


def test_header_fields_are_counted_as_sent():
    """A field counts its name as sent (`X-Pad`, not `HTTP_X_PAD`) and its value; empty fields
    and the rest of META (server and WSGI keys) do not count."""
    from cybergate.lib.limits import _headers_length

    meta = {
        "HTTP_X_PAD": "x" * 10,
        "HTTP_ACCEPT": "*/*",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "",
        "HTTP_X_EMPTY": "",
        "SERVER_NAME": "testserver",
        "REMOTE_ADDR": "192.0.2.1",
        "wsgi.input": object(),
    }
    assert _headers_length(meta) == (5 + 10) + (6 + 3) + (12 + 16)
