"""`GET /api/v1/active-calls`: every active call of the tenant in one request, each as the
per-user `GET /api/v1/active-calls/{user}` shows it; never another tenant's."""

from __future__ import annotations

import httpx
import pytest

from devices.services import call_end, call_start
from tests.factories import make_api_secret, start_answered_call
from tests.helpers import assert_problem, bearer, bearer_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/active-calls"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_lists_every_active_call_of_the_tenant_only_over_http(
    live_server, world, other_world, tenant
):
    _, value = make_api_secret(tenant, name="lister")
    ended = start_answered_call(world["front"], world["reception"], world["anna"])
    call_end(call=ended)
    anna = start_answered_call(world["front"], world["reception"], world["anna"])
    ben = start_answered_call(world["back"], world["garage"], world["ben"])
    call_start(device=world["front"], call_group=world["reception"], caller="sip:ringing@x.org")
    stranger = start_answered_call(
        other_world["front"], other_world["reception"], other_world["anna"]
    )

    with httpx.Client(base_url=live_server.url, headers=bearer(value)) as client:
        page = client.get(URL)
        assert page.status_code == 200, page.text
        results = page.json()["results"]
        assert [item["call"]["id"] for item in results] == [str(anna.id), str(ben.id)]
        assert str(stranger.id) not in page.text and str(ended.id) not in page.text
        # The same representation as the per-user detail.
        for item in results:
            detail = client.get(f"{URL}/{item['user']['upn']}").json()
            assert item == detail
        assert results[0]["door_open_code_configured"] is True  # the front door has a code
        assert results[1]["door_open_code_configured"] is False


def test_pages_by_cursor(api_client, world, other_world):
    calls = [
        start_answered_call(world["front"], world["reception"], world["anna"]),
        start_answered_call(world["back"], world["garage"], world["ben"]),
    ]
    start_answered_call(other_world["front"], other_world["reception"], other_world["anna"])
    first = api_client.get(URL, {"limit": 1}).json()
    assert [item["call"]["id"] for item in first["results"]] == [str(calls[0].id)]
    second = api_client.get(first["next"]).json()
    assert [item["call"]["id"] for item in second["results"]] == [str(calls[1].id)]
    assert second["next"] is None


def test_no_active_calls_is_an_empty_list(api_client, world):
    call_end(call=start_answered_call(world["front"], world["reception"], world["anna"]))
    assert api_client.get(URL).json()["results"] == []


def test_the_other_tenants_secret_sees_only_its_own(world, other_world, other_api_secret_value):
    start_answered_call(world["front"], world["reception"], world["anna"])
    assert bearer_client(other_api_secret_value).get(URL).json()["results"] == []


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("limit=0", "invalid_request"),
        ("cursor=%%%", "invalid_cursor"),
        ("user=x", "invalid_request"),
    ],
)
def test_bad_queries_are_problems(api_client, world, query, code):
    assert_problem(api_client.get(f"{URL}?{query}"), 400, code)


def test_needs_the_read_permission(tenant, world):
    _, value = make_api_secret(tenant, name="opener", permissions=["door_open"])
    body = assert_problem(bearer_client(value).get(URL), 403, "insufficient_permission")
    assert "read" in body["detail"]
