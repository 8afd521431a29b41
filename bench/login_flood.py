"""Benchmark: does a flood of failed sign-ins slow the API? (issue: sign-in you can trust)

Starts gunicorn as bench/auth.py does (same server for every phase), then measures the latency
of authenticated `GET /api/v1/version` from one keep-alive client in alternating rounds:

- alone;
- while FLOOD_CLIENTS clients (a separate process, one event loop) post wrong passwords for one
  email to `/accounts/login/`, FLOOD_RATE attempts a second in all;
- control: while as many `GET /healthz` go to the same server (no database): what
  any request of that rate costs on this machine, as opposed to what a refused sign-in costs.

Prints p50/p95 of each phase, how the sign-in attempts were answered (password checked vs
refused), the server's CPU time per flood request, and the p95 under the sign-in flood ÷ the
p95 alone. Target: ≤ 2 — throttled attempts
are refused before any password hash is computed, for about what any request costs. The lockout is
tripped before the rounds (its first attempts are checked, a password hash each), so the rounds
measure the flood it refuses.

The flood runs at a fixed rate (like bench/auth_flood.py) because the load generator shares the
machine's cores with the server: clients sending as fast as they are answered (FLOOD_RATE=0)
measure how fast the machine can answer anything — the control then slows the API as much —
not what a refused sign-in costs. The default rate, 200 attempts a second from 16 clients, is
some 20 times what the Argon2 hash let 16 clients get through before the lockout existed.

    .venv/bin/python bench/login_flood.py
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/login_flood.py   # limits in Redis
    BENCH_SECONDS=5 BENCH_ROUNDS=6 FLOOD_RATE=400 .venv/bin/python bench/login_flood.py
    FLOOD_RATE=0 .venv/bin/python bench/login_flood.py   # closed loop: as fast as answered
"""

from __future__ import annotations

import asyncio
import http.client
import multiprocessing
import os
import re
import signal
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from auth import (
    ensure_database,
    free_port,
    server_env,
    setup_secret,
    start_server,
    tree_cpu_seconds,
)
from pace import Pace

SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
FLOOD_CLIENTS = int(os.environ.get("FLOOD_CLIENTS", "16"))
FLOOD_RATE = float(os.environ.get("FLOOD_RATE", "200"))  # requests/s, all clients; 0: closed loop
FLOOD_EMAIL = "flood-target@bench.example"
PHASES = ("alone", "sign-in flood", "control: /healthz flood")


def measure_api(port: int, secret: str, seconds: float) -> list[float]:
    """Latencies (ms) of sequential authenticated GET /api/v1/version on one connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Authorization": f"Bearer {secret}"}
    latencies = []
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        start = time.perf_counter()
        conn.request("GET", "/api/v1/version", headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise SystemExit(f"/api/v1/version answered {response.status}")
    conn.close()
    return latencies


class Connection:
    """A minimal keep-alive HTTP/1.1 client: cheap enough that 16 of them share one process."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, head: bytes) -> tuple[int, bytes, bytes]:
        for attempt in range(2):  # the server may have closed an idle keep-alive connection
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            assert self.reader is not None
            try:
                self.writer.write(head)
                response_head = await self.reader.readuntil(b"\r\n\r\n")
                break
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt:
                    raise
        assert self.reader is not None
        length = re.search(rb"(?im)^content-length:\s*(\d+)", response_head)
        if length:
            body = await self.reader.readexactly(int(length[1]))
        elif re.search(rb"(?im)^transfer-encoding:\s*chunked", response_head):
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                body += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            body = b""
        if re.search(rb"(?im)^connection:\s*close", response_head):
            self.close()
        return int(response_head.split(b" ", 2)[1]), response_head, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def sign_in_request(port: int) -> bytes:
    """A wrong-password sign-in as a browser sends it: CSRF cookie and token from the form."""
    connection = Connection(port)
    _, head, body = await connection.request(
        b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    connection.close()
    cookie_match = re.search(rb"csrftoken=([^;]+)", head)
    token_match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert cookie_match is not None and token_match is not None, body
    cookie, token = cookie_match[1].decode(), token_match[1].decode()
    form = f"csrfmiddlewaretoken={token}&login={quote(FLOOD_EMAIL)}&password=wrong-password"
    return (
        "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Cookie: csrftoken={cookie}\r\nReferer: http://127.0.0.1:{port}/accounts/login/\r\n"
        f"Content-Length: {len(form)}\r\n\r\n{form}"
    ).encode()


async def flood_client(port: int, head: bytes, rate: float, stop_at: float, stats: Counter):
    connection = Connection(port)
    pace = Pace(rate)
    try:
        while time.monotonic() < stop_at:
            status, _, body = await connection.request(head)
            refused = status == 429 or b"Too many failed" in body
            stats[(status, "refused" if refused else "checked")] += 1
            await pace.next()
    finally:
        connection.close()


async def _flood(port: int, kind: str, seconds: float) -> dict:
    if kind == "sign-in flood":
        head = await sign_in_request(port)
    else:
        head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    stop_at = time.monotonic() + seconds
    stats: Counter = Counter()
    rate = FLOOD_RATE / FLOOD_CLIENTS
    await asyncio.gather(
        *(flood_client(port, head, rate, stop_at, stats) for _ in range(FLOOD_CLIENTS))
    )
    return {"answers": dict(stats), "seconds": seconds}


async def trip_the_lockout(port: int) -> int:
    connection, head = Connection(port), await sign_in_request(port)
    for attempt in range(1, 100):
        status, _, body = await connection.request(head)
        if status == 429 or b"Too many failed" in body:
            connection.close()
            return attempt - 1
    raise SystemExit("100 wrong passwords and no lockout")


def flood(port: int, kind: str, seconds: float, queue) -> None:
    queue.put(asyncio.run(_flood(port, kind, seconds)))


def p(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def main() -> None:
    env = server_env()
    if env["DATABASE_URL"].startswith("postgres"):
        ensure_database(env["DATABASE_URL"])
    secret = setup_secret(env)
    port = free_port()
    server = start_server(env, port)
    latencies: dict[str, list[float]] = {phase: [] for phase in PHASES}
    answers: dict[str, Counter] = {phase: Counter() for phase in PHASES[1:]}
    sent_seconds = dict.fromkeys(PHASES[1:], 0.0)
    cpu = dict.fromkeys(PHASES, 0.0)  # the server's CPU seconds in each phase's rounds
    context = multiprocessing.get_context("fork")
    rate = f"{FLOOD_RATE:.0f}/s" if FLOOD_RATE > 0 else "as fast as answered"
    print(f"GET /api/v1/version, one keep-alive client; floods: {FLOOD_CLIENTS} clients, {rate}")
    try:
        measure_api(port, secret, 1)  # warm up
        # The first attempts are checked (a password hash each) until the limits trip: done
        # before the rounds, which measure what the flood costs once it is refused.
        tripped = asyncio.run(trip_the_lockout(port))
        print(f"  lockout tripped after {tripped} wrong passwords", flush=True)
        for round_ in range(1, ROUNDS + 1):
            line = f"  round {round_}:"
            for phase in PHASES:
                before = tree_cpu_seconds(server.pid)
                if phase == "alone":
                    measured = measure_api(port, secret, SECONDS)
                else:
                    queue = context.Queue()
                    flooder = context.Process(
                        target=flood, args=(port, phase, SECONDS + 1.5, queue)
                    )
                    flooder.start()
                    time.sleep(1)  # let the flood build up (and the limits trip) first
                    measured = measure_api(port, secret, SECONDS)
                    result = queue.get(timeout=120)
                    answers[phase].update(result["answers"])
                    sent_seconds[phase] += result["seconds"]
                    flooder.join()
                cpu[phase] += tree_cpu_seconds(server.pid) - before
                latencies[phase] += measured
                line += f" {phase} p95 {p(measured, 95):.1f} ms;"
            print(line, flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    for phase in PHASES:
        values = latencies[phase]
        print(
            f"  {phase + ':':25} p50 {p(values, 50):6.2f} ms  p95 {p(values, 95):6.2f} ms"
            f"  (n={len(values)})"
        )
    for phase, counter in answers.items():
        total = sum(counter.values())
        summary = ", ".join(
            f"{n} × {status} {kind}" for (status, kind), n in sorted(counter.items())
        )
        print(f"  {phase}: {total} requests ({total / sent_seconds[phase]:.0f}/s): {summary}")
        # What the flood's requests cost the server: the phase's CPU less what its API requests
        # cost alone (the flood ran 1.5 s longer than the measured window; both counted).
        api = len(latencies[phase]) * cpu["alone"] / len(latencies["alone"])
        print(f"    server CPU per flood request: {(cpu[phase] - api) / total * 1e6:.0f} µs")
    alone = p(latencies["alone"], 95)
    ratio = p(latencies["sign-in flood"], 95) / alone
    control = p(latencies["control: /healthz flood"], 95) / alone
    verdict = "OK" if ratio <= 2 else "MISSED"
    print(
        f"p95 under the sign-in flood ÷ p95 alone: {ratio:.2f}  (target ≤ 2.0) -> {verdict}; "
        f"the /healthz flood of the same size: {control:.2f}"
    )


if __name__ == "__main__":
    main()
