"""Run a pretend door station: long-poll the gateway, "open the door" for each command, ack it.

python manage.py simulate_device --url http://127.0.0.1:8000 --credential cgd_...
"""

from __future__ import annotations

import time

import httpx
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from devices.management.commands._device_client import DeviceClient, GatewayError

MAX_WAIT = 30


class Command(BaseCommand):
    help = (
        "Simulate a door station: long-poll the device gateway, print each door-open command "
        "(time, id, DTMF) and acknowledge it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Server base URL.")
        parser.add_argument("--credential", required=True, help="The device credential (cgd_...).")
        parser.add_argument(
            "--fail", action="store_true", help="Acknowledge commands as failed, not executed."
        )
        parser.add_argument("--once", action="store_true", help="Stop after one command.")
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
        *args,
        url: str,
        credential: str,
        fail: bool,
        once: bool,
        duration: float | None,
        wait: float,
        **options,
    ) -> None:
        if not 0 <= wait <= MAX_WAIT:
            raise CommandError(f"--wait must be between 0 and {MAX_WAIT}.")
        client = DeviceClient(url, credential)
        deadline = None if duration is None else time.monotonic() + duration
        result = "failed" if fail else "executed"
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
                    self.say(f"Gateway unreachable ({exc}); retrying in {retry_delay:g} s.")
                    time.sleep(retry_delay)
                    retry_delay = min(retry_delay * 2, 10.0)
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
