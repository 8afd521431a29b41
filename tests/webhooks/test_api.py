"""The customer API's webhook endpoints (permission `webhooks`, off by default): over the Django
test client with a real secret, deliveries to the tests' receiver verified with the
`standardwebhooks` library."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from apisecrets.models import PERMISSIONS
from tests.factories import make_api_secret
from tests.helpers import assert_problem, bearer_client
from tests.webhooks.helpers import drain
from webhooks import services
from webhooks.models import MAX_ENDPOINTS_PER_TENANT, Attempt, Endpoint, Message

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhook-endpoints"
URL = "https://hooks.example.com/in"


@pytest.fixture
def api(tenant):
    _, value = make_api_secret(tenant, "Hooks app", permissions=["webhooks"])
    return bearer_client(value)


def test_the_permission_is_off_unless_chosen(tenant, api_client):
    assert "webhooks" in PERMISSIONS
    for method, path in [("get", ENDPOINTS), ("post", ENDPOINTS)]:
        response = getattr(api_client, method)(path, {"url": URL})
        body = assert_problem(response, 403, "insufficient_permission")
        assert "'webhooks'" in body["detail"]
    assert not Endpoint.objects.exists()


def test_create_shows_the_secret_once_and_it_signs_the_deliveries(api, tenant, receiver):
    response = api.post(
        ENDPOINTS,
        {"url": receiver.url, "description": "Door app", "event_types": ["call.ringing"]},
    )

    assert response.status_code == 201, response.content
    created = response.json()
    secret = created.pop("secret")
    assert secret.startswith("whsec_")
    assert created["event_types"] == ["call.ringing"] and created["enabled"] is True
    services.emit(tenant_id=tenant.id, event_type="call.ringing", data={"id": "c1"})
    services.emit(tenant_id=tenant.id, event_type="call.ended", data={"id": "c1"})  # not chosen
    assert drain() == ["succeeded"]
    [got] = receiver.received
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "call.ringing"
    # Never again: not in the list, the endpoint or the audit trail.
    listed = (
        api.get(ENDPOINTS).content.decode()
        + api.get(f"{ENDPOINTS}/{created['id']}").content.decode()
    )
    assert "whsec_" not in listed and secret not in listed
    entry = tenant.audit_entries.get(action="webhook_endpoint.created")
    assert (entry.actor_type, entry.actor_name) == ("api_secret", "Hooks app")
    assert secret not in str(entry.details)


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "url"),
        ({"url": "https://10.1.2.3/hook"}, "url"),
        ({"url": "https://[::1]/hook"}, "url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"url": 42}, "url"),
        ({"url": URL, "event_types": ["door.unlocked"]}, "event_types"),
        ({"url": URL, "description": "x" * 201}, "description"),
        ({"url": URL, "secret": "whsec_mine"}, "secret"),
    ],
)
def test_bad_bodies_are_400_with_the_field_and_create_nothing(api, tenant, body, field):
    response = api.post(ENDPOINTS, body)
    problem = assert_problem(response, 400, "invalid_request")
    assert any(name.split(".")[0] == field for name in problem["errors"]), problem
    assert not Endpoint.objects.exists()
    assert not tenant.audit_entries.filter(action__startswith="webhook_endpoint.").exists()


def test_the_eleventh_endpoint_is_refused(api, tenant, actor):
    for n in range(MAX_ENDPOINTS_PER_TENANT):
        services.endpoint_create(tenant=tenant, actor=actor, url=f"https://h{n}.example.com/")
    problem = assert_problem(api.post(ENDPOINTS, {"url": URL}), 400, "invalid_request")
    assert "at most 10" in problem["errors"]["non_field_errors"][0]
    assert Endpoint.objects.count() == MAX_ENDPOINTS_PER_TENANT
    assert len(api.get(ENDPOINTS).json()["results"]) == MAX_ENDPOINTS_PER_TENANT


def test_patch_changes_what_is_given_and_disables_and_enables(api, tenant, actor):
    endpoint, _ = services.endpoint_create(tenant=tenant, actor=actor, url=URL, description="A")
    path = f"{ENDPOINTS}/{endpoint.id}"

    response = api.patch(path, {"event_types": ["door_open.failed"], "enabled": False})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["url"], body["description"], body["event_types"]) == (
        URL,
        "A",
        ["door_open.failed"],
    )
    assert body["enabled"] is False and body["disabled_reason"] == "Disabled through the API."
    assert api.patch(path, {"enabled": True}).json()["enabled"] is True
    actions = list(
        tenant.audit_entries.filter(action__startswith="webhook_endpoint.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "webhook_endpoint.created",
        "webhook_endpoint.updated",
        "webhook_endpoint.disabled",
        "webhook_endpoint.enabled",
    ]
    # A bad change changes nothing.
    assert_problem(api.patch(path, {"url": "https://127.0.0.1/"}), 400, "invalid_request")
    assert_problem(api.patch(path, {"enabled": "maybe"}), 400, "invalid_request")
    endpoint.refresh_from_db()
    assert endpoint.url == URL and endpoint.enabled


def test_delete_then_it_is_gone(api, tenant, actor):
    endpoint, _ = services.endpoint_create(tenant=tenant, actor=actor, url=URL)
    services.endpoint_send_test(endpoint=endpoint, actor=actor)
    path = f"{ENDPOINTS}/{endpoint.id}"

    assert api.delete(path).status_code == 204

    assert not Endpoint.objects.exists() and not Message.objects.exists()
    assert_problem(api.delete(path), 404, "not_found")
    assert_problem(api.get(path), 404, "not_found")


def test_messages_list_their_attempts_newest_first(api, tenant, actor, receiver):
    endpoint, _ = services.endpoint_create(tenant=tenant, actor=actor, url=receiver.url)
    first = services.endpoint_send_test(endpoint=endpoint, actor=actor)
    receiver.default.status = 500
    receiver.default.body = b"x" * 5000
    second = services.endpoint_send_test(endpoint=endpoint, actor=actor)
    drain(rounds=3)
    path = f"{ENDPOINTS}/{endpoint.id}/messages"

    results = api.get(path).json()["results"]

    assert [m["id"] for m in results] == [str(second.id), str(first.id)]
    by_id = {m["id"]: m for m in results}
    failed = by_id[str(first.id)]["attempts"][0]
    assert failed["http_status"] == 500 and len(failed["response"]) == 1024
    assert failed["duration_ms"] is not None and failed["error"]
    assert by_id[str(first.id)]["webhook_id"] == first.webhook_id
    assert by_id[str(first.id)]["payload"]["type"] == "webhook.test"
    assert len(api.get(path, {"limit": 1}).json()["results"]) == 1
    assert_problem(api.get(path, {"limit": 0}), 400, "invalid_request")
    assert_problem(api.get(path, {"page": 2}), 400, "invalid_request")


def _failed(endpoint, age: timedelta) -> Message:
    message = Message.objects.create(
        tenant_id=endpoint.tenant_id,
        endpoint=endpoint,
        event_type="webhook.test",
        body='{"type":"webhook.test","timestamp":"2026-12-01T00:00:00.000Z","data":{}}',
        status=Message.Status.FAILED,
        created_at=timezone.now() - age,
    )
    Attempt.objects.create(
        message=message, number=1, status=Attempt.Status.FAILED, due_at=message.created_at
    )
    return message


def test_resend_and_recover(api, tenant, actor):
    endpoint, _ = services.endpoint_create(tenant=tenant, actor=actor, url=URL)
    old = _failed(endpoint, timedelta(days=2))
    recent = _failed(endpoint, timedelta(hours=1))
    other, _ = services.endpoint_create(tenant=tenant, actor=actor, url="https://o.example.com/")
    base = f"{ENDPOINTS}/{endpoint.id}"

    response = api.post(f"{base}/messages/{old.id}/resend")
    assert response.status_code == 202, response.content
    assert [a["status"] for a in response.json()["attempts"]] == ["failed", "pending"]
    assert response.json()["status"] == "pending"
    # Through another endpoint, or an id that is not one: 404, nothing queued.
    assert_problem(api.post(f"{ENDPOINTS}/{other.id}/messages/{recent.id}/resend"), 404)
    assert_problem(api.post(f"{base}/messages/nonsense/resend"), 404, "not_found")
    assert recent.attempts.count() == 1

    since = (timezone.now() - timedelta(hours=3)).isoformat()
    response = api.post(f"{base}/recover", {"since": since})
    assert response.status_code == 202 and response.json() == {"recovered": 1}
    assert recent.attempts.count() == 2
    assert api.post(f"{base}/recover", {"since": since}).json() == {"recovered": 0}
    for bad in [{}, {"since": "yesterday"}, {"since": since, "until": since}]:
        assert_problem(api.post(f"{base}/recover", bad), 400, "invalid_request")


def test_another_tenants_endpoint_is_404_and_untouched(api, other_tenant, actor):
    endpoint, _ = services.endpoint_create(tenant=other_tenant, actor=actor, url=URL)
    message = _failed(endpoint, timedelta(hours=1))
    base = f"{ENDPOINTS}/{endpoint.id}"
    for method, path, body in [
        ("get", base, None),
        ("patch", base, {"description": "mine now"}),
        ("delete", base, None),
        ("get", f"{base}/messages", None),
        ("post", f"{base}/messages/{message.id}/resend", None),
        ("post", f"{base}/recover", {"since": "2020-01-01T00:00:00Z"}),
    ]:
        response = getattr(api, method)(path, body) if body else getattr(api, method)(path)
        assert_problem(response, 404, "not_found", detail="No webhook endpoint with this id.")
    assert api.get(ENDPOINTS).json() == {"results": []}
    endpoint.refresh_from_db()
    assert endpoint.description == "" and message.attempts.count() == 1
