"""Ring a call group from a device and have a member answer, so a door can be opened.

    python manage.py simulate_call --url http://127.0.0.1:8000 --credential cgd_... \\
        --call-group <call group id> --user anna.berg@demo.example
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from gateway.management.commands._device_client import DeviceClient, GatewayError


class Command(BaseCommand):
    help = (
        "Simulate a visitor ringing: the device calls a call group, a member answers, and the "
        "call stays active (so the door can be opened through the customer API) until it hangs "
        "up after --hangup-after seconds or on Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Server base URL.")
        parser.add_argument("--credential", required=True, help="The device credential (cgd_...).")
        parser.add_argument("--call-group", required=True, help="Id of the call group to ring.")
        parser.add_argument(
            "--user", required=True, help="UPN or id of the call group member who answers."
        )
        parser.add_argument(
            "--caller", default="sip:visitor@simulator.example", help="Who is at the door."
        )
        parser.add_argument(
            "--hangup-after", type=float, default=60, help="Seconds until hang-up (default 60)."
        )

    def say(self, message: str) -> None:
        self.stdout.write(f"{timezone.localtime():%H:%M:%S}  {message}")
        self.stdout.flush()

    def handle(
        self,
        *args: Any,
        url: str,
        credential: str,
        call_group: str,
        user: str,
        caller: str,
        hangup_after: float,
        **options: Any,
    ) -> None:
        client = DeviceClient(url, credential)
        try:
            call = client.start_call(call_group=call_group, caller=caller)
            self.say(f"Call {call['id']} from {caller} is ringing call group {call_group}.")
            try:
                call = client.call_event(call["id"], "answered", user=user)
            except GatewayError:
                client.call_event(call["id"], "ended")  # do not leave it ringing
                raise
            self.say(f"Answered by {call['answered_by']['upn']}. The call is active.")
            base = url.rstrip("/")
            self.stdout.write(
                "\nOpen the door through the customer API (with your API secret):\n\n"
                f"  curl -X POST {base}/api/v1/active-calls/{user}/door-open \\\n"
                '       -H "Authorization: Bearer <API secret>"\n\n'
                f"Then see the outcome at {base}/api/v1/door-open-commands/<command_id>.\n"
            )
            self.say(f"Hanging up in {hangup_after:g} s (Ctrl-C hangs up now).")
            with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: hang up now
                time.sleep(hangup_after)
            try:
                ended = client.call_event(call["id"], "ended")
            except GatewayError as exc:
                if exc.code != "invalid_call_state":
                    raise
                self.say(f"Call {call['id']} had already ended.")
                return
            self.say(
                f"Call {ended['id']} ended ({ended['result']}, door opened: "
                f"{'yes' if ended['door_opened'] else 'no'})."
            )
        finally:
            client.close()
