"""Expiry notices through a real SMTP server (aiosmtpd) started by the test: 20, 7 and 1 days
before and once expired, each once per secret and admin, also when two runs go in parallel, and
when the server refuses a mailbox or fails a message: the others go out, the refused one is
tried again after a back-off, nobody gets one twice."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apisecrets.models import ApiSecret, ExpiryNotice
from apisecrets.notices import Outcome, retry_delay, send_expiry_notices
from tenants.models import User
from tests.conftest import needs
from tests.factories import make_admin, make_api_secret, make_tenant


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
    # One email per active admin.
    assert (
        run_at(timedelta(days=5, minutes=1))
        == ["[CyberGate] API secret “Door app” expires 20 days left"] * 2
    )
    assert run_at(timedelta(days=6)) == []  # already sent
    assert len(run_at(timedelta(days=18, minutes=1))) == 2  # 7 days
    assert run_at(timedelta(days=18, minutes=5)) == []
    assert len(run_at(timedelta(days=24, minutes=1))) == 2  # 1 day
    assert (
        run_at(timedelta(days=25, minutes=1))
        == ["[CyberGate] API secret “Door app” has expired"] * 2
    )
    assert run_at(timedelta(days=26)) == []
    kinds = sorted(ExpiryNotice.objects.filter(secret=secret).values_list("kind", flat=True))
    assert kinds == ["1d", "20d", "7d", "expired"]
    assert sorted(r for r, _ in smtp_inbox.messages[:2]) == [
        [admin_user.email],
        ["second@acme.example"],
    ]
    recipients, message = smtp_inbox.messages[0]
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
    assert send_expiry_notices() == Outcome(sent=2)
    assert not ExpiryNotice.objects.filter(secret=rolled).exists()
    by_recipient = {tuple(r): _body(m) for r, m in smtp_inbox.messages}
    assert "theirs" in by_recipient[(other_admin_user.email,)]
    assert "rolled" in by_recipient[(admin_user.email,)]
    assert "theirs" not in by_recipient[(admin_user.email,)]


@pytest.mark.django_db
def test_long_expired_secrets_get_no_notice(tenant, admin_user, smtp_inbox):
    _expiring_in(tenant, "ancient", -timedelta(days=30))
    assert send_expiry_notices() == Outcome()
    assert smtp_inbox.messages == []


@pytest.mark.django_db
def test_an_unreachable_server_is_tried_again_after_a_back_off(
    tenant, admin_user, smtp_inbox, settings, time_machine
):
    time_machine.move_to("2026-11-28 09:00:00+00:00", tick=False)
    secret = _expiring_in(tenant, "soon", timedelta(days=3))
    settings.EMAIL_PORT = 1  # nothing listens there
    assert send_expiry_notices() == Outcome(failed=1)  # no exception: the run goes on
    notice = ExpiryNotice.objects.get(secret=secret)
    assert (notice.recipients, notice.pending, notice.attempts) == ([], [admin_user.email], 1)
    assert notice.last_error.startswith("ConnectionRefusedError")
    settings.EMAIL_PORT = smtp_inbox.port
    assert send_expiry_notices() == Outcome()  # backing off
    time_machine.shift(timedelta(minutes=10))
    assert send_expiry_notices() == Outcome(sent=1)
    assert send_expiry_notices() == Outcome()
    notice.refresh_from_db()
    assert (notice.recipients, notice.pending, notice.next_attempt_at) == (
        [admin_user.email],
        [],
        None,
    )
    assert len(smtp_inbox.messages) == 1


@pytest.mark.django_db
def test_a_refusing_mailbox_or_failing_message_blocks_no_other_notice(
    tenant, other_tenant, admin_user, other_admin_user, smtp_inbox, time_machine, caplog
):
    time_machine.move_to("2026-11-28 09:00:00+00:00", tick=False)
    caplog.set_level(logging.WARNING, logger="apisecrets.notices")
    gone = make_admin(tenant, "gone@acme.example")  # a departed admin, still active
    initech = make_tenant("Initech")
    make_admin(initech, "carol@initech.example")
    smtp_inbox.refuse.add(gone.email)  # 550 at RCPT TO
    smtp_inbox.fail_data.add("carol@initech.example")  # 451 for the whole message
    for owner in (tenant, other_tenant, initech):
        _expiring_in(owner, f"{owner.name} door", timedelta(days=3))

    out = StringIO()
    call_command("send_expiry_notices", stdout=out)
    assert out.getvalue() == (
        "2 expiry notice email(s) sent. 2 refused or failed: tried again by a later run.\n"
    )
    # Everyone the server accepted got theirs, whatever the order of the secrets.
    assert sorted(r for r, _ in smtp_inbox.messages) == [
        [admin_user.email],
        [other_admin_user.email],
    ]
    acme = ExpiryNotice.objects.get(secret__tenant=tenant)
    assert (acme.recipients, acme.pending) == ([admin_user.email], [gone.email])
    assert acme.last_error == "550 5.1.1 Mailbox unavailable"
    assert acme.next_attempt_at == timezone.now() + timedelta(minutes=10)
    carol = ExpiryNotice.objects.get(secret__tenant=initech)
    assert (carol.recipients, carol.pending) == ([], ["carol@initech.example"])
    assert carol.last_error.startswith("451 4.3.0")
    # Each failed delivery is logged, with the server's answer.
    failures = [r.msg for r in caplog.records if r.name == "apisecrets.notices"]
    assert sorted((f["event"], f["recipient"], f["error"][:3]) for f in failures) == [
        ("expiry_notice_failed", "carol@initech.example", "451"),
        ("expiry_notice_failed", gone.email, "550"),
    ]

    # Runs within the back-off try nothing; the mailbox and the server mend meanwhile.
    time_machine.shift(timedelta(minutes=9))
    assert send_expiry_notices() == Outcome()
    smtp_inbox.refuse.clear()
    smtp_inbox.fail_data.clear()
    time_machine.shift(timedelta(minutes=1))
    assert send_expiry_notices() == Outcome(sent=2)
    time_machine.shift(timedelta(days=1))
    assert send_expiry_notices() == Outcome()
    # Nobody got anything twice.
    received = Counter(r[0] for r, _ in smtp_inbox.messages)
    assert received == {
        admin_user.email: 1,
        other_admin_user.email: 1,
        gone.email: 1,
        "carol@initech.example": 1,
    }
    assert not ExpiryNotice.objects.exclude(pending=[]).exists()


@pytest.mark.django_db
def test_a_refused_mailbox_is_retried_with_a_growing_back_off_until_deactivated(
    tenant, admin_user, smtp_inbox, time_machine
):
    time_machine.move_to("2026-11-28 09:00:00+00:00", tick=False)
    start = timezone.now()
    gone = make_admin(tenant, "gone@acme.example")
    smtp_inbox.refuse.add(gone.email)
    secret = _expiring_in(tenant, "soon", timedelta(days=5))
    tries = []
    for minutes in range(0, 80):
        time_machine.move_to(start + timedelta(minutes=minutes), tick=False)
        if send_expiry_notices().failed:
            tries.append(minutes)
    assert tries == [0, 10, 30, 70]  # 10, 20, 40 minutes apart
    notice = ExpiryNotice.objects.get(secret=secret)
    assert (notice.attempts, notice.recipients) == (4, [admin_user.email])
    # Support deactivates the departed admin: their address is not tried again.
    User.objects.filter(pk=gone.pk).update(is_active=False)
    time_machine.move_to(start + timedelta(hours=3), tick=False)
    assert send_expiry_notices() == Outcome()
    notice.refresh_from_db()
    assert (notice.pending, notice.next_attempt_at) == ([], None)
    assert [r for r, _ in smtp_inbox.messages] == [[admin_user.email]]


def test_the_back_off_doubles_up_to_twelve_hours():
    assert [retry_delay(n) for n in (1, 2, 3)] == [
        timedelta(minutes=10),
        timedelta(minutes=20),
        timedelta(minutes=40),
    ]
    assert retry_delay(7) == timedelta(minutes=640)
    assert retry_delay(8) == retry_delay(50) == timedelta(hours=12)


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
            outcomes.append(send_expiry_notices().sent)
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
    assert send_expiry_notices() == Outcome(sent=1)
    body = _body(smtp_inbox.messages[0][1])
    assert "Roll it on its page to get a successor" in body
    assert "Create a new secret" not in body
