"""Run pretend door stations: long-poll the gateway, "open the door" for each command, ack it.

One device:   python manage.py simulate_device --url http://127.0.0.1:8000 --credential cgd_...
Many devices: python manage.py simulate_device --credentials-file devices.txt --count 1000
  (one credential per line; all of them run from this one process, on one asyncio loop)
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from pathlib import Path
from typing import Any

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gateway.management.commands._device_client import (
    LONG_POLL_HEADER,
    UNHELD_POLL_PAUSE_SECONDS,
    DeviceClient,
    GatewayError,
    answer_json,
)

MAX_WAIT = 30
MAX_RETRY_DELAY = 10.0


class Command(BaseCommand):
    help = (
        "Simulate door stations: long-poll the device gateway, print each door-open command "
        "(time, id, DTMF) and acknowledge it. --credentials-file runs many devices at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Server base URL.")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--credential", help="The device credential (cgd_...).")
        source.add_argument(
            "--credentials-file",
            type=Path,
            help="A file with one device credential per line (blank lines and # comments "
            "skipped); runs one simulated device per credential, all from this process.",
        )
        parser.add_argument(
            "--count",
            type=int,
            default=None,
            help="With --credentials-file: run the first N credentials (default: all).",
        )
        parser.add_argument(
            "--fail", action="store_true", help="Acknowledge commands as failed, not executed."
        )
        parser.add_argument(
            "--once", action="store_true", help="Stop (each device) after one command."
        )
        parser.add_argument(
            "--duration", type=float, default=None, help="Stop after this many seconds."
        )
        parser.add_argument(
            "--wait", type=float, default=25, help=f"Long-poll wait, 0 to {MAX_WAIT} s."
        )

    def say(self, message: str) -> None:
        self.stdout.write(f"{timezone.localtime():%H:%M:%S.%f}"[:-3] + f"  {message}")
        self.stdout.flush()

    def handle(
        self,
        *args: Any,
        url: str,
        credential: str | None,
        credentials_file: Path | None,
        count: int | None,
        fail: bool,
        once: bool,
        duration: float | None,
        wait: float,
        **options: Any,
    ) -> None:
        if not 0 <= wait <= MAX_WAIT:
            raise CommandError(f"--wait must be between 0 and {MAX_WAIT}.")
        result = "failed" if fail else "executed"
        if credentials_file is None:
            if count is not None:
                raise CommandError("--count needs --credentials-file.")
            assert credential is not None  # one of the two is required (argparse group)
            self._one(url, credential, result, once, duration, wait)
            return
        credentials = _read_credentials(credentials_file)
        if count is not None:
            if count < 1 or count > len(credentials):
                raise CommandError(
                    f"--count must be between 1 and {len(credentials)} (the credentials in "
                    f"{credentials_file})."
                )
            credentials = credentials[:count]
        fleet = _Fleet(self, url, credentials, result=result, once=once, wait=wait)
        try:
            asyncio.run(fleet.run(duration))
        except KeyboardInterrupt:
            self.say("Stopped.")
        self.say(fleet.summary())

    def _one(
        self,
        url: str,
        credential: str,
        result: str,
        once: bool,
        duration: float | None,
        wait: float,
    ) -> None:
        client = DeviceClient(url, credential)
        deadline = None if duration is None else time.monotonic() + duration
        self.say(f"Device polling {url} for door-open commands (Ctrl-C stops).")
        retry_delay = 1.0
        try:
            while deadline is None or time.monotonic() < deadline:
                remaining = wait if deadline is None else min(wait, deadline - time.monotonic())
                try:
                    commands = client.poll(max(0.0, remaining))
                except (httpx.TransportError, GatewayError) as exc:
                    if isinstance(exc, GatewayError) and exc.status in (400, 401):
                        raise  # a wrong credential or option does not fix itself
                    pause = max(retry_delay, getattr(exc, "retry_after", 0.0))
                    self.say(f"Gateway unavailable ({exc}); retrying in {pause:g} s.")
                    time.sleep(pause)
                    retry_delay = min(retry_delay * 2, MAX_RETRY_DELAY)
                    continue
                retry_delay = 1.0
                for command in commands:
                    self.say(
                        f"DOOR OPEN  command {command['id']}  DTMF {command['dtmf']}  "
                        f"(call {command['call_id']}, valid until {command['expires_at']})"
                    )
                    acked = client.ack(command["id"], result)
                    self.say(f"Acknowledged {command['id']} as {acked['status']}.")
                    if once:
                        return
        except KeyboardInterrupt:
            self.say("Stopped.")
        finally:
            client.close()


def _read_credentials(path: Path) -> list[str]:
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
    credentials = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if not credentials:
        raise CommandError(f"{path} holds no credentials.")
    return credentials


class _Fleet:
    """N devices on one asyncio loop, sharing one HTTP connection pool (a connection each)."""

    def __init__(self, command: Command, url: str, credentials: list[str], **options: Any) -> None:
        self.command = command
        self.base = url.rstrip("/") + "/device-api/v1"
        self.credentials = credentials
        self.result = options["result"]
        self.once = options["once"]
        self.wait = options["wait"]
        self.polls = self.door_opens = self.refused = self.errors = 0

    async def run(self, duration: float | None) -> None:
        import logging

        logging.getLogger("httpx").setLevel(logging.WARNING)
        n = len(self.credentials)
        limits = httpx.Limits(max_connections=n + 8, max_keepalive_connections=n + 8)
        timeout = httpx.Timeout(10.0, read=self.wait + 10.0, pool=None)
        self.command.say(f"{n} devices polling {self.base} for door-open commands (Ctrl-C stops).")
        async with httpx.AsyncClient(limits=limits, timeout=timeout) as http:
            devices = [
                asyncio.create_task(self._device(http, number, credential))
                for number, credential in enumerate(self.credentials, start=1)
            ]
            # A timeout is --duration being up (wait_for cancels the devices).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*devices), duration)

    async def _device(self, http: httpx.AsyncClient, number: int, credential: str) -> None:
        headers = {"Authorization": f"Bearer {credential}"}
        # Spread the first polls out over a second, as real devices do not all boot at once.
        await asyncio.sleep(random.random() * min(1.0, len(self.credentials) / 1000))
        retry_delay = 1.0
        while True:
            try:
                response = await http.get(
                    f"{self.base}/commands", params={"wait": f"{self.wait:g}"}, headers=headers
                )
                self.polls += 1
                commands = answer_json(response)["commands"]
            except (httpx.TransportError, GatewayError) as exc:
                if isinstance(exc, GatewayError) and exc.status in (400, 401):
                    self.command.say(f"Device {number}: {exc}; giving up.")
                    self.errors += 1
                    return
                if isinstance(exc, GatewayError) and exc.code == "gateway_busy":
                    self.refused += 1
                pause = max(retry_delay, getattr(exc, "retry_after", 0.0))
                await asyncio.sleep(pause)
                retry_delay = min(retry_delay * 2, MAX_RETRY_DELAY)
                continue
            retry_delay = 1.0
            if not commands and self.wait and LONG_POLL_HEADER in response.headers:
                await asyncio.sleep(min(self.wait, UNHELD_POLL_PAUSE_SECONDS))
            for command in commands:
                self.door_opens += 1
                self.command.say(
                    f"Device {number}: DOOR OPEN  command {command['id']}  DTMF {command['dtmf']}"
                )
                try:
                    acked = answer_json(
                        await http.post(
                            f"{self.base}/commands/{command['id']}/ack",
                            json={"result": self.result},
                            headers=headers,
                        )
                    )
                except (httpx.TransportError, GatewayError) as exc:
                    # Not acknowledged: the gateway hands the command out again while valid.
                    self.command.say(f"Device {number}: ack of {command['id']} failed ({exc}).")
                    continue
                status = acked["status"]
                self.command.say(f"Device {number}: acknowledged {command['id']} as {status}.")
                if self.once:
                    return

    def summary(self) -> str:
        return (
            f"{len(self.credentials)} devices: {self.polls} polls, {self.door_opens} door-opens, "
            f"{self.refused} refused as gateway_busy, {self.errors} gave up."
        )
