"""Benchmark: door-open delivery latency, quiet vs under a flood of invalid credentials.

The failed-authentication limit must protect the service, not only count: over it an address
gets 429 before any database work, so a flood of bad secrets and device credentials must not
slow down the doors of everyone else. Same topology as bench/door_open.py (README "Deploying"):
the web pool — gunicorn `gthread`, 2 workers — serves the customer API, the gateway pool —
gunicorn with uvicorn workers, 2 workers — serves `/device-api/`; DEBUG off, PostgreSQL, Redis for
the cache and rate limits when it answers (else each process counts on its own).

Alternating rounds on the same servers, in the same run:
- quiet: door-open delivery latency (`POST /api/v1/active-calls/{user}/door-open` sent → the
  device's waiting `GET /device-api/v1/commands?wait=30` answered with it), as door_open.py;
- flood: the same, while BENCH_FLOOD_CLIENTS connections (half to `GET /api/v1/version` with
  made-up API secrets, half to `GET /device-api/v1/commands` with made-up device credentials),
  each from a loopback address of its own, send BENCH_FLOOD_RATE requests a second in all.

- control: the same, while as many requests to `/healthz` (no authentication, no database) go to
  the same pools: what any request of that rate costs on this machine, as opposed to what a
  refused authentication costs.

Prints p50/p95/p99 of each, the floods' sizes and answers, and p95 under the invalid-credential
flood ÷ quiet p95. Target: ≤ 2. Each flood connection comes from its own loopback address
(127.0.0.20, ...); after AUTH_FAILURE_RATE_LIMIT failures each gets 429 without a database query.

    .venv/bin/python bench/auth_flood.py
    BENCH_FLOOD_RATE=600 BENCH_TRIES=300 .venv/bin/python bench/auth_flood.py
    BENCH_REDIS_URL= .venv/bin/python bench/auth_flood.py      # no Redis: per-process counters
"""

from __future__ import annotations

import asyncio
import collections
import multiprocessing
import os
import secrets
import statistics
import time

import door_open
from door_open import Connection, measure, percentiles, start_gunicorn, stop
from pace import Pace

TRIES = int(os.environ.get("BENCH_TRIES", "250"))  # door-opens per phase
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))  # alternations: other load evens out
FLOOD_RATE = float(os.environ.get("BENCH_FLOOD_RATE", "100"))  # requests/s, all clients
FLOOD_CLIENTS = int(os.environ.get("BENCH_FLOOD_CLIENTS", "4"))

FLOODS = {
    # (pool, path, prefix of the made-up values): same shape as real ones, so they get as far
    # into authentication as a real guess does.
    "invalid": [("web", "/api/v1/version", "cgs_"), ("gateway", "/device-api/v1/commands", "cgd_")],
    # The control: as many requests that do no work at all, to tell what any request costs
    # on this machine from what authentication costs.
    "healthz": [("web", "/healthz", ""), ("gateway", "/healthz", "")],
}


async def flood_client(
    port: int, path: str, prefix: str, source: str, rate: float, stop_event: asyncio.Event, stats
) -> None:
    connection = Connection(port, "", source=source)
    values = [prefix + secrets.token_urlsafe(32) for _ in range(256)]
    pace, sent = Pace(rate), 0
    try:
        while not stop_event.is_set():
            status, _ = await connection.request("GET", path, authorization=values[sent % 256])
            stats[status] += 1
            sent += 1
            await pace.next()
    finally:
        connection.close()


async def _flood(ports: dict[str, int], kind: str, stop_flag, results) -> None:
    stop_event = asyncio.Event()
    stats: collections.Counter = collections.Counter()
    clients = []
    for i in range(FLOOD_CLIENTS):
        pool, path, prefix = FLOODS[kind][i % len(FLOODS[kind])]
        source, rate = f"127.0.0.{20 + i}", FLOOD_RATE / FLOOD_CLIENTS
        clients.append(
            asyncio.create_task(
                flood_client(ports[pool], path, prefix, source, rate, stop_event, stats)
            )
        )
    while not stop_flag.is_set():
        await asyncio.sleep(0.05)
    stop_event.set()
    await asyncio.gather(*clients)
    results.put(dict(stats))


def _flood_process(ports: dict[str, int], kind: str, stop_flag, results) -> None:
    asyncio.run(_flood(ports, kind, stop_flag, results))


async def flooded(ports: dict[str, int], kind: str, data: dict, tries: int, stats) -> list[float]:
    """Door-opens measured while another process floods (its own event loop, so the flood's
    I/O does not delay this process's clock readings)."""
    context = multiprocessing.get_context("fork")
    stop_flag, results = context.Event(), context.Queue()
    flooder = context.Process(target=_flood_process, args=(ports, kind, stop_flag, results))
    flooder.start()
    try:
        await asyncio.sleep(0.5)  # the flood is on
        latencies, _ = await measure((ports["web"], ports["gateway"]), data, tries)
    finally:
        stop_flag.set()
        stats.update(results.get(timeout=60))
        flooder.join()
    return latencies


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


async def run(ports: dict[str, int], data: dict) -> None:
    pair = (ports["web"], ports["gateway"])
    await measure(pair, data, 20)  # warm up every worker
    latencies: dict[str, list[float]] = {"quiet": [], "invalid": [], "healthz": []}
    stats: dict[str, collections.Counter[int]] = {kind: collections.Counter() for kind in FLOODS}
    seconds = dict.fromkeys(FLOODS, 0.0)
    per_round = max(1, TRIES // ROUNDS)
    for round_ in range(1, ROUNDS + 1):
        latencies["quiet"] += (await measure(pair, data, per_round))[0]
        line = f"  round {round_}: quiet p95 {p95(latencies['quiet'][-per_round:]):.1f} ms"
        for kind in FLOODS:
            started = time.perf_counter()
            latencies[kind] += await flooded(ports, kind, data, per_round, stats[kind])
            seconds[kind] += time.perf_counter() - started
            line += f", {kind} flood p95 {p95(latencies[kind][-per_round:]):.1f} ms"
        print(line, flush=True)
    print(f"  quiet:                  {percentiles(latencies['quiet'])}")
    print(f"  invalid-secret flood:   {percentiles(latencies['invalid'])}")
    print(f"  control: /healthz flood {percentiles(latencies['healthz'])}")
    for kind in FLOODS:
        total = sum(stats[kind].values())
        answers = ", ".join(f"{status}: {n}" for status, n in sorted(stats[kind].items()))
        print(
            f"  {kind} flood: {total} requests in {seconds[kind]:.1f} s "
            f"({total / seconds[kind]:.0f}/s) from {FLOOD_CLIENTS} clients; answers {answers}"
        )
    quiet = p95(latencies["quiet"])
    print(
        f"  p95 under the invalid-credential flood ÷ quiet p95: "
        f"{p95(latencies['invalid']) / quiet:.2f}  (target ≤ 2; "
        f"the /healthz flood of the same size: {p95(latencies['healthz']) / quiet:.2f})"
    )


def main() -> None:
    redis_url = door_open.REDIS_URL if door_open.redis_ok(door_open.REDIS_URL) else ""
    env = door_open.server_env(redis_url)
    door_open.IDLE = 0  # no idle devices here
    data = door_open.prepare(env)
    print(
        "door-open delivery, quiet vs under an invalid-credential flood: API on gunicorn gthread "
        "(WSGI), gateway on gunicorn + uvicorn workers (ASGI), 2 + 2 workers, PostgreSQL, "
        f"rate limits in {'Redis' if redis_url else 'each process'}"
    )
    web, web_port = start_gunicorn(env, workers=2, pool="web")
    try:
        gateway, gateway_port = start_gunicorn(env, workers=2, pool="gateway")
        try:
            asyncio.run(run({"web": web_port, "gateway": gateway_port}, data))
        finally:
            stop(gateway)
    finally:
        stop(web)


if __name__ == "__main__":
    main()
