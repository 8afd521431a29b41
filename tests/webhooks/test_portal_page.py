"""The portal's Webhooks page: list, add, edit, secret, rotate, test, disable/enable, delete,
delivery log, resend and recover — every change through the Django test client, as an admin
sees it, and the refusals (another tenant's ids, a stale sign-in, bad input)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from tests.accounts.test_reauth_and_sessions import signed_in  # noqa: F401 - fixture
from tests.webhooks.helpers import drain
from webhooks import services
from webhooks.models import MAX_ENDPOINTS_PER_TENANT, Attempt, Endpoint, Message

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/cybergate"


def _make(tenant, actor, url=URL, **kwargs) -> Endpoint:
    endpoint, _ = services.endpoint_create(tenant=tenant, actor=actor, url=url, **kwargs)
    return endpoint


def _actions(tenant) -> list[str]:
    entries = tenant.audit_entries.filter(action__startswith="webhook_endpoint.")
    return list(entries.order_by("id").values_list("action", flat=True))


def test_the_nav_links_the_page_and_the_list_shows_each_endpoint(admin_client, tenant, actor):
    _make(tenant, actor, description="Door events", event_types=["door_open.executed"])
    disabled = _make(tenant, actor, url="https://other.example.com/hook")
    services.endpoint_disable(endpoint=disabled, actor=actor, reason="Answered 410 Gone.")
    Endpoint.objects.filter(pk=disabled.pk).update(last_error="HTTP 410")

    html = admin_client.get("/webhooks/").content.decode()

    assert 'href="/webhooks/" aria-current="page">Webhooks</a>' in html
    assert URL in html and "Door events" in html and "door_open.executed" in html
    assert "every event" in html
    assert "Answered 410 Gone." in html and "HTTP 410" in html
    assert f"2 of {MAX_ENDPOINTS_PER_TENANT} endpoints." in html


def test_add_an_endpoint_shows_its_secret_once_and_audits(admin_client, tenant):
    form = admin_client.get("/webhooks/new/").content.decode()
    assert len(re.findall(r'<input type="checkbox" name="event_types"', form)) == 13

    response = admin_client.post(
        "/webhooks/new/",
        {"url": URL, "description": "Door", "event_types": ["call.ringing", "call.ended"]},
    )

    assert response.status_code == 200
    endpoint = tenant.webhook_endpoints.get()
    assert (endpoint.url, endpoint.description) == (URL, "Door")
    assert endpoint.event_types == ["call.ended", "call.ringing"]
    secret = re.search(r'value="(whsec_[^"]+)"', response.content.decode()).group(1)
    assert services.signing_secrets(endpoint) == [secret]
    assert "no-store" in response["Cache-Control"]
    assert _actions(tenant) == ["webhook_endpoint.created"]
    assert secret not in str(list(tenant.audit_entries.values()))
    # The endpoint's page does not show it until asked.
    assert secret not in admin_client.get(f"/webhooks/{endpoint.pk}/").content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"url": ""}, "Enter the URL."),
        ({"url": "https://10.0.0.5/hook"}, "Refused:"),
        ({"url": "ftp://hooks.example.com/"}, ""),
        ({"url": URL, "description": "x" * 201}, "At most 200 characters."),
        ({"url": URL, "event_types": ["door.unknown"]}, "Unknown event type: door.unknown."),
    ],
)
def test_bad_input_is_a_field_message_and_adds_nothing(admin_client, tenant, data, message):
    response = admin_client.post("/webhooks/new/", data)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field-error"' in html and message in html
    assert not tenant.webhook_endpoints.exists()
    assert _actions(tenant) == []


def test_the_eleventh_endpoint_is_refused_with_the_count(admin_client, tenant, actor):
    for n in range(MAX_ENDPOINTS_PER_TENANT):
        _make(tenant, actor, url=f"https://hooks{n}.example.com/")
    page = admin_client.get("/webhooks/").content.decode()
    assert "10 of 10 endpoints." in page and 'action="/webhooks/new/"' not in page

    response = admin_client.post("/webhooks/new/", {"url": URL})

    assert response.status_code == 200
    assert "at most 10 webhook endpoints" in response.content.decode()
    assert tenant.webhook_endpoints.count() == MAX_ENDPOINTS_PER_TENANT


def test_edit_saves_and_audits_and_bad_edit_changes_nothing(admin_client, tenant, actor):
    endpoint = _make(tenant, actor)
    response = admin_client.post(
        f"/webhooks/{endpoint.pk}/edit/",
        {"url": "https://new.example.com/in", "description": "New", "event_types": []},
    )
    assert response.status_code == 302 and response["Location"] == f"/webhooks/{endpoint.pk}/"
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.description) == ("https://new.example.com/in", "New")

    response = admin_client.post(f"/webhooks/{endpoint.pk}/edit/", {"url": "https://127.0.0.1/"})
    assert response.status_code == 200 and "Refused:" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == "https://new.example.com/in"
    assert _actions(tenant) == ["webhook_endpoint.created", "webhook_endpoint.updated"]


def test_reveal_and_rotate_show_the_secret_that_signs(admin_client, tenant, actor):
    endpoint, first = services.endpoint_create(tenant=tenant, actor=actor, url=URL)

    revealed = admin_client.post(f"/webhooks/{endpoint.pk}/secret/")
    assert f'value="{first}"' in revealed.content.decode()
    assert "no-store" in revealed["Cache-Control"]

    rotated = admin_client.post(f"/webhooks/{endpoint.pk}/rotate/")
    new = re.search(r'value="(whsec_[^"]+)"', rotated.content.decode()).group(1)
    assert new != first
    assert services.signing_secrets(Endpoint.objects.get(pk=endpoint.pk)) == [new, first]
    assert "The previous secret signs too until" in rotated.content.decode()
    assert _actions(tenant)[-2:] == [
        "webhook_endpoint.secret_revealed",
        "webhook_endpoint.secret_rotated",
    ]


def test_send_test_event_is_delivered_signed_and_shown_in_the_log(
    admin_client, tenant, actor, receiver
):
    endpoint, secret = services.endpoint_create(tenant=tenant, actor=actor, url=receiver.url)
    response = admin_client.post(f"/webhooks/{endpoint.pk}/test/")
    assert response.status_code == 302

    assert drain() == ["succeeded"]

    [got] = receiver.received
    payload = Webhook(secret).verify(got.body, got.headers)
    assert payload["type"] == "webhook.test"
    html = admin_client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    message = endpoint.messages.get()
    assert message.webhook_id in html and "webhook.test" in html
    assert "HTTP 200" in html and "Delivered" in html


def test_disable_and_enable(admin_client, tenant, actor):
    endpoint = _make(tenant, actor)
    admin_client.post(f"/webhooks/{endpoint.pk}/disable/")
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "Disabled by an admin." in admin_client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    admin_client.post(f"/webhooks/{endpoint.pk}/disable/", {"enable": "1"})
    endpoint.refresh_from_db()
    assert endpoint.enabled
    assert _actions(tenant)[-2:] == ["webhook_endpoint.disabled", "webhook_endpoint.enabled"]


def test_delete_asks_then_deletes_with_the_log(admin_client, tenant, actor):
    endpoint = _make(tenant, actor)
    services.endpoint_send_test(endpoint=endpoint, actor=actor)
    assert (
        b"Delete webhook endpoint?" in admin_client.get(f"/webhooks/{endpoint.pk}/delete/").content
    )

    response = admin_client.post(f"/webhooks/{endpoint.pk}/delete/")

    assert response.status_code == 302 and response["Location"] == "/webhooks/"
    assert not Endpoint.objects.exists() and not Message.objects.exists()


def _failed(endpoint, *, age: timedelta) -> Message:
    message = Message.objects.create(
        tenant_id=endpoint.tenant_id,
        endpoint=endpoint,
        event_type="webhook.test",
        body="{}",
        status=Message.Status.FAILED,
        created_at=timezone.now() - age,
    )
    Attempt.objects.create(
        message=message,
        number=1,
        status=Attempt.Status.FAILED,
        due_at=message.created_at,
        sent_at=message.created_at,
        http_status=503,
        duration_ms=12,
        error="HTTP 503",
        response="busy, try later",
    )
    return message


def test_the_log_shows_attempts_and_resend_queues_one_more(admin_client, tenant, actor):
    endpoint = _make(tenant, actor)
    message = _failed(endpoint, age=timedelta(hours=1))
    html = admin_client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert "HTTP 503" in html and "12 ms" in html and "busy, try later" in html

    response = admin_client.post(f"/webhooks/{endpoint.pk}/messages/{message.pk}/resend/")

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING
    assert list(message.attempts.values_list("number", "status")) == [(1, "failed"), (2, "pending")]
    assert _actions(tenant)[-1] == "webhook_endpoint.message_resent"


def test_recover_resends_failed_messages_since_the_chosen_time(admin_client, tenant, actor):
    endpoint = _make(tenant, actor)
    recent = _failed(endpoint, age=timedelta(hours=1))
    old = _failed(endpoint, age=timedelta(days=3))
    since = (timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")

    response = admin_client.post(f"/webhooks/{endpoint.pk}/recover/", {"since": since})

    assert response.status_code == 302
    assert recent.attempts.count() == 2 and old.attempts.count() == 1
    follow = admin_client.get(response["Location"]).content.decode()
    assert "1 failed message sent again." in follow


def test_recover_without_a_valid_time_is_a_field_message(admin_client, tenant, actor):
    endpoint = _make(tenant, actor)
    _failed(endpoint, age=timedelta(hours=1))
    response = admin_client.post(f"/webhooks/{endpoint.pk}/recover/", {"since": "yesterday"})
    assert response.status_code == 200
    assert "Enter a date and time, e.g. 2026-12-01 08:00." in response.content.decode()
    assert Attempt.objects.count() == 1
    assert _actions(tenant) == ["webhook_endpoint.created"]


def _endpoint_paths(endpoint, message) -> list[tuple[str, str, dict]]:
    base = f"/webhooks/{endpoint.pk}"
    return [
        ("get", f"{base}/", {}),
        ("get", f"{base}/delete/", {}),
        ("post", f"{base}/delete/", {}),
        ("post", f"{base}/edit/", {"url": "https://evil.example.com/"}),
        ("post", f"{base}/secret/", {}),
        ("post", f"{base}/rotate/", {}),
        ("post", f"{base}/test/", {}),
        ("post", f"{base}/disable/", {}),
        ("post", f"{base}/recover/", {"since": "2020-01-01T00:00"}),
        ("post", f"{base}/messages/{message.pk}/resend/", {}),
    ]


def test_another_tenants_endpoint_is_404_and_untouched(admin_client, tenant, other_tenant, actor):
    endpoint = _make(other_tenant, actor)
    message = _failed(endpoint, age=timedelta(hours=1))
    before = list(Endpoint.objects.values()), list(Attempt.objects.values())
    for method, path, data in _endpoint_paths(endpoint, message):
        response = getattr(admin_client, method)(path, data)
        assert response.status_code == 404, path
    assert (list(Endpoint.objects.values()), list(Attempt.objects.values())) == before
    assert URL not in admin_client.get("/webhooks/").content.decode()


def test_a_message_of_another_endpoint_cannot_be_resent_through_mine(admin_client, tenant, actor):
    mine = _make(tenant, actor)
    theirs = _make(tenant, actor, url="https://other.example.com/")
    message = _failed(theirs, age=timedelta(hours=1))
    response = admin_client.post(f"/webhooks/{mine.pk}/messages/{message.pk}/resend/")
    assert response.status_code == 404
    assert message.attempts.count() == 1


def test_changes_and_the_secret_ask_to_reauthenticate_after_15_minutes(
    signed_in,  # noqa: F811
    tenant,
    actor,
    time_machine,
):
    endpoint = _make(tenant, actor)
    message = _failed(endpoint, age=timedelta(hours=1))
    entries = _actions(tenant)
    time_machine.move_to("2026-11-28 10:15:01+00:00", tick=False)
    assert signed_in.get(f"/webhooks/{endpoint.pk}/").status_code == 200  # reading is not
    writes = [("get", "/webhooks/new/", {}), ("post", "/webhooks/new/", {"url": URL})]
    writes += [p for p in _endpoint_paths(endpoint, message) if p[1] != f"/webhooks/{endpoint.pk}/"]
    for method, path, data in writes:
        response = getattr(signed_in, method)(path, data)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/reauthenticate/"), path
    assert _actions(tenant) == entries
    assert Endpoint.objects.get().enabled and message.attempts.count() == 1


def test_a_login_without_a_tenant_gets_no_webhooks(client, staff_user, tenant, actor):
    endpoint = _make(tenant, actor)
    client.force_login(staff_user)
    for path in ["/webhooks/", f"/webhooks/{endpoint.pk}/"]:
        response = client.get(path)
        assert b"This login has no tenant" in response.content
        assert URL.encode() not in response.content
