"""Timestamps are UTC (`Z`) whatever TIME_ZONE says; unknown body fields are refused."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from apisecrets.models import ApiSecret
from audit.services import Actor, record
from callgroups.models import CallGroupMember
from devices.models import Call
from devices.services import call_end
from tests.factories import make_device, start_answered_call
from tests.helpers import bearer_client

pytestmark = pytest.mark.django_db

UTC_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
STAMP_KEYS = {
    "at",
    "created_at",
    "expires_at",
    "started_at",
    "answered_at",
    "ended_at",
    "delivered_at",
    "acked_at",
}


def stamps(data) -> list[str]:
    """Every timestamp value in a JSON document (audit `details` are stored as written)."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "details":
                continue
            if key in STAMP_KEYS and value is not None:
                found.append(value)
            else:
                found += stamps(value)
    elif isinstance(data, list):
        for item in data:
            found += stamps(item)
    return found


@pytest.fixture
def berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    timezone.activate("Asia/Tokyo")  # even with another zone active
    yield
    timezone.deactivate()


def test_every_timestamp_of_the_customer_api_is_utc(berlin, api_client, world):
    record(tenant=world["front"].tenant, actor=Actor.system(), action="x.y")
    call = start_answered_call(world["front"], world["reception"], world["anna"])
    command = api_client.post(f"/api/v1/active-calls/{world['anna'].upn}/door-open").json()
    active = api_client.get(f"/api/v1/active-calls/{world['anna'].upn}").json()
    outcome = api_client.get(f"/api/v1/door-open-commands/{command['id']}").json()
    call_end(call=call)
    documents = [
        command,
        active,
        outcome,
        api_client.get("/api/v1/tenant").json(),
        api_client.get("/api/v1/call-log").json(),
        api_client.get("/api/v1/audit-trail").json(),
    ]
    found = [s for document in documents for s in stamps(document)]
    assert len(found) >= 10
    assert [s for s in found if not UTC_STAMP.fullmatch(s)] == []


def test_days_left_counts_utc_days(berlin, api_client, api_secret):
    expires = timezone.now().replace(hour=23, minute=30) + timezone.timedelta(days=10)
    ApiSecret.objects.filter(pk=api_secret.pk).update(expires_at=expires)
    from apisecrets import authentication

    authentication.reset_for_tests()
    assert api_client.get("/api/v1/tenant").json()["secret"]["days_left"] == 10


def test_gateway_timestamps_are_utc(berlin, tenant, world):

    _, credential = make_device(tenant, "Side door")
    gateway = bearer_client(credential)
    response = gateway.post(
        "/device-api/v1/calls",
        {"caller": "sip:v@x", "call_group": str(world["reception"].id)},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert all(UTC_STAMP.fullmatch(s) for s in stamps(response.json()))
    assert Call.objects.count() == 1


def test_unknown_body_field_is_named_and_changes_nothing(api_client, world):
    url = f"/api/v1/call-groups/{world['reception'].id}/members/{world['anna'].upn}/availability"
    response = api_client.put(
        url, {"availability": "unavailable", "availabilty": "x", "note": 1}, "application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_request"
    assert set(body["errors"]) == {"availabilty", "note"}
    assert "availabilty" in body["detail"]
    member = CallGroupMember.objects.get(call_group=world["reception"], user=world["anna"])
    assert member.availability == CallGroupMember.Availability.AVAILABLE


def test_gateway_refuses_unknown_fields_too(tenant, world):

    _, credential = make_device(tenant, "Side door")
    gateway = bearer_client(credential)
    response = gateway.post(
        "/device-api/v1/calls",
        {"caller": "sip:v@x", "call_group": str(world["reception"].id), "colour": "red"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"colour"}
    assert not Call.objects.exists()
