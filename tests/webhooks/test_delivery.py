"""Deliveries over real HTTP to a receiver the test starts, verified with the standardwebhooks
library (not our code): signatures, rotation, retries, 410, redirects, the lease."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from audit.models import AuditEntry
from tests.webhooks.helpers import drain
from tests.webhooks.receiver import Answer
from webhooks import services
from webhooks.models import Attempt, Endpoint, Message
from webhooks.worker import claim, deliver, next_delay, record_outcome

pytestmark = pytest.mark.django_db


def _endpoint(tenant, actor, url, **kwargs):
    return services.endpoint_create(tenant=tenant, actor=actor, url=url, **kwargs)


def _verify(secret, received):
    return Webhook(secret).verify(received.body, received.headers)


def test_a_delivery_verifies_with_the_standardwebhooks_library(tenant, actor, receiver):
    endpoint, secret = _endpoint(tenant, actor, receiver.url)
    assert secret.startswith("whsec_") and len(secret) == 6 + 44
    [message] = services.emit(
        tenant_id=tenant.id, event_type="call.ringing", data={"id": "c1", "caller": "sip:x"}
    )

    assert drain() == ["succeeded"]

    [got] = receiver.received
    payload = _verify(secret, got)
    assert payload["type"] == "call.ringing"
    assert payload["data"] == {"id": "c1", "caller": "sip:x"}
    assert payload["timestamp"].endswith("Z")
    assert got.headers["webhook-id"] == message.webhook_id
    assert got.headers["content-type"] == "application/json"
    assert len(got.body) < 20_000
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    [attempt] = message.attempts.all()
    assert (attempt.status, attempt.http_status, attempt.response) == ("succeeded", 200, "ok")
    assert attempt.duration_ms is not None
    # Someone else's secret does not verify.
    with pytest.raises(WebhookVerificationError):
        Webhook(services.keys.generate()).verify(got.body, got.headers)


def test_the_secret_is_never_stored_or_audited_in_clear_text(tenant, actor, receiver):
    endpoint, secret = _endpoint(tenant, actor, receiver.url)
    rotated = services.endpoint_rotate_secret(endpoint=endpoint, actor=actor)
    revealed = services.endpoint_reveal_secret(endpoint=endpoint, actor=actor)
    assert revealed == rotated
    endpoint.refresh_from_db()
    stored = json.dumps(list(Endpoint.objects.filter(pk=endpoint.pk).values()), default=str)
    audited = json.dumps(list(AuditEntry.objects.values()), default=str)
    for value in (secret, rotated):
        raw = value.removeprefix("whsec_")
        assert raw not in stored and raw not in audited
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "webhook_endpoint.created",
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint.secret_revealed",
    ]


def test_after_a_rotation_both_secrets_sign_for_24_hours(tenant, actor, receiver):
    endpoint, old = _endpoint(tenant, actor, receiver.url)
    new = services.endpoint_rotate_secret(endpoint=endpoint, actor=actor)
    services.emit(tenant_id=tenant.id, event_type="call.ringing", data={"n": 1})
    drain()
    first = receiver.received[0]
    assert len(first.headers["webhook-signature"].split(" ")) == 2
    assert _verify(old, first)["data"] == {"n": 1}
    assert _verify(new, first)["data"] == {"n": 1}

    Endpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    services.emit(tenant_id=tenant.id, event_type="call.ringing", data={"n": 2})
    drain()
    second = receiver.received[1]
    assert len(second.headers["webhook-signature"].split(" ")) == 1
    assert _verify(new, second)["data"] == {"n": 2}
    with pytest.raises(WebhookVerificationError):
        _verify(old, second)


def test_a_failed_attempt_is_retried_with_the_same_webhook_id(tenant, actor, receiver):
    _endpoint(tenant, actor, receiver.url)
    receiver.script = [Answer(500, body=b"boom"), Answer(503, body=b"later")]
    [message] = services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})

    assert drain() == ["failed", "failed", "succeeded"]

    assert [r.headers["webhook-id"] for r in receiver.received] == [message.webhook_id] * 3
    attempts = list(message.attempts.order_by("number"))
    assert [(a.number, a.status, a.http_status, a.response) for a in attempts] == [
        (1, "failed", 500, "boom"),
        (2, "failed", 503, "later"),
        (3, "succeeded", 200, "ok"),
    ]
    assert attempts[0].error == "HTTP 500"
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    endpoint = message.endpoint
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.last_error == ""


def test_a_redirect_is_a_failure_and_is_not_followed(tenant, actor, receiver):
    _endpoint(tenant, actor, receiver.url)
    receiver.script = [Answer(302, headers={"Location": receiver.url + "/elsewhere"})]
    [message] = services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    claimed = claim(10)
    assert [deliver(*c) for c in claimed] == ["failed"]
    assert [r.path for r in receiver.received] == ["/hooks"]
    [first, retry] = message.attempts.order_by("number")
    assert first.http_status == 302 and "Redirect" in first.error
    assert retry.status == Attempt.Status.PENDING


def test_410_disables_the_endpoint_at_once_and_tells_the_admins(
    tenant, actor, admin_user, receiver, smtp_inbox, django_capture_on_commit_callbacks
):
    endpoint, _ = _endpoint(tenant, actor, receiver.url)
    receiver.default = Answer(410, body=b"gone")
    [message] = services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})

    with django_capture_on_commit_callbacks(execute=True):
        assert drain() == ["failed"]

    endpoint.refresh_from_db()
    assert not endpoint.enabled and "410" in endpoint.disabled_reason
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.attempts.count() == 1  # no retry
    assert AuditEntry.objects.filter(
        action="webhook_endpoint.disabled", actor_type="system"
    ).exists()
    assert [rcpts for rcpts, _ in smtp_inbox.received] == [[admin_user.email]]
    assert "disabled" in smtp_inbox.subjects()[0]
    # A disabled endpoint gets no new messages.
    assert services.emit(tenant_id=tenant.id, event_type="call.ringing", data={}) == []


def test_an_endpoint_failing_for_five_days_is_disabled(
    tenant, actor, admin_user, receiver, smtp_inbox, django_capture_on_commit_callbacks
):
    endpoint, _ = _endpoint(tenant, actor, receiver.url)
    Endpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(days=5, minutes=1)
    )
    receiver.default = Answer(500)
    services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    with django_capture_on_commit_callbacks(execute=True):
        assert drain() == ["failed"]
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "5 days" in endpoint.disabled_reason
    assert len(smtp_inbox.received) == 1


def test_failing_for_less_than_five_days_keeps_retrying(tenant, actor, receiver):
    endpoint, _ = _endpoint(tenant, actor, receiver.url)
    Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=4))
    receiver.script = [Answer(500)]
    services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    assert drain() == ["failed", "succeeded"]
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.failing_since is None


def test_the_last_attempt_fails_the_message_and_resend_and_recover_send_it_again(
    tenant, actor, receiver, settings
):
    settings.WEBHOOK_RETRY_SCALE = 0.000001  # the whole three days in a fraction of a second
    _endpoint(tenant, actor, receiver.url)
    receiver.default = Answer(500)
    [message] = services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    assert drain(rounds=200) == ["failed"] * 10  # the whole schedule: 10 attempts
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED

    receiver.default = Answer(200)
    services.message_resend(message=message, actor=actor)
    assert drain() == ["succeeded"]
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED

    Message.objects.filter(pk=message.pk).update(status=Message.Status.FAILED)
    count = services.messages_recover(
        endpoint=message.endpoint, since=timezone.now() - timedelta(hours=1), actor=actor
    )
    assert count == 1
    assert drain() == ["succeeded"]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


def test_the_schedule_jitter_and_retry_after(settings):
    settings.WEBHOOK_RETRY_SCALE = 1.0
    expected = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
    for number, base in enumerate(expected, start=1):
        for _ in range(20):
            assert base * 0.8 <= next_delay(number) <= base * 1.2
    assert next_delay(10) is None  # ten attempts in all
    # Retry-After puts the next attempt off (within 24 h), never brings it forward.
    assert next_delay(1, retry_after=120) == 120
    assert 4 <= next_delay(1, retry_after=1) <= 6
    assert next_delay(1, retry_after=10**9) == 24 * 3600
    settings.WEBHOOK_RETRY_SCALE = 0.01
    assert 0.04 <= next_delay(1) <= 0.06


def test_retry_after_from_the_receiver_sets_the_next_attempt(tenant, actor, receiver, settings):
    settings.WEBHOOK_RETRY_SCALE = 1.0
    _endpoint(tenant, actor, receiver.url)
    receiver.script = [Answer(429, headers={"Retry-After": "600"})]
    [message] = services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    before = timezone.now()
    [deliver(*c) for c in claim(10)]
    retry = message.attempts.get(number=2)
    assert timedelta(seconds=599) <= retry.due_at - before <= timedelta(seconds=601)


def test_a_lease_keeps_an_attempt_from_a_second_worker_until_it_lapses(
    tenant, actor, receiver, settings
):
    _endpoint(tenant, actor, receiver.url)
    [message] = services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    [(attempt_id, first_token)] = claim(10)
    assert claim(10) == []  # held
    # The first worker dies; its lease lapses; another worker takes the attempt over.
    Attempt.objects.filter(pk=attempt_id).update(lease_until=timezone.now() - timedelta(seconds=1))
    [(same_id, second_token)] = claim(10)
    assert same_id == attempt_id and second_token != first_token
    assert deliver(same_id, second_token) == "succeeded"
    # The first worker, were it only slow, cannot record over it.
    attempt = Attempt.objects.get(pk=attempt_id)
    from webhooks.worker import Outcome

    assert record_outcome(attempt, first_token, Outcome(ok=False, error="late")) == "lost"
    attempt.refresh_from_db()
    assert attempt.status == "succeeded" and attempt.claims == 2
    assert message.attempts.count() == 1


def test_a_rolled_back_change_leaves_no_message(tenant, actor, receiver):
    _endpoint(tenant, actor, receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
        raise RuntimeError("the change failed")
    assert Message.objects.count() == 0 and Attempt.objects.count() == 0
    assert drain() == []
    assert receiver.received == []


def test_subscriptions_disabled_endpoints_and_other_tenants(tenant, other_tenant, actor, receiver):
    only_doors, _ = _endpoint(
        tenant, actor, receiver.url + "?doors", event_types=["door_open.executed"]
    )
    everything, _ = _endpoint(tenant, actor, receiver.url + "?all")
    off, _ = _endpoint(tenant, actor, receiver.url + "?off")
    services.endpoint_disable(endpoint=off, actor=actor)
    stranger, _ = _endpoint(other_tenant, actor, receiver.url + "?stranger")

    messages = services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    assert [m.endpoint for m in messages] == [everything]
    messages = services.emit(tenant_id=tenant.id, event_type="door_open.executed", data={})
    assert {m.endpoint for m in messages} == {only_doors, everything}
    drain()
    assert sorted(r.path for r in receiver.received) == ["/hooks?all", "/hooks?all", "/hooks?doors"]


def test_a_test_event_goes_to_its_endpoint_whatever_it_subscribes_to(tenant, actor, receiver):
    endpoint, secret = _endpoint(tenant, actor, receiver.url, event_types=["call.ended"])
    services.endpoint_send_test(endpoint=endpoint, actor=actor)
    drain()
    payload = _verify(secret, receiver.received[0])
    assert payload["type"] == "webhook.test"
    assert payload["data"]["endpoint_id"] == str(endpoint.id)


def test_at_most_ten_endpoints_and_bad_input_changes_nothing(tenant, actor):
    from django.core.exceptions import ValidationError

    from webhooks.services import EndpointLimitReached

    for i in range(10):
        _endpoint(tenant, actor, f"https://hooks.example.com/{i}")
    with pytest.raises(EndpointLimitReached, match="at most 10"):
        _endpoint(tenant, actor, "https://hooks.example.com/11")
    for url, field in [
        ("ftp://hooks.example.com/", "url"),
        ("https://user:pw@hooks.example.com/", "url"),
        ("https://10.0.0.1/", "url"),
        ("https://[::1]/", "url"),
        ("not a url", "url"),
        ("", "url"),
    ]:
        with pytest.raises(ValidationError) as caught:
            _endpoint(tenant, actor, url)
        assert field in caught.value.message_dict, url
    with pytest.raises(ValidationError) as caught:
        services.endpoint_update(
            endpoint=Endpoint.objects.first(), actor=actor, event_types=["door.nope"]
        )
    assert "event_types" in caught.value.message_dict
    assert Endpoint.objects.count() == 10


def test_http_urls_are_refused_when_https_is_on(tenant, actor, settings):
    from django.core.exceptions import ValidationError

    settings.HTTPS = True
    with pytest.raises(ValidationError, match="https://"):
        _endpoint(tenant, actor, "http://hooks.example.com/")
    endpoint, _ = _endpoint(tenant, actor, "https://hooks.example.com/")
    assert endpoint.url == "https://hooks.example.com/"


def test_messages_older_than_30_days_are_purged(tenant, actor, receiver):
    _endpoint(tenant, actor, receiver.url)
    [old] = services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    [new] = services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert services.purge_old_messages() == 1
    assert list(Message.objects.all()) == [new]
    assert Attempt.objects.filter(message_id=old.pk).count() == 0


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_never_pass_ten_endpoints(tenant, actor):
    from tests.helpers import at_once
    from webhooks.services import EndpointLimitReached

    for i in range(9):
        _endpoint(tenant, actor, f"https://hooks.example.com/{i}")

    def create(index: int) -> str:
        try:
            _endpoint(tenant, actor, f"https://hooks.example.com/racer-{index}")
        except EndpointLimitReached:
            return "limit"
        return "created"

    assert at_once(6, create) == ["created"] + ["limit"] * 5
    assert Endpoint.objects.filter(tenant=tenant).count() == 10


def test_an_endpoint_deleted_mid_delivery_is_not_sent_to(tenant, actor, receiver):
    endpoint, _ = _endpoint(tenant, actor, receiver.url)
    services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    [claimed] = claim(10)
    services.endpoint_delete(endpoint=endpoint, actor=actor)
    assert deliver(*claimed) == "lost"
    assert receiver.received == []
    assert Message.objects.count() == 0


def test_every_audited_webhook_action_is_in_the_api_enum():
    import re
    from pathlib import Path

    source = (Path(services.__file__)).read_text()
    actions = set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', source))
    assert len(actions) == 10
    assert actions <= set(AuditEntry.Action.values), actions - set(AuditEntry.Action.values)


def test_after_a_secret_key_change_a_rotation_signs_with_the_new_secret_alone(
    tenant, actor, receiver, settings
):
    endpoint, _ = _endpoint(tenant, actor, receiver.url)
    settings.SECRET_KEY = "a-new-secret-key-for-this-deployment-0123456789"
    new = services.endpoint_rotate_secret(endpoint=endpoint, actor=actor)
    services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    assert drain() == ["succeeded"]
    got = receiver.received[0]
    assert len(got.headers["webhook-signature"].split(" ")) == 1
    assert _verify(new, got)["type"] == "call.ringing"
