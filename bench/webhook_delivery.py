"""Benchmark: webhook delivery (README "Webhooks"), against a local receiver in this process.

Runs `manage.py run_worker` processes as in production (DEBUG off, PostgreSQL: SKIP LOCKED
claims and LISTEN/NOTIFY wake-ups) and prints:

1. latency — the commit of a door-open outcome (a device's ack, through devices.services) → the
   receiver's first byte of its `door_open.executed`, over BENCH_TRIES tries, one worker:
   p50/p95/p99. Target p95 ≤ 1 s; goal ≤ 100 ms.
2. throughput — BENCH_MESSAGES messages queued while no worker runs, then delivered by 1 and by
   2 worker processes: deliveries per second (first to last receipt).
3. a receiver failing half its answers at random (500), retry schedule shortened
   (WEBHOOK_RETRY_SCALE=BENCH_SCALE): messages delivered / queued, attempts per message.
4. BENCH_MESSAGES messages while one of 2 workers is SIGKILLed BENCH_KILLS times (and started
   again; leases of 2 s): messages lost (never delivered) and duplicates (receipts beyond one
   per message).

    .venv/bin/python bench/webhook_delivery.py
    BENCH_TRIES=200 BENCH_MESSAGES=2000 .venv/bin/python bench/webhook_delivery.py
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cybergate_bench_webhooks"
)
TRIES = int(os.environ.get("BENCH_TRIES", "100"))
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "1000"))
KILLS = int(os.environ.get("BENCH_KILLS", "10"))
SCALE = os.environ.get("BENCH_SCALE", "0.0001")
ALLOWED = "127.0.0.0/8"

os.environ.update(
    DATABASE_URL=DATABASE_URL,
    DJANGO_SETTINGS_MODULE="cybergate.settings",
    WEBHOOK_ALLOWED_NETWORKS=ALLOWED,
    DEBUG="false",
)
sys.path.insert(0, str(ROOT))


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


class Receiver:
    """Records (monotonic time of the request, webhook-id, body) and answers 200, or 500 with
    probability `fail_rate`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[float, str, bytes, int]] = []
        self.fail_rate = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                at = time.monotonic()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = 500 if random.random() < receiver.fail_rate else 200
                with receiver.lock:
                    receiver.received.append((at, self.headers["webhook-id"], body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self, fail_rate: float = 0.0) -> None:
        with self.lock:
            self.received = []
            self.fail_rate = fail_rate

    def snapshot(self) -> list[tuple[float, str, bytes, int]]:
        with self.lock:
            return list(self.received)


def start_worker(index: int, **env: str) -> subprocess.Popen:
    environment = dict(os.environ, WEBHOOK_POLL_SECONDS="1", **env)
    log = open(f"/tmp/bench-webhooks-worker-{index}.log", "a")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in workers:
        worker.wait(30)


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    ensure_database(DATABASE_URL)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True
    )
    import django

    django.setup()
    from django.db import transaction

    from audit.services import Actor
    from callgroups.models import CallGroup, CallGroupMember, TeamsUser
    from devices import services as devices
    from devices.models import Device
    from tenants.models import Tenant
    from webhooks import services
    from webhooks.models import Endpoint, Message

    receiver = Receiver()
    suffix = str(int(time.time()))
    tenant = Tenant.objects.create(name=f"Bench webhooks {suffix}", domain=f"b{suffix}.example")
    user = TeamsUser.objects.create(
        tenant=tenant, upn=f"anna@b{suffix}.example", object_id=uuid.uuid4()
    )
    group = CallGroup.objects.create(tenant=tenant, name="reception")
    CallGroupMember.objects.create(call_group=group, user=user, position=1)
    device = Device.objects.create(
        tenant=tenant, name="Front", sip_uri=f"sip:front@b{suffix}.example", door_open_code="*1#"
    )
    endpoint, _ = services.endpoint_create(
        tenant=tenant,
        actor=Actor.system(),
        url=receiver.url,
        event_types=["door_open.executed", "webhook.test"],
    )

    # 1. Latency: commit of a door-open outcome → the receiver's first byte.
    workers = [start_worker(0)]
    time.sleep(3)
    latencies = []
    for _ in range(TRIES):
        call = devices.call_start(device=device, call_group=group, caller="bench")
        devices.call_answer(call=call, user=user)
        command = devices.door_open_request(
            tenant=user.tenant, user_ref=user.upn, actor=Actor.system()
        )
        devices.commands_claim(device=device)
        before = len(receiver.snapshot())
        devices.command_ack(device=device, command_id=command.id, result="executed")
        committed = time.monotonic()
        if wait_for(lambda b=before: len(receiver.snapshot()) > b, 10):
            latencies.append((receiver.snapshot()[before][0] - committed) * 1000)
        devices.call_end(call=call)
    stop(workers)
    print(
        f"1. commit → first byte, {len(latencies)}/{TRIES} delivered: "
        f"p50 {percentile(latencies, 50):.1f} ms, p95 {percentile(latencies, 95):.1f} ms, "
        f"p99 {percentile(latencies, 99):.1f} ms"
    )

    def queue(count: int) -> set[str]:
        ids = set()
        with transaction.atomic():
            for _ in range(count):
                ids.add(
                    services.endpoint_send_test(endpoint=endpoint, actor=Actor.system()).webhook_id
                )
        return ids

    # 2. Throughput with 1 and 2 workers.
    for count in (1, 2):
        receiver.reset()
        queue(MESSAGES)
        workers = [start_worker(i) for i in range(count)]
        ok = wait_for(lambda: len(receiver.snapshot()) >= MESSAGES, 600)
        stop(workers)
        got = receiver.snapshot()
        span = got[-1][0] - got[0][0] if len(got) > 1 else float("nan")
        print(
            f"2. {count} worker(s): {len(got)}/{MESSAGES} delivered in {span:.1f} s: "
            f"{len(got) / span:.0f} deliveries/s{'' if ok else ' (timed out)'}"
        )

    # 3. Half the answers fail.
    receiver.reset(fail_rate=0.5)
    ids = queue(MESSAGES // 5)
    workers = [start_worker(i, WEBHOOK_RETRY_SCALE=SCALE) for i in range(2)]

    def settled() -> bool:
        return not Message.objects.filter(endpoint=endpoint, status="pending").exists()

    wait_for(settled, 900)
    stop(workers)
    got = receiver.snapshot()
    delivered = {wid for _, wid, _, status in got if status == 200} & ids
    failed = Message.objects.filter(endpoint=endpoint, status="failed").count()
    print(
        f"3. receiver failing 50%: {len(delivered)}/{len(ids)} delivered, {failed} gave up, "
        f"{len(got) / len(ids):.2f} attempts per message (WEBHOOK_RETRY_SCALE={SCALE})"
    )

    # 4. SIGKILL a worker BENCH_KILLS times during a run.
    Endpoint.objects.filter(pk=endpoint.pk).update(enabled=True, failing_since=None)
    receiver.reset()
    ids = queue(MESSAGES)
    env = {"WEBHOOK_LEASE_SECONDS": "2"}
    workers = [start_worker(i, **env) for i in range(2)]
    for kill in range(KILLS):
        wait_for(lambda k=kill: len(receiver.snapshot()) >= (k + 1) * MESSAGES // (KILLS + 2), 120)
        victim = workers[kill % 2]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        workers[kill % 2] = start_worker(kill % 2, **env)
    wait_for(lambda: {wid for _, wid, _, _ in receiver.snapshot()} >= ids, 600)
    stop(workers)
    got_ids = [wid for _, wid, _, _ in receiver.snapshot()]
    lost = len(ids - set(got_ids))
    print(
        f"4. {KILLS} SIGKILLs during {MESSAGES} messages: {lost} lost, "
        f"{len(got_ids) - len(set(got_ids))} duplicates"
    )


if __name__ == "__main__":
    main()
