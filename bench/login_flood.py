"""Benchmark: does a flood of failed sign-ins slow the API? (issue: sign-in you can trust)

Starts gunicorn as bench/auth.py does (same server for both phases), then measures the latency
of authenticated `GET /api/v1/version` from one keep-alive client, alternately alone and while
16 clients (in a separate process) post wrong passwords to `/accounts/login/` as fast as they
can. Prints p50/p95 of both phases and the ratio of the p95s. Target: p95 under the flood
≤ 2 × p95 alone — throttled attempts are refused before any password hash is computed.

    .venv/bin/python bench/login_flood.py
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/login_flood.py   # limits in Redis
    BENCH_SECONDS=5 BENCH_ROUNDS=4 FLOOD_CLIENTS=16 .venv/bin/python bench/login_flood.py
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from auth import ensure_database, free_port, server_env, setup_secret, start_server

SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
FLOOD_CLIENTS = int(os.environ.get("FLOOD_CLIENTS", "16"))
FLOOD_EMAIL = "flood-target@bench.example"


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


def _flooder(port: int, stop_at: float, statuses: Counter, lock: threading.Lock) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    page = conn.getresponse()
    body = page.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie", ""))[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1]
    form = f"csrfmiddlewaretoken={token}&login={FLOOD_EMAIL}&password=wrong-password"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookie}",
        "Referer": f"http://127.0.0.1:{port}/accounts/login/",
    }
    local: Counter = Counter()
    while time.monotonic() < stop_at:
        conn.request("POST", "/accounts/login/", body=form, headers=headers)
        response = conn.getresponse()
        text = response.read()
        key = "throttled" if b"Too many failed" in text or response.status == 429 else "checked"
        local[(response.status, key)] += 1
    with lock:
        statuses.update(local)


def flood(port: int, seconds: float, queue) -> None:
    """Run FLOOD_CLIENTS threads of wrong-password sign-ins; report their answers."""
    stop_at = time.monotonic() + seconds
    statuses: Counter = Counter()
    lock = threading.Lock()
    threads = [
        threading.Thread(target=_flooder, args=(port, stop_at, statuses, lock))
        for _ in range(FLOOD_CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(dict(statuses))


def percentile(values: list[float], pct: float) -> float:
    return statistics.quantiles(values, n=100)[int(pct) - 1]


def main() -> None:
    env = server_env()
    if env["DATABASE_URL"].startswith("postgres"):
        ensure_database(env["DATABASE_URL"])
    secret = setup_secret(env)
    port = free_port()
    server = start_server(env, port)
    alone: list[float] = []
    flooded: list[float] = []
    answers: Counter = Counter()
    try:
        measure_api(port, secret, 1)  # warm up
        for _ in range(ROUNDS):
            alone += measure_api(port, secret, SECONDS)
            queue = multiprocessing.Queue()
            flooder = multiprocessing.Process(target=flood, args=(port, SECONDS + 1.5, queue))
            flooder.start()
            time.sleep(1)  # let the flood build up (and the limits trip) first
            flooded += measure_api(port, secret, SECONDS)
            answers.update(queue.get(timeout=60))
            flooder.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    p50a, p95a = percentile(alone, 50), percentile(alone, 95)
    p50f, p95f = percentile(flooded, 50), percentile(flooded, 95)
    print("GET /api/v1/version, one keep-alive client, same gunicorn server, same run:")
    print(f"API alone:            p50 {p50a:6.2f} ms  p95 {p95a:6.2f} ms  (n={len(alone)})")
    print(f"API under the flood:  p50 {p50f:6.2f} ms  p95 {p95f:6.2f} ms  (n={len(flooded)})")
    total = sum(answers.values())
    summary = ", ".join(f"{n} × {status} {kind}" for (status, kind), n in sorted(answers.items()))
    print(f"Flood: {FLOOD_CLIENTS} clients, {total} sign-in attempts: {summary}")
    ratio = p95f / p95a
    verdict = "OK" if ratio <= 2 else "MISSED"
    print(f"p95 ratio (flood / alone): {ratio:.2f}  (target ≤ 2.0) -> {verdict}")


if __name__ == "__main__":
    main()
