"""The worker pool's /metrics: `run_worker --metrics-port N` (and `send_expiry_notices --loop
--metrics-port N`) serves its counts, to the token only (a stranger gets 404)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import make_admin, make_api_secret
from tests.gateway.servers import ROOT, base_environment, database_url, free_port

TOKEN = "worker-metrics-token-0123456789abcdef"


@pytest.mark.slow  # a new process
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "command",
    [["run_worker"], ["send_expiry_notices", "--loop", "--interval", "60"]],
    ids=["run_worker", "send_expiry_notices"],
)
def test_the_worker_serves_its_counts_to_the_token_only(tenant, command):
    make_admin(tenant)
    make_api_secret(tenant, "soon", expires_in=timedelta(hours=20))
    port = free_port()
    env = base_environment(
        DATABASE_URL=database_url(settings.DATABASES["default"]),
        METRICS_TOKEN=TOKEN,
        EMAIL_URL="dummymail://",
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            *command,
            "--metrics-port",
            str(port),
            "--metrics-address",
            "127.0.0.1",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert worker.poll() is None, worker.stdout.read() if worker.stdout else ""
            try:
                answer = httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
                sent = {
                    tuple(sample.labels.items()): sample.value
                    for family in text_string_to_metric_families(answer.text)
                    for sample in family.samples
                    if sample.name == "cybergate_expiry_notices_total"
                }
                if sent:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "no metrics from the worker"
            time.sleep(0.2)
        assert answer.status_code == 200
        assert sent == {(("outcome", "sent"),): 1.0}

        for headers in ({}, {"Authorization": "Bearer wrong"}):
            refused = httpx.get(url, headers=headers, timeout=5)
            assert refused.status_code == 404 and "cybergate_" not in refused.text
        assert httpx.get(f"http://127.0.0.1:{port}/other", timeout=5).status_code == 404
    finally:
        worker.terminate()
        worker.wait(timeout=10)


def test_metrics_port_needs_loop():
    with pytest.raises(CommandError, match="--metrics-port needs --loop"):
        call_command("send_expiry_notices", "--metrics-port", "9100")
