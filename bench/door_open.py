"""Benchmark: door-open delivery latency, and idle long-polls held by one worker (SPEC §4).

Runs the production setup (README "Deploying"): the web pool — gunicorn `gthread` workers
(WSGI) serving the customer API — and the gateway pool — gunicorn with uvicorn workers (ASGI)
serving `/device-api/` —, DEBUG off, PostgreSQL, Redis pub/sub wake-ups when Redis answers
(else the database poll). The command always crosses processes: it is issued in a web
worker and delivered by a gateway worker. Prints:

1. delivery latency — `POST /api/v1/active-calls/{user}/door-open` sent → the device's waiting
   `GET /device-api/v1/commands?wait=30` answered with that command — over BENCH_TRIES tries,
   2 web and 2 gateway worker processes: p50/p95/p99. Target p95 ≤ 100 ms; aim ≤ 20 ms.
2. the same with BENCH_IDLE (default 1000) other devices holding long-polls on ONE gateway
   worker process, plus that worker's memory per waiting poll (RSS delta / N), threads and
   database connections.

    .venv/bin/python bench/door_open.py
    BENCH_TRIES=300 BENCH_IDLE=2000 .venv/bin/python bench/door_open.py
    BENCH_REDIS_URL= .venv/bin/python bench/door_open.py        # the database poll instead
    BENCH_IDLE=3000 BENCH_LIMIT=2000 .venv/bin/python bench/door_open.py   # the overload case

With BENCH_LIMIT the one gateway process runs with GATEWAY_MAX_WAITING=BENCH_LIMIT: the idle
devices past it are refused (503 `gateway_busy`, timed) and come back after Retry-After, as the
device simulator does. Every phase also prints delivered/total (a try waits at most 10 s for its
command instead of aborting the run), the longest event-loop stall of the gateway process (its
GATEWAY_LOOP_PROBE, read from /readyz) and its CPU time per idle poll answered.
BENCH_SKIP_SPREAD=1 skips the 2+2 workers phase.

Metrics on against off (README "Metrics"; target: within 3 %): BENCH_METRICS=compare runs
two such 2+2 setups side by side instead, one with metrics on as deployed (Prometheus
multiprocess mode, deploy/gunicorn.conf.py) and one with METRICS_ENABLED=false, and measures
BENCH_ROUNDS alternating rounds of BENCH_TRIES / BENCH_ROUNDS door-opens on each.

The client is a small raw-asyncio HTTP/1.1 client in this process (httpx would cost more CPU
than the server on a 2-core machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cybergate_bench_gateway"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
TRIES = int(os.environ.get("BENCH_TRIES", "200"))
IDLE = int(os.environ.get("BENCH_IDLE", "1000"))
POOL_SIZE = os.environ.get("BENCH_POOL_SIZE", "10")
# Idle devices start over this many seconds, as real ones do (they poll with wait=30, so this
# spreads their re-polls evenly). 0 starts them all at once: a re-poll storm every 30 s.
RAMP_SECONDS = float(os.environ.get("BENCH_RAMP_SECONDS", "30"))
LIMIT = int(os.environ.get("BENCH_LIMIT", "0"))  # GATEWAY_MAX_WAITING of the one-process phase
SKIP_SPREAD = os.environ.get("BENCH_SKIP_SPREAD", "") not in ("", "0")
COMPARE_METRICS = os.environ.get("BENCH_METRICS", "") == "compare"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
BASELINE = os.environ.get("BENCH_BASELINE", "")  # another checkout, run side by side
# The many-process phase (skipped with 0): gateway worker processes, load-generator processes
# (each from its own loopback address) and the gateway's soft open-file limit (0: this one's).
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "0"))
LOADERS = int(os.environ.get("BENCH_LOADERS", "2"))
GATEWAY_NOFILE = int(os.environ.get("BENCH_GATEWAY_NOFILE", "0"))
DELIVERY_TIMEOUT = 10.0


# --- setup ------------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def redis_ok(url: str) -> bool:
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def server_env(redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        DATABASE_URL=DATABASE_URL,
        DATABASE_POOL_SIZE=POOL_SIZE,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        API_RATE_LIMIT="1000000/min",
        GATEWAY_WAKEUP_CHANNEL=f"cg_bench_{uuid.uuid4().hex[:8]}",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="cybergate.settings",
        GATEWAY_LOOP_PROBE="true",
        GATEWAY_MAX_WAITING=str(max(5000, IDLE * 2)),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


SETUP = r"""
import json, sys, django
django.setup()
from cybergate.lib import tokens
from apisecrets.services import api_secret_create
from audit.services import Actor
from callgroups.models import CallGroup, CallGroupMember, TeamsUser
from devices import services
from devices.models import Device
from tenants.models import Tenant
import uuid

idle = int(sys.argv[1])
tag = uuid.uuid4().hex[:8]
tenant = Tenant.objects.create(name=f"Bench {tag}", domain="bench.example", api_access_enabled=True)
_, secret = api_secret_create(tenant=tenant, actor=Actor.system(), name="bench", validity_days=10)
user = TeamsUser.objects.create(tenant=tenant, upn=f"door-{tag}@bench.example",
                                object_id=uuid.uuid4(), display_name="Door opener")
group = CallGroup.objects.create(tenant=tenant, name="Bench")
CallGroupMember.objects.create(call_group=group, user=user, position=1)
device = Device.objects.create(tenant=tenant, name="Bench door", sip_uri="sip:d@x",
                               door_open_code="#1")
credential = services.device_credential_rotate(device)
call = services.call_start(device=device, call_group=group, caller="bench")
services.call_answer(call=call, user=user)
# Idle devices: credentials straight into the table (no audit entry per bench device).
idle_credentials, rows = [], []
for i in range(idle):
    value = tokens.generate(tokens.DEVICE_CREDENTIAL_PREFIX)
    idle_credentials.append(value)
    rows.append(Device(tenant=tenant, name=f"Idle {i}", sip_uri=f"sip:idle{i}@x",
                       credential_prefix=value[:8],
                       credential_hash=services.hash_device_credential(value)))
Device.objects.bulk_create(rows, batch_size=1000)
print(json.dumps({"secret": secret, "upn": user.upn, "credential": credential,
                  "idle": idle_credentials}))
"""


def prepare(env: dict[str, str]) -> dict:
    ensure_database(DATABASE_URL)
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    out = subprocess.run(
        [PYTHON, "-c", SETUP, str(IDLE)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


POOLS = {
    # The commands of README "Deploying".
    "web": ["cybergate.wsgi:application", "-c", "deploy/gunicorn.conf.py", "-k", "gthread",
            "--threads", "4"],
    "gateway": ["cybergate.asgi:application", "-c", "deploy/gunicorn.conf.py", "-k",
                "gateway.workers.UvicornWorker"],
}  # fmt: skip


def start_gunicorn(
    env: dict[str, str], workers: int, pool: str, root: Path = ROOT, nofile: int = 0
) -> tuple[subprocess.Popen, int]:
    """Start a pool; with `nofile`, under that soft open-file limit."""
    port = free_port()
    limit = (
        ["-c", f"import os, resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, ({nofile}, "
         "resource.getrlimit(resource.RLIMIT_NOFILE)[1])); "
         "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"]
        if nofile
        else []
    )  # fmt: skip
    arguments = POOLS[pool]
    if pool == "web":  # as deployed: persistent connections, no pool (README "Deploying")
        env = {name: value for name, value in env.items() if name != "DATABASE_POOL_SIZE"}
    if not (root / "gateway" / "workers.py").exists():  # a checkout from before the worker moved
        arguments = [a.replace("gateway.workers", "cybergate.workers") for a in arguments]
    process = subprocess.Popen(
        [
            PYTHON,
            *limit,
            "-m",
            "gunicorn",
            *arguments,
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            # Both pools run at once: gunicorn's default control socket would be shared.
            "--no-control-socket",
        ],
        cwd=root,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not come up")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def db_connections() -> int:
    import psycopg

    name = urlparse(DATABASE_URL).path.lstrip("/")
    admin = urlparse(DATABASE_URL)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchone()
        assert row is not None
        return row[0]


# --- a minimal keep-alive HTTP/1.1 client ------------------------------------------------------


class Connection:
    def __init__(self, port: int, authorization: str, source: str | None = None) -> None:
        self.port = port
        self.authorization = authorization
        self.source = source  # a loopback address of its own (127.0.0.x), e.g. for rate limits
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", authorization: str | None = None
    ) -> tuple[int, bytes]:
        content_type = "Content-Type: application/json\r\n" if body else ""
        authorization = authorization or self.authorization
        for attempt in range(2):  # the server may have closed an idle keep-alive connection
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(
                    "127.0.0.1", self.port, local_addr=(self.source, 0) if self.source else None
                )
            assert self.reader is not None  # opened with the writer
            try:
                self.writer.write(
                    f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Authorization: Bearer {authorization}\r\n{content_type}"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                head = await self.reader.readuntil(b"\r\n\r\n")
                break
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt:
                    raise
        status = int(head.split(b" ", 2)[1])
        length = 0
        closing = False
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
            closing = closing or line.lower() == b"connection: close"
        assert self.reader is not None
        body = await self.reader.readexactly(length)
        if closing:  # the server closes it (a refused poll): the next request opens another
            self.close()
            self.writer = None
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def timed_poll(device: Connection) -> tuple[float, int, bytes]:
    status, body = await device.request("GET", "/device-api/v1/commands?wait=30")
    return time.perf_counter(), status, body


async def parked_poll(device: Connection) -> tuple[asyncio.Task | None, int]:
    """A poll parked on the server; retried while it is refused (503) at once. Returns the
    task (None if still refused after ~15 s) and how many refusals it took."""
    refusals = 0
    while True:
        poll = asyncio.create_task(timed_poll(device))
        await asyncio.sleep(0.05)  # the poll is parked on the server
        if not poll.done() or poll.result()[1] != 503:
            return poll, refusals
        refusals += 1
        if refusals >= 100:
            return None, refusals
        await asyncio.sleep(0.02)


class Tally:
    def __init__(self) -> None:
        self.tries = self.delivered = self.refusals = self.not_admitted = 0
        self.post_ms: list[float] = []  # POST door-open sent → its 202 received


async def answer_of(
    poll: asyncio.Task, device: Connection, tally: Tally
) -> tuple[float, int, bytes]:
    """The poll's answer. A refusal that came later than parked_poll looked (a loaded process)
    is what a device meets: it polls again, and the queued command waits for it."""
    received, status, body = await poll
    while status == 503:
        again, refusals = await parked_poll(device)
        tally.refusals += 1 + refusals
        if again is None:
            break
        received, status, body = await again
    return received, status, body


async def keep_parked(device: Connection, until: asyncio.Event) -> asyncio.Task:
    """Hold a poll on the server until `until` is set (re-polling when one times out), so the
    measured device has its place before the idle devices fill the process; return that poll."""
    while True:
        poll = asyncio.create_task(timed_poll(device))
        waiter = asyncio.create_task(until.wait())
        await asyncio.wait({poll, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if not poll.done():
            return poll
        waiter.cancel()
        if poll.result()[1] == 503:
            await asyncio.sleep(0.05)  # refused: try again soon, without hammering


async def measure(
    ports: tuple[int, int],
    data: dict,
    tries: int,
    tally: Tally | None = None,
    parked: tuple[Connection, asyncio.Task] | None = None,
):
    web_port, gateway_port = ports
    tally = tally or Tally()
    device, first = parked or (Connection(gateway_port, data["credential"]), None)
    acks = Connection(gateway_port, data["credential"])
    api = Connection(web_port, data["secret"])
    latencies = []
    after_answer: list[float] = []
    poll: asyncio.Task | None
    for _ in range(tries):
        tally.tries += 1
        if first is not None and not first.done():
            poll, refusals, first = first, 0, None
        else:
            poll, refusals = await parked_poll(device)
        tally.refusals += refusals
        if poll is None:  # the process is full and stayed so: no door-open for a device away
            tally.tries -= 1
            tally.not_admitted += 1
            continue
        sent = time.perf_counter()
        status, body = await api.request("POST", f"/api/v1/active-calls/{data['upn']}/door-open")
        answered = time.perf_counter()
        assert status == 202, body
        tally.post_ms.append((answered - sent) * 1000)
        command_id = json.loads(body)["id"]
        try:
            received, status, body = await asyncio.wait_for(
                answer_of(poll, device, tally), DELIVERY_TIMEOUT
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            device.close()  # lost: the try counts as not delivered; start a fresh connection
            device = Connection(gateway_port, data["credential"])
            continue
        commands = json.loads(body).get("commands") if status == 200 else None
        ids = [c["id"] for c in commands or []]
        if command_id not in ids:
            continue
        tally.delivered += 1
        latencies.append((received - sent) * 1000)
        after_answer.append((received - answered) * 1000)
        # Park the next poll first, then ack on a second connection: the device keeps its place.
        # (Any older command handed out with it, from a try that timed out, is acknowledged too.)
        next_poll = asyncio.create_task(timed_poll(device))
        for delivered_id in ids:
            status, body = await acks.request(
                "POST", f"/device-api/v1/commands/{delivered_id}/ack", b'{"result": "executed"}'
            )
            assert status == 200, body
        first = next_poll
    if first is not None:
        first.cancel()
    device.close()
    acks.close()
    api.close()
    return latencies, after_answer


class IdleStats:
    def __init__(self) -> None:
        self.answered = self.refused = self.errors = self.resets = 0
        self.refusal_ms: list[float] = []


async def idle_device(
    port: int,
    credential: str,
    started: asyncio.Event,
    stop: asyncio.Event,
    stats: IdleStats,
    source: str | None = None,
):
    connection = Connection(port, credential, source)
    first = True
    try:
        while not stop.is_set():
            sent = time.perf_counter()
            task = asyncio.create_task(connection.request("GET", "/device-api/v1/commands?wait=30"))
            if first:
                await asyncio.sleep(0)  # request written
                started.set()
                first = False
            done, _ = await asyncio.wait(
                {task, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED
            )
            if task not in done:
                task.cancel()
                break
            try:
                status, body = task.result()
            except (OSError, asyncio.IncompleteReadError) as error:
                stats.errors += 1  # a dropped connection: what the collapse looked like
                stats.resets += isinstance(error, ConnectionResetError)
                connection.close()
                connection = Connection(port, credential, source)
                await asyncio.sleep(1)
                continue
            if status == 503:
                stats.refused += 1
                stats.refusal_ms.append((time.perf_counter() - sent) * 1000)
                # Back off as told (Retry-After 5-15 s), as the device simulator does.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 5 + 10 * random.random())
            elif status == 200:
                stats.answered += 1
            else:
                stats.errors += 1
    finally:
        connection.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def longest_stall(port: int) -> str:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as answer:
            body = json.loads(answer.read())
    except urllib.error.HTTPError as error:  # 503 `busy` still carries the numbers
        body = json.loads(error.read())
    except OSError as error:  # a timeout: the process is too busy to answer its probe
        return f"? (readyz did not answer: {error})"
    return f"{body.get('loop_stall_max_ms', '?')} ms (readyz: {body.get('status')}, " \
           f"waiting {body.get('waiting')} of {body.get('waiting_limit')})"  # fmt: skip


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return (
        f"p50 {q[49]:6.1f} ms   p95 {q[94]:6.1f} ms   p99 {q[98]:6.1f} ms   "
        f"max {ordered[-1]:6.1f} ms   (n={len(values)})"
    )


async def phase_idle(ports: tuple[int, int], worker: int, data: dict) -> None:
    port = ports[1]
    await measure(ports, data, 20)  # warm up: imports, pools, listener
    stall_before = longest_stall(port)
    baseline = rss_kib(worker)
    cpu_start = cpu_seconds(worker)
    measured = Connection(port, data["credential"])
    ramped = asyncio.Event()
    keeper = asyncio.create_task(keep_parked(measured, ramped))
    await asyncio.sleep(0.1)
    stop_event = asyncio.Event()
    stats = IdleStats()
    events = []
    tasks = []
    for credential in data["idle"]:
        started = asyncio.Event()
        events.append(started)
        tasks.append(asyncio.create_task(idle_device(port, credential, started, stop_event, stats)))
        if RAMP_SECONDS and len(tasks) % 10 == 0:
            await asyncio.sleep(RAMP_SECONDS * 10 / max(IDLE, 1))
    await asyncio.gather(*(e.wait() for e in events))
    await asyncio.sleep(5)  # every idle poll authenticated and parked
    ramped.set()
    parked = (measured, await keeper)
    print(f"  after the ramp: longest loop stall {longest_stall(port)}", flush=True)
    held = rss_kib(worker)
    held_threads = threads(worker)
    held_db = db_connections()
    tally = Tally()
    latencies, after_answer = await measure(ports, data, TRIES, tally, parked)
    cpu = cpu_seconds(worker) - cpu_start
    if latencies:
        print(f"  POST sent → device has it:  {percentiles(latencies)}")
        print(f"  202 received → device has it: {percentiles(after_answer)}")
    print(
        f"  delivered {tally.delivered}/{tally.tries} door-opens within {DELIVERY_TIMEOUT:g} s "
        f"(the measured device's poll was refused {tally.refusals} times first; "
        f"{tally.not_admitted} tries skipped, its poll refused for 7 s)"
    )
    print(
        f"  worker RSS {baseline / 1024:.1f} MiB → {held / 1024:.1f} MiB with {IDLE} devices "
        f"({'at most ' + str(LIMIT) if LIMIT else IDLE} polls held): "
        f"{(held - baseline) / max(min(IDLE, LIMIT or IDLE), 1):.1f} KiB per waiting poll"
    )
    print(
        f"  worker threads while holding them: {held_threads}; "
        f"database connections (all processes): {held_db}"
    )
    polls = stats.answered + stats.refused + min(IDLE, LIMIT or IDLE)
    print(
        f"  idle polls: {stats.answered} answered (timed out empty), {stats.refused} refused "
        f"503, {stats.errors} dropped/failed; worker CPU {cpu:.1f} s over the phase = "
        f"{cpu * 1000 / max(polls, 1):.2f} ms per idle poll handled"
    )
    if stats.refusal_ms:
        print(f"  refused polls answered in: {percentiles(stats.refusal_ms)}")
    print(
        f"  longest event-loop stall of the worker since start: {stall_before} before the "
        f"idle devices came, {longest_stall(port)} at the end"
    )
    stop_event.set()
    await asyncio.gather(*tasks, return_exceptions=True)


async def version_times(port: int, secret: str, count: int) -> list[float]:
    """`GET /api/v1/version` one after another: what any authenticated API request costs."""
    api = Connection(port, secret)
    times = []
    for _ in range(count):
        sent = time.perf_counter()
        status, body = await api.request("GET", "/api/v1/version")
        times.append((time.perf_counter() - sent) * 1000)
        assert status == 200, body
    api.close()
    return times


def phase_sequential(env: dict[str, str], data: dict) -> None:
    """Door-opens one at a time on 2 web + 2 gateway workers: the POST's own answer time beside
    an authenticated `GET /api/v1/version`, and POST sent → the device's poll answered. With
    BENCH_BASELINE (another checkout, e.g. the commit before a change) its servers run side by
    side with this tree's, on the same database, in alternating rounds."""
    roots = {"this tree": ROOT} | ({"baseline": Path(BASELINE)} if BASELINE else {})
    setups: dict[str, list[tuple[subprocess.Popen, int]]] = {}
    tallies = {name: Tally() for name in roots}
    delivered: dict[str, list[float]] = {name: [] for name in roots}
    version: dict[str, list[float]] = {name: [] for name in roots}
    try:
        for name, root in roots.items():
            setups[name] = []
            for pool in ("web", "gateway"):
                setups[name].append(start_gunicorn(env, workers=2, pool=pool, root=root))
        ports = {name: (pair[0][1], pair[1][1]) for name, pair in setups.items()}
        for name in roots:
            asyncio.run(measure(ports[name], data, 20))  # warm up every worker
            asyncio.run(version_times(ports[name][0], data["secret"], 20))
        rounds = ROUNDS if BASELINE else 1
        per_round = max(1, TRIES // rounds)
        for round_ in range(rounds):
            for name in list(roots) if round_ % 2 == 0 else list(roots)[::-1]:
                latencies, _ = asyncio.run(measure(ports[name], data, per_round, tallies[name]))
                delivered[name] += latencies
                version[name] += asyncio.run(
                    version_times(ports[name][0], data["secret"], per_round)
                )
    finally:
        for pair in setups.values():
            for process, _ in pair:
                stop(process)
    print(
        f"2 web + 2 gateway workers, one request at a time, {TRIES} door-opens"
        f"{f' in {rounds} alternating rounds' if BASELINE else ''}, load average "
        f"{os.getloadavg()[0]:.1f}:"
    )
    for name in roots:
        label = f"  {name:9}" if BASELINE else "  "
        print(f"{label} POST door-open → 202:          {percentiles(tallies[name].post_ms)}")
        print(f"{label} GET /api/v1/version:           {percentiles(version[name])}")
        print(f"{label} POST sent → device has it:     {percentiles(delivered[name])}")
        print(f"{label} delivered {tallies[name].delivered}/{tallies[name].tries}")


async def run_loader(config: dict) -> None:
    """A load-generator process (`door_open.py --loader`): its idle devices, from its own source
    address, until a line on stdin; then its figures as one JSON line."""
    stats, stop_event = IdleStats(), asyncio.Event()
    credentials = config["credentials"]
    events: list[asyncio.Event] = []
    tasks = []
    for credential in credentials:
        started = asyncio.Event()
        events.append(started)
        tasks.append(
            asyncio.create_task(
                idle_device(
                    config["port"], credential, started, stop_event, stats, config["source"]
                )
            )
        )
        if RAMP_SECONDS and len(tasks) % 10 == 0:
            await asyncio.sleep(RAMP_SECONDS * 10 / max(len(credentials), 1))
    await asyncio.gather(*(e.wait() for e in events))
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    stop_event.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps(vars(stats) | {"refusal_ms": sorted(stats.refusal_ms)}), flush=True)


def open_files(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


def phase_processes(env: dict[str, str], data: dict) -> None:
    """BENCH_PROCESSES gateway worker processes, BENCH_IDLE devices long-polling them from
    BENCH_LOADERS load-generator processes (127.0.0.2, 127.0.0.3, ...: one source address has
    only ~28 000 ports towards one server port), and door-opens measured meanwhile. Prints what
    the machine held: waiting polls per process (its open files), refusals and resets."""
    limit = LIMIT or max(5000, IDLE * 2)
    gateway_env = env | {"GATEWAY_MAX_WAITING": str(limit)}
    web, web_port = start_gunicorn(env, workers=2, pool="web")
    gateway, port = start_gunicorn(gateway_env, PROCESSES, "gateway", nofile=GATEWAY_NOFILE)
    loaders: list[subprocess.Popen] = []
    try:
        asyncio.run(measure((web_port, port), data, 20))  # warm up
        workers = children(gateway.pid)
        for n in range(LOADERS):
            loader = subprocess.Popen(
                [PYTHON, __file__, "--loader"],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert loader.stdin is not None
            config = {
                "port": port,
                "source": f"127.0.0.{2 + n}",
                "credentials": data["idle"][n::LOADERS],
            }
            loader.stdin.write(json.dumps(config) + "\n")
            loader.stdin.flush()
            loaders.append(loader)
        for loader in loaders:
            assert loader.stdout is not None
            assert loader.stdout.readline().strip() == "ready"
        time.sleep(5)  # every idle poll authenticated and parked (or refused)
        held = {pid: open_files(pid) for pid in workers}
        tally = Tally()
        latencies, _ = asyncio.run(measure((web_port, port), data, TRIES, tally))
        figures = []
        for loader in loaders:
            assert loader.stdin is not None and loader.stdout is not None
            loader.stdin.write("\n")
            loader.stdin.flush()
            figures.append(json.loads(loader.stdout.readline()))
    finally:
        for loader in loaders:
            loader.kill()
        stop(gateway)
        stop(web)
    nofile = GATEWAY_NOFILE or resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    print(
        f"{PROCESSES} gateway worker processes (GATEWAY_MAX_WAITING={limit}, open-file limit "
        f"{nofile}), {IDLE} idle devices from {LOADERS} load-generator processes "
        f"(127.0.0.2–127.0.0.{1 + LOADERS}), load average {os.getloadavg()[0]:.1f}:"
    )
    print(
        "  open files per gateway process while holding them: "
        + ", ".join(str(n) for n in held.values())
    )
    if latencies:
        print(f"  POST sent → device has it:  {percentiles(latencies)}")
    print(
        f"  delivered {tally.delivered}/{tally.tries} door-opens "
        f"(the measured device's poll refused {tally.refusals} times first)"
    )
    total = {
        key: sum(f[key] for f in figures) for key in ("answered", "refused", "errors", "resets")
    }
    print(
        f"  idle polls: {total['answered']} answered, {total['refused']} refused 503, "
        f"{total['errors']} dropped/failed, of which {total['resets']} connections reset"
    )
    refusal_ms = [ms for f in figures for ms in f["refusal_ms"]]
    if refusal_ms:
        print(f"  refused polls answered in: {percentiles(refusal_ms)}")


def compare_metrics(env: dict[str, str], data: dict) -> None:
    """Door-open latency with metrics on (multiprocess mode, as deployed) and off, alternating."""
    setups: dict[str, list[tuple[subprocess.Popen, int]]] = {}
    latencies: dict[str, list[float]] = {"on": [], "off": []}
    try:
        for name in ("on", "off"):
            variant = env | {"METRICS_ENABLED": "true" if name == "on" else "false"}
            setups[name] = []
            for pool in ("web", "gateway"):
                if name == "on":
                    variant = variant | {
                        "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix=f"cg-bench-{pool}-")
                    }
                setups[name].append(start_gunicorn(variant, workers=2, pool=pool))
        ports = {name: (pair[0][1], pair[1][1]) for name, pair in setups.items()}
        for name in ports:
            asyncio.run(measure(ports[name], data, 20))  # warm up every worker
        per_round = max(1, TRIES // ROUNDS)
        for round_ in range(ROUNDS):
            for name in ("on", "off") if round_ % 2 == 0 else ("off", "on"):
                measured, _ = asyncio.run(measure(ports[name], data, per_round))
                latencies[name] += measured
    finally:
        for pair in setups.values():
            for process, _ in pair:
                stop(process)
    print(
        f"metrics on vs off: 2 web + 2 gateway workers each, {ROUNDS} alternating rounds of "
        f"{TRIES // ROUNDS} door-opens, load average {os.getloadavg()[0]:.1f}"
    )
    for name in ("on", "off"):
        print(f"  metrics {name:3}, POST sent → device has it: {percentiles(latencies[name])}")
    for q in (50, 95):
        on = statistics.quantiles(latencies["on"], n=100)[q - 1]
        off = statistics.quantiles(latencies["off"], n=100)[q - 1]
        print(f"  p{q} on ÷ off: {on / off:.3f}  (target <= 1.03)")
    mean_on, mean_off = statistics.mean(latencies["on"]), statistics.mean(latencies["off"])
    print(f"  mean on ÷ off: {mean_on / mean_off:.3f}")


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < IDLE * 2 + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, IDLE * 2 + 1024), hard))
    redis_url = REDIS_URL if redis_ok(REDIS_URL) else ""
    env = server_env(redis_url)
    data = prepare(env)
    wakeup = "Redis pub/sub" if redis_url else "the database poll"
    print(
        "door-open delivery: API on gunicorn gthread (WSGI), gateway on gunicorn + uvicorn "
        f"workers (ASGI), PostgreSQL, wake-ups: {wakeup}"
    )

    if COMPARE_METRICS:
        compare_metrics(env, data)
        return
    if not SKIP_SPREAD:
        phase_sequential(env, data)
    if PROCESSES:
        phase_processes(env, data)
        return
    if not IDLE:
        return
    web, web_port = start_gunicorn(env, workers=2, pool="web")
    try:
        one_env = env | ({"GATEWAY_MAX_WAITING": str(LIMIT)} if LIMIT else {})
        gateway, gateway_port = start_gunicorn(one_env, workers=1, pool="gateway")
        try:
            (worker,) = children(gateway.pid)
            limit = one_env["GATEWAY_MAX_WAITING"]
            print(
                f"1 gateway worker process (pid {worker}, GATEWAY_MAX_WAITING={limit}), {IDLE} "
                f"idle devices long-polling it (started over {RAMP_SECONDS:g} s):"
            )
            asyncio.run(phase_idle((web_port, gateway_port), worker, data))
        finally:
            stop(gateway)
    finally:
        stop(web)


if __name__ == "__main__":
    if sys.argv[1:] == ["--loader"]:
        asyncio.run(run_loader(json.loads(sys.stdin.readline())))
    else:
        main()
