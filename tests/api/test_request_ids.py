"""X-Request-Id on every /api/ and /device-api/ answer, as problem `instance`, in log lines."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest
from django.test import AsyncClient, Client

from cybergate.lib.requestid import RequestIdLogFilter

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/version"),
        ("get", "/api/v1/call-groups"),
        ("get", "/api/v1/no-such-thing"),
        ("put", "/api/v1/version"),
        ("get", "/device-api/v1/commands"),
        ("post", "/device-api/v1/calls"),
    ],
)
def test_every_answer_has_a_request_id(api_client, method, path):
    for client in (api_client, Client()):
        response = getattr(client, method)(path)
        assert GENERATED.fullmatch(response["X-Request-Id"])
        if response.status_code >= 400:
            assert response.json()["instance"] == (
                f"urn:cybergate:request:{response['X-Request-Id']}"
            )


def test_success_answer_has_a_request_id_and_each_request_its_own(api_client):
    first = api_client.get("/api/v1/version")
    second = api_client.get("/api/v1/version")
    assert first.status_code == 200
    assert first["X-Request-Id"] != second["X-Request-Id"]


@pytest.mark.parametrize("given", ["abc", "req_01H:9.x-Y", "x" * 200])
def test_the_clients_sane_id_is_kept(api_client, given):
    response = api_client.get("/api/v1/no-such-thing", headers={"X-Request-Id": given})
    assert response["X-Request-Id"] == given
    assert response.json()["instance"] == f"urn:cybergate:request:{given}"


@pytest.mark.parametrize("given", ["", "x" * 201, "a b", "a/b", "<script>", "ä"])
def test_an_insane_id_is_replaced(api_client, given):
    response = api_client.get(
        "/api/v1/version", headers={"X-Request-Id": given.encode().decode("latin-1")}
    )
    assert GENERATED.fullmatch(response["X-Request-Id"])


def test_pages_get_one_too_but_not_the_probes(client):
    # Quoted from the portal's error pages to support.
    assert GENERATED.fullmatch(client.get("/accounts/login/")["X-Request-Id"])
    assert "X-Request-Id" not in client.get("/healthz")


def test_async_gateway_path_gets_one_too():
    """The long-poll runs through the async middleware chain (ASGI)."""

    async def poll():
        return await AsyncClient().get(
            "/device-api/v1/commands?wait=0", headers={"X-Request-Id": "poll-1"}
        )

    response = asyncio.run(poll())
    assert response.status_code == 401
    assert response["X-Request-Id"] == "poll-1"
    assert response.json()["instance"] == "urn:cybergate:request:poll-1"


def test_log_lines_of_a_request_carry_its_id(api_client, settings, caplog):
    settings.DEBUG = True  # Django then logs each SQL query (django.db.backends, DEBUG)
    caplog.handler.addFilter(RequestIdLogFilter())
    with caplog.at_level(logging.DEBUG, logger="django.db.backends"):
        response = api_client.get("/api/v1/call-groups", headers={"X-Request-Id": "trace-7"})
    assert response.status_code == 200
    queries = [r for r in caplog.records if r.name == "django.db.backends"]
    assert queries
    assert {r.request_id for r in queries} == {"trace-7"}
    logging.getLogger("after").warning("outside a request")
    assert caplog.records[-1].request_id == "-"
