"""Expiry notices through a real SMTP server (aiosmtpd) started by the test: 20, 7 and 1 days
before and once expired, each once per secret, also when two runs go in parallel."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apisecrets.models import ApiSecret, ExpiryNotice
from apisecrets.notices import send_expiry_notices
from tenants.models import User
from tests.conftest import needs
from tests.factories import make_api_secret


@pytest.fixture(autouse=True)
def _portal_url(settings):
    settings.PORTAL_URL = "https://portal.example"


def _expiring_in(tenant, name: str, delta: timedelta) -> ApiSecret:
    secret, _ = make_api_secret(tenant, name=name)
    ApiSecret.objects.filter(pk=secret.pk).update(expires_at=timezone.now() + delta)
    secret.refresh_from_db()
    return secret


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


@pytest.mark.django_db
def test_each_notice_once_on_its_day(tenant, admin_user, smtp_inbox, time_machine):
    time_machine.move_to("2026-11-28 09:00:00+00:00", tick=False)
    User.objects.create_user(email="second@acme.example", password="x", tenant=tenant)
    User.objects.create_user(
        email="gone@acme.example", password="x", tenant=tenant, is_active=False
    )
    secret = _expiring_in(tenant, "Door app", timedelta(days=25))
    make_api_secret(tenant, name="far")  # 90 days: nothing yet
    start = timezone.now()

    def run_at(offset: timedelta) -> list[str]:
        time_machine.move_to(start + offset, tick=False)
        before = len(smtp_inbox.messages)
        call_command("send_expiry_notices")
        return smtp_inbox.subjects()[before:]

    assert run_at(timedelta(days=4)) == []  # 21 days left
    assert run_at(timedelta(days=5, minutes=1)) == [
        "[CyberGate] API secret “Door app” expires 20 days left"
    ]
    assert run_at(timedelta(days=6)) == []  # already sent
    assert len(run_at(timedelta(days=18, minutes=1))) == 1  # 7 days
    assert run_at(timedelta(days=18, minutes=5)) == []
    assert len(run_at(timedelta(days=24, minutes=1))) == 1  # 1 day
    assert run_at(timedelta(days=25, minutes=1)) == [
        "[CyberGate] API secret “Door app” has expired"
    ]
    assert run_at(timedelta(days=26)) == []
    kinds = sorted(ExpiryNotice.objects.filter(secret=secret).values_list("kind", flat=True))
    assert kinds == ["1d", "20d", "7d", "expired"]
    recipients, message = smtp_inbox.messages[0]
    assert recipients == sorted([admin_user.email, "second@acme.example"])
    body = _body(message)
    assert f"https://portal.example/api-access/{secret.pk}/" in body
    assert secret.expires_at.strftime("%Y-%m-%d %H:%M UTC") in body
    assert "Door app" in body


@pytest.mark.django_db
def test_other_tenants_admins_and_rolled_secrets_get_nothing(
    tenant, other_tenant, admin_user, other_admin_user, smtp_inbox
):
    from apisecrets.services import api_secret_roll
    from audit.services import Actor

    rolled = _expiring_in(tenant, "rolled", timedelta(days=5))
    api_secret_roll(secret=rolled, actor=Actor.system(), overlap="1h")
    _expiring_in(other_tenant, "theirs", timedelta(days=5))
    # The rolled secret gets none; its successor (5-day period, so 10 days) gets its 20-day one.
    assert send_expiry_notices() == 2
    assert not ExpiryNotice.objects.filter(secret=rolled).exists()
    by_recipient = {tuple(r): _body(m) for r, m in smtp_inbox.messages}
    assert "theirs" in by_recipient[(other_admin_user.email,)]
    assert "rolled" in by_recipient[(admin_user.email,)]
    assert "theirs" not in by_recipient[(admin_user.email,)]


@pytest.mark.django_db
def test_long_expired_secrets_get_no_notice(tenant, admin_user, smtp_inbox):
    _expiring_in(tenant, "ancient", -timedelta(days=30))
    assert send_expiry_notices() == 0
    assert smtp_inbox.messages == []


@pytest.mark.django_db
def test_a_failed_send_is_retried_next_run(tenant, admin_user, smtp_inbox, settings):
    _expiring_in(tenant, "soon", timedelta(days=3))
    settings.EMAIL_PORT = 1  # nothing listens there
    with pytest.raises(OSError):
        send_expiry_notices()
    assert not ExpiryNotice.objects.exists()
    settings.EMAIL_PORT = smtp_inbox.port
    assert send_expiry_notices() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_parallel_runs_send_each_notice_exactly_once(tenant, admin_user, smtp_inbox):
    needs(connection.vendor == "postgresql", "SKIP LOCKED needs PostgreSQL")
    for i in range(4):
        _expiring_in(tenant, f"s{i}", timedelta(days=3 + i))
    barrier = threading.Barrier(2)
    outcomes: list = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(send_expiry_notices())
        except Exception as exc:  # reported in the assertion below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(o, int) for o in outcomes) and sum(outcomes) == 4, outcomes
    deadline = time.monotonic() + 5
    while len(smtp_inbox.messages) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert len(smtp_inbox.messages) == 4
    assert sorted(s.split("“")[1].split("”")[0] for s in smtp_inbox.subjects()) == [
        "s0",
        "s1",
        "s2",
        "s3",
    ]
    assert ExpiryNotice.objects.count() == 4


@pytest.mark.django_db
def test_the_expired_notice_says_to_roll(tenant, admin_user, smtp_inbox):
    _expiring_in(tenant, "Door app", -timedelta(hours=1))
    assert send_expiry_notices() == 1
    body = _body(smtp_inbox.messages[0][1])
    assert "Roll it on its page to get a successor" in body
    assert "Create a new secret" not in body
