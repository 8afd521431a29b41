"""Webhook metrics: attempts by outcome, event → first attempt, endpoints disabled, and the due
backlog with the age of its oldest attempt (read when /metrics is scraped)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tests.webhooks.helpers import drain
from tests.webhooks.receiver import Answer
from webhooks import services
from webhooks.models import Attempt

pytestmark = pytest.mark.django_db


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def metrics_client(client, settings):
    settings.METRICS_ALLOWED = ["127.0.0.0/8"]
    return client


def test_attempts_first_attempt_latency_and_disabled_endpoints(
    metrics_client, tenant, actor, receiver
):
    services.endpoint_create(tenant=tenant, actor=actor, url=receiver.url)
    receiver.script = [Answer(500, body=b"boom")]
    before = scrape(metrics_client)
    services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    assert drain() == ["failed", "succeeded"]
    receiver.default = Answer(410, body=b"gone")
    services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    assert drain() == ["failed"]
    after = scrape(metrics_client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("cybergate_webhook_attempts_total", outcome="succeeded") == 1
    assert delta("cybergate_webhook_attempts_total", outcome="failed") == 2
    assert delta("cybergate_webhook_event_to_first_attempt_seconds_count") == 2  # not retries
    assert delta("cybergate_webhook_endpoints_disabled_total") == 1
    assert str(tenant.id) not in metrics_client.get("/metrics").content.decode()


def test_the_due_backlog_and_its_oldest_attempt(metrics_client, tenant, other_tenant, actor):
    assert value(scrape(metrics_client), "cybergate_webhook_due") == 0
    for owner in (tenant, other_tenant):  # every tenant's backlog together
        services.endpoint_create(tenant=owner, actor=actor, url="https://hooks.example/in")
        services.emit(tenant_id=owner.id, event_type="call.ringing", data={})
    Attempt.objects.filter(message__endpoint__tenant=tenant).update(
        due_at=timezone.now() - timedelta(minutes=6)
    )
    Attempt.objects.filter(message__endpoint__tenant=other_tenant).update(
        due_at=timezone.now() + timedelta(minutes=1)  # not due yet
    )

    samples = scrape(metrics_client)

    assert value(samples, "cybergate_webhook_due") == 1
    assert 360 <= value(samples, "cybergate_webhook_oldest_due_age_seconds") < 420
