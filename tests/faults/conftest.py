"""Fault tests: the production topology on a PostgreSQL and a Redis these tests start themselves.

They stop and restart those two servers while real app servers run against them, so they never
touch the machine's shared PostgreSQL (5432) or Redis (6379). What they need:

- `redis-server` on PATH;
- PostgreSQL's `initdb` and `pg_ctl` (PG_BIN, else the newest /usr/lib/postgresql/*/bin, else
  PATH). PostgreSQL refuses to run as root, so as root they run as the `postgres` user through
  `runuser`.

Missing binaries skip the tests on a developer's machine and fail them in CI (`needs`).

The stack (module scope): PostgreSQL and Redis on free ports, a migrated database with the demo
data (`seed_demo --json`), and two app servers as the README deploys them: the web pool (gunicorn
WSGI, gthread) and the gateway pool (gunicorn with uvicorn workers and a connection pool).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

from tests.conftest import needs
from tests.gateway.servers import (
    Server,
    base_environment,
    free_port,
    gunicorn_command,
    manage,
    start_server,
)


def _pg_bin() -> Path | None:
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if versions:
        return Path(versions[-1])
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found else None


def _wait_until(check, timeout: float, what: str) -> float:
    """Poll `check()` until true; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if check():
                return time.monotonic() - started
        except Exception:  # not up yet
            pass
        time.sleep(0.05)
    raise AssertionError(f"{what} not within {timeout} s")


class RedisServer:
    """A redis-server of our own, without persistence, stopped and started on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=2)

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_until(lambda: self.client().ping(), 10, "redis-server start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class PostgresServer:
    """A PostgreSQL cluster of our own in a temporary directory."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="cybergate-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.running = False

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr + self.server_log()

    def server_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync", "--no-instructions")  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "-t", "30", "start")  # fmt: skip
        self.running = True

    def stop(self) -> None:
        # fast: what a restart or failover looks like to clients (their connections are cut).
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.running = False

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, dbname: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')

    def destroy(self) -> None:
        if self.running:
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Stack:
    postgres: PostgresServer
    redis: RedisServer
    web: Server
    gateway: Server
    demo: dict
    channel: str

    @property
    def api_secret(self) -> str:
        return self.demo["api_secret"]

    def device_credential(self, index: int = 0) -> str:
        return self.demo["devices"][index]["credential"]

    def ensure_running(self) -> None:
        """A test that failed half-way must not leave the next one without its services."""
        if not self.redis.running:
            self.redis.start()
        if not self.postgres.running:
            self.postgres.start()
        for server in (self.web, self.gateway):
            _wait_until(
                lambda s=server: httpx.get(f"{s.url}/readyz", timeout=5).json()["status"] == "ok",
                30,
                f"{server.url} ready",
            )


@pytest.fixture(scope="module")
def stack():
    needs(shutil.which("redis-server") is not None, "redis-server is not installed")
    bin_dir = _pg_bin()
    needs(
        bin_dir is not None and (bin_dir / "pg_ctl").exists() and (bin_dir / "initdb").exists(),
        "PostgreSQL's initdb/pg_ctl are not installed (set PG_BIN)",
    )
    needs(
        os.geteuid() != 0 or shutil.which("runuser") is not None,
        "as root, PostgreSQL needs `runuser` to run as the postgres user",
    )
    postgres, redis_server, servers = PostgresServer(bin_dir), RedisServer(), []
    try:
        postgres.init()
        postgres.start()
        postgres.create_database("cybergate")
        redis_server.start()
        channel = f"cg_faults_{uuid.uuid4().hex[:12]}"
        env = base_environment(
            DATABASE_URL=postgres.url("cybergate"),
            REDIS_URL=redis_server.url,
            GATEWAY_WAKEUP_CHANNEL=channel,
            # Slow enough that a wake-up through the safety poll is obviously not pub/sub.
            GATEWAY_SAFETY_POLL_SECONDS="5",
            LOG_LEVEL="WARNING",
        )
        manage("migrate", "--noinput", env=env)
        demo = json.loads(manage("seed_demo", "--json", env=env))
        web = gunicorn_command("cybergate.wsgi", "-k", "gthread", "-w", "1", "--threads", "4",
                               "--graceful-timeout", "2")  # fmt: skip
        gateway = gunicorn_command("cybergate.asgi", "-k", "gateway.workers.UvicornWorker",
                                   "-w", "1", "--graceful-timeout", "2")  # fmt: skip
        with ThreadPoolExecutor(max_workers=2) as pool:
            starting = [
                pool.submit(start_server, env, web),
                pool.submit(start_server, {**env, "DATABASE_POOL_SIZE": "4"}, gateway),
            ]
            for future in starting:
                with contextlib.suppress(Exception):  # raised again below
                    servers.append(future.result())
            for future in starting:
                future.result()
        yield Stack(postgres, redis_server, servers[0], servers[1], demo, channel)
    finally:
        for server in servers:  # all at once: each may wait out its graceful timeout
            server.process.terminate()
        for server in servers:
            server.stop()
        redis_server.stop()
        postgres.destroy()
