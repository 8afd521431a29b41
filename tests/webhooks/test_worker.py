"""The worker as it runs: `manage.py run_worker` processes, woken at once by a commit, killed
with SIGKILL mid-delivery (nothing lost), and two racing on PostgreSQL (nothing sent twice)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection

from audit.services import Actor
from tests.conftest import needs
from tests.gateway.servers import ROOT, base_environment, database_url
from tests.webhooks.receiver import Answer
from webhooks import services
from webhooks.models import Attempt, Message
from webhooks.worker import Worker

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def start_worker(log_path, **env: str) -> subprocess.Popen:
    environment = base_environment(
        DATABASE_URL=database_url(connection.settings_dict),
        WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
        WEBHOOK_POLL_SECONDS="0.1",
        WEBHOOK_RETRY_SCALE="0.001",
        **env,
    )
    log = open(log_path, "w")  # noqa: SIM115 - the process owns it
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_until(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_commit_wakes_a_worker_at_once(tenant, receiver, settings):
    settings.WEBHOOK_POLL_SECONDS = 5.0  # the poll alone would be far too slow
    services.endpoint_create(tenant=tenant, actor=Actor.system(), url=receiver.url)
    worker = Worker(threads=2)
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        time.sleep(0.5)  # the worker is idle, waiting
        latencies = []
        for _ in range(5):
            started = time.monotonic()
            services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
            [*_, last] = receiver.wait_for(len(latencies) + 1, timeout=5)
            latencies.append(last.at - started)
    finally:
        worker.stop()
        thread.join(10)
    assert max(latencies) < 1.0, latencies


def test_a_worker_killed_mid_delivery_loses_nothing(tenant, receiver, tmp_path):
    endpoint, _ = services.endpoint_create(tenant=tenant, actor=Actor.system(), url=receiver.url)
    receiver.script = [Answer(200, delay=15)]  # the first delivery hangs: the worker is killed
    [message] = services.emit(tenant_id=tenant.id, event_type="call.ringing", data={})
    first = start_worker(tmp_path / "first.log", WEBHOOK_LEASE_SECONDS="3")
    try:
        assert receiver.wait_for(1, timeout=30), (tmp_path / "first.log").read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    attempt = Attempt.objects.get(message=message)
    assert attempt.status == "pending" and attempt.lease_until is not None

    second = start_worker(tmp_path / "second.log", WEBHOOK_LEASE_SECONDS="3")
    try:
        assert wait_until(
            lambda: Message.objects.get(pk=message.pk).status == Message.Status.DELIVERED
        ), (tmp_path / "second.log").read_text()
    finally:
        second.terminate()
        second.wait(10)
    received = receiver.received
    assert [r.headers["webhook-id"] for r in received] == [message.webhook_id] * 2
    attempt.refresh_from_db()
    assert attempt.claims == 2 and attempt.status == "succeeded"
    assert Attempt.objects.filter(message=message).count() == 1


def test_two_workers_racing_on_postgresql_send_each_message_once(tenant, receiver, tmp_path):
    needs(connection.vendor == "postgresql", "needs PostgreSQL's SKIP LOCKED")
    services.endpoint_create(tenant=tenant, actor=Actor.system(), url=receiver.url)
    receiver.default = Answer(200, delay=0.01)
    count = 200
    for index in range(count):
        services.emit(tenant_id=tenant.id, event_type="call.ringing", data={"n": index})
    workers = [start_worker(tmp_path / f"w{i}.log") for i in range(2)]
    try:
        assert wait_until(
            lambda: Message.objects.filter(status=Message.Status.DELIVERED).count() == count, 120
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(15)
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == count and len(set(ids)) == count
    assert set(Attempt.objects.values_list("claims", flat=True)) == {1}
    logs = [(tmp_path / f"w{i}.log").read_text() for i in range(2)]
    shares = [int(log.rsplit("stopped: ", 1)[1].split()[0]) for log in logs]
    assert sum(shares) == count and min(shares) > 0, shares
