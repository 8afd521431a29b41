"""Real server processes for end-to-end tests: uvicorn, and gunicorn's two pools as README
"Deploying" runs them (gthread for the web pool, uvicorn workers for the gateway pool)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(db: dict) -> str:
    """A DATABASE_URL for the database Django's settings dict describes (the test database)."""
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def base_environment(**overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "GATEWAY_WAKEUP", "GATEWAY_WAKEUP_CHANNEL"}
    }
    env.update(
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="cybergate.settings",
    )
    env.update(overrides)
    return env


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: Path
    extra: dict = field(default_factory=dict)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def uvicorn_command(port: int) -> list[str]:
    """uvicorn on its own, with its X-Forwarded-For handling off (client_ip decides)."""
    return [sys.executable, "-m", "uvicorn", "cybergate.asgi:application", "--no-proxy-headers",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip


def gunicorn_command(app: str, *options: str) -> Callable[[int], list[str]]:
    """gunicorn as the README deploys it (`app` is cybergate.wsgi or cybergate.asgi)."""

    def command(port: int) -> list[str]:
        # No control socket: by default every gunicorn shares one path (~/.gunicorn/gunicorn.ctl).
        return [sys.executable, "-m", "gunicorn", f"{app}:application", *options,
                "-b", f"127.0.0.1:{port}", "--log-level", "info",
                "--no-control-socket"]  # fmt: skip

    return command


POOLS = {
    # The commands of README "Deploying" (fewer workers and threads).
    "web": ("cybergate.wsgi", "-c", "deploy/gunicorn.conf.py", "-k", "gthread"),
    "gateway": (
        "cybergate.asgi",
        "-c",
        "deploy/gunicorn.conf.py",
        "-k",
        "gateway.workers.UvicornWorker",
    ),
}


def start_gunicorn(env: dict[str, str], pool: str, *, workers: int = 1, threads: int = 2) -> Server:
    app, *options = POOLS[pool]
    return start_server(
        env, gunicorn_command(app, *options, "-w", str(workers), "--threads", str(threads))
    )


def start_server(
    env: dict[str, str], command: Callable[[int], list[str]] = uvicorn_command
) -> Server:
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="cybergate-server-", suffix=".log")[1])
    process = subprocess.Popen(
        command(port),
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60  # a loaded CI machine boots Django slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not start:\n{server.output()}")


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout
