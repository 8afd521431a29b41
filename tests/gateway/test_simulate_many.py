"""`simulate_device --credentials-file FILE --count N`: N door stations from one process, each
with its own credential, long-polling a real gateway server; a door-open reaches the right one."""

from __future__ import annotations

import time

import httpx
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.factories import (
    make_api_secret,
    make_call_group,
    make_device,
    make_teams_user,
    start_answered_call,
)
from tests.gateway.servers import base_environment, database_url, start_server
from tests.gateway.test_demo_on_sqlite import read_until, simulator
from tests.helpers import bearer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_many_simulated_devices_poll_from_one_process_and_the_right_one_opens(tenant, tmp_path):
    anna = make_teams_user(tenant, "anna@acme.example")
    group = make_call_group(tenant, "Reception", anna)
    devices = [make_device(tenant, f"Door {n}") for n in range(5)]
    front, _ = devices[2]
    start_answered_call(front, group, anna, caller="sip:visitor")
    _, api_secret = make_api_secret(tenant)
    credentials = tmp_path / "devices.txt"
    lines = ["# door stations", *(credential for _, credential in devices), ""]
    credentials.write_text("\n".join(lines))

    env = base_environment(DATABASE_URL=database_url(settings.DATABASES["default"]))
    server = start_server(env)
    fleet = None
    try:
        fleet = simulator(
            "simulate_device", "--url", server.url, "--credentials-file", str(credentials),
            "--count", "4", "--wait", "5", "--duration", "15", env=env,
        )  # fmt: skip
        read_until(fleet, "4 devices polling")
        deadline = time.monotonic() + 20
        while httpx.get(f"{server.url}/readyz", timeout=5).json()["waiting"] < 4:
            assert time.monotonic() < deadline, "the four devices never waited together"
            time.sleep(0.1)
        # Only the first four credentials run: never a fifth poll.
        assert httpx.get(f"{server.url}/readyz", timeout=5).json()["waiting"] == 4

        issued = httpx.post(
            f"{server.url}/api/v1/active-calls/anna@acme.example/door-open",
            headers=bearer(api_secret),
        )
        assert issued.status_code == 202, issued.text
        command_id = issued.json()["id"]
        printed = read_until(fleet, f"Device 3: acknowledged {command_id} as executed.")
        assert f"Device 3: DOOR OPEN  command {command_id}  DTMF #1" in printed

        out, _ = fleet.communicate(timeout=30)
        assert fleet.returncode == 0, out
        assert "4 devices: " in out
        assert "1 door-opens, 0 refused as gateway_busy, 0 gave up." in out
        outcome = httpx.get(
            f"{server.url}/api/v1/door-open-commands/{command_id}",
            headers=bearer(api_secret),
        )
        assert outcome.json()["status"] == "executed"
    finally:
        if fleet is not None and fleet.poll() is None:
            fleet.kill()
            fleet.wait()
        server.stop()


def test_count_beyond_the_file_is_refused(tmp_path):
    credentials = tmp_path / "devices.txt"
    credentials.write_text("cgd_one\ncgd_two\n")
    with pytest.raises(CommandError, match="--count must be between 1 and 2"):
        call_command("simulate_device", credentials_file=credentials, count=3)
    with pytest.raises(CommandError, match="holds no credentials"):
        (tmp_path / "empty.txt").write_text("# nothing\n")
        call_command("simulate_device", credentials_file=tmp_path / "empty.txt")
