"""The newcomer's demo on the embedded default: SQLite, database-poll wake-ups, the simulators.

Two server processes share one SQLite file, so the command crosses processes the only way the
embedded default has: each process polls the database a few times a second.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.gateway.servers import ROOT, base_environment, manage, start_server
from tests.helpers import bearer

pytestmark = pytest.mark.slow


def read_until(process: subprocess.Popen, text: str, timeout: float = 20) -> str:
    assert process.stdout is not None
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen += line
        if text in line:
            return seen
    raise AssertionError(f"{text!r} not printed; got:\n{seen}")


def simulator(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_door_opens_end_to_end_with_the_simulators_on_sqlite(tmp_path):
    env = base_environment(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", GATEWAY_DB_POLL_SECONDS="0.2"
    )
    manage("migrate", "--noinput", env=env)
    demo = json.loads(manage("seed_demo", "--json", env=env))
    device = demo["devices"][0]
    reception = next(g for g in demo["call_groups"] if g["name"] == "Reception")
    member = demo["teams_users"][0]["upn"]
    a, b = start_server(env), start_server(env)
    processes: list[subprocess.Popen] = []
    try:
        door = simulator(
            "simulate_device",
            "--url",
            a.url,
            "--credential",
            device["credential"],
            "--once",
            "--duration",
            "30",
            env=env,
        )
        call = simulator(
            "simulate_call",
            "--url",
            a.url,
            "--credential",
            device["credential"],
            "--call-group",
            reception["id"],
            "--user",
            member,
            "--hangup-after",
            "60",
            env=env,
        )
        processes += [door, call]
        read_until(door, "polling")
        printed = read_until(call, "The call is active")
        printed += read_until(call, "Hanging up in")
        assert f"/api/v1/active-calls/{member}/door-open" in printed

        issued = httpx.post(
            f"{b.url}/api/v1/active-calls/{member}/door-open",
            headers=bearer(demo["api_secret"]),
        )
        assert issued.status_code == 202, issued.text
        command_id = issued.json()["id"]

        out, _ = door.communicate(timeout=20)
        assert door.returncode == 0, out
        assert f"DOOR OPEN  command {command_id}  DTMF *1#" in out
        assert f"Acknowledged {command_id} as executed." in out
        outcome = httpx.get(
            f"{b.url}/api/v1/door-open-commands/{command_id}",
            headers=bearer(demo["api_secret"]),
        )
        assert outcome.json()["status"] == "executed"

        call.send_signal(signal.SIGINT)  # Ctrl-C hangs up
        out, _ = call.communicate(timeout=20)
        assert "ended (answered, door opened: yes)" in out, out
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        a.stop()
        b.stop()
