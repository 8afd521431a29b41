"""A 404 names the resource it did not find, a malformed id included; input quoted back in a
400 is a short excerpt, never the whole value."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError

from callgroups.models import CallGroupMember
from cybergate.lib.problems import problem_response_for
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

NO_GROUP = "No call group with this id."
NO_COMMAND = "No door-open command with this id."


@pytest.mark.parametrize(
    "ref", ["6b1f2d4e-0c7a-4e55-9a51-3f4e2b1c0dff", "not-a-uuid", "1", "x" * 300]
)
def test_an_unknown_or_malformed_call_group_id_names_the_call_group(api_client, world, ref):
    assert_problem(api_client.get(f"/api/v1/call-groups/{ref}"), 404, "not_found", detail=NO_GROUP)


@pytest.mark.parametrize("ref", ["6b1f2d4e-0c7a-4e55-9a51-3f4e2b1c0dff", "not-a-uuid"])
def test_availability_of_an_unknown_or_malformed_call_group_names_the_call_group(
    api_client, world, ref
):
    response = api_client.put(
        f"/api/v1/call-groups/{ref}/members/{world['ben'].upn}/availability",
        {"availability": "unavailable"},
    )
    assert_problem(response, 404, "not_found", detail=NO_GROUP)
    assert not CallGroupMember.objects.filter(availability="unavailable").exists()


@pytest.mark.parametrize("ref", ["6b1f2d4e-0c7a-4e55-9a51-3f4e2b1c0dff", "not-a-uuid"])
def test_an_unknown_or_malformed_command_id_names_the_door_open_command(api_client, world, ref):
    response = api_client.get(f"/api/v1/door-open-commands/{ref}")
    assert_problem(response, 404, "not_found", detail=NO_COMMAND)


def test_another_tenants_call_group_is_not_found_the_same_way(api_client, world, other_world):
    stranger = other_world["reception"]
    response = api_client.get(f"/api/v1/call-groups/{stranger.id}")
    assert_problem(response, 404, "not_found", detail=NO_GROUP)


def test_unknown_paths_still_say_no_such_endpoint(api_client):
    response = api_client.get("/api/v1/call-groups/x/y")
    assert_problem(response, 404, "not_found", detail="No such API endpoint.")


def test_a_2_mb_invalid_value_is_quoted_as_a_short_excerpt(api_client, world):
    huge = "maybe" + "x" * 2_000_000
    response = api_client.put(
        f"/api/v1/call-groups/{world['reception'].id}/members/{world['anna'].upn}/availability",
        {"availability": huge},
    )
    body = assert_problem(response, 400, "invalid_request")
    assert len(response.content) < 2_000
    [message] = body["errors"]["availability"]
    assert message == f'"{huge[:64]}…" is not a valid choice.'
    assert CallGroupMember.objects.get(user=world["anna"]).availability == "available"


def test_a_2_mb_unknown_field_name_is_quoted_as_a_short_excerpt(api_client, world):
    name = "y" * 2_000_000
    response = api_client.put(
        f"/api/v1/call-groups/{world['reception'].id}/members/{world['anna'].upn}/availability",
        json.dumps({"availability": "unavailable", name: 1}),
    )
    body = assert_problem(response, 400, "invalid_request")
    assert len(response.content) < 2_000
    assert body["errors"] == {"y" * 64 + "…": ["Unknown field."]}
    assert CallGroupMember.objects.get(user=world["anna"]).availability == "available"


def test_a_long_unknown_query_parameter_is_quoted_as_a_short_excerpt(api_client):
    # Within the 2048 characters a query may have (longer ones are 414 before any parsing).
    response = api_client.get("/api/v1/version", {"z" * 2000: "1"})
    body = assert_problem(response, 400, "invalid_request")
    assert len(response.content) < 2_000
    assert "z" * 64 + "…" in body["detail"]


def test_short_values_are_quoted_whole(api_client, world):
    response = api_client.put(
        f"/api/v1/call-groups/{world['reception'].id}/members/{world['anna'].upn}/availability",
        {"availability": "maybe"},
    )
    body = assert_problem(response, 400, "invalid_request")
    assert body["errors"] == {"availability": ['"maybe" is not a valid choice.']}


def test_django_messages_in_curly_quotes_are_cut_too():
    """Django's own messages quote with “…” (e.g. a model UUIDField's)."""
    huge = "q" * 1_000_000
    error = DjangoValidationError({"id": [f"\u201c{huge}\u201d is not a valid UUID."]})
    body = json.loads(problem_response_for(error).content)
    assert body["errors"] == {"id": [f"\u201c{'q' * 64}…\u201d is not a valid UUID."]}
