"""A minimal device-side client of the gateway API, shared by simulate_device and simulate_call.

Speaks plain HTTP with httpx, as a door station's firmware (or the call bridge) would; it imports
nothing of the server, so it works against any CyberGate server, local or remote.
"""

from __future__ import annotations

import logging
import time
from typing import Any, cast

import httpx
from django.core.management.base import CommandError

# A server that does not hold long-polls (the WSGI web pool, `runserver`) says so with this header
# and answers at once; the device then pauses this long before asking again, instead of spinning.
LONG_POLL_HEADER = "X-Long-Poll"
UNHELD_POLL_PAUSE_SECONDS = 0.5


class GatewayError(CommandError):
    """The gateway answered with a problem; `code` is its stable error code."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.retry_after = 0.0


def retry_after(response: httpx.Response, default: float) -> float:
    """Seconds the server asked us to wait (Retry-After in seconds), else `default`."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return default


def answer_json(response: httpx.Response) -> Any:
    """The JSON body of a success; a GatewayError (with the retry pause) for a problem."""
    if response.is_success:
        return response.json()
    try:
        body = response.json()
        error = GatewayError(response.status_code, body.get("code", "?"), body.get("detail", ""))
    except ValueError:
        error = GatewayError(response.status_code, "http_error", response.text[:200])
    error.retry_after = retry_after(response, 0.0)
    raise error


class DeviceClient:
    def __init__(self, url: str, credential: str, *, timeout: float = 10.0) -> None:
        if not credential:
            raise CommandError("A device credential is required (--credential cgd_...).")
        # httpx logs every request at INFO; the simulators print what matters themselves.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self.base = url.rstrip("/") + "/device-api/v1"
        self.http = httpx.Client(headers={"Authorization": f"Bearer {credential}"}, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def _json(self, response: httpx.Response) -> Any:
        return answer_json(response)

    def start_call(self, *, call_group: str, caller: str) -> dict[str, Any]:
        return cast(
            dict[str, Any],
            self._json(
                self.http.post(
                    f"{self.base}/calls", json={"caller": caller, "call_group": call_group}
                )
            ),
        )

    def call_event(self, call_id: str, type_: str, user: str | None = None) -> dict[str, Any]:
        body = {"type": type_} | ({"user": user} if user else {})
        answer = self._json(self.http.post(f"{self.base}/calls/{call_id}/events", json=body))
        return cast(dict[str, Any], answer)

    def poll(self, wait: float) -> list[dict[str, Any]]:
        # The server may hold the request for `wait` seconds: allow that plus the usual timeout.
        response = self.http.get(
            f"{self.base}/commands",
            params={"wait": f"{wait:g}"},
            timeout=wait + self.http.timeout.read if self.http.timeout.read else None,
        )
        commands: list[dict[str, Any]] = self._json(response)["commands"]
        if not commands and wait and LONG_POLL_HEADER in response.headers:
            time.sleep(min(wait, UNHELD_POLL_PAUSE_SECONDS))
        return commands

    def ack(self, command_id: str, result: str) -> dict[str, Any]:
        url = f"{self.base}/commands/{command_id}/ack"
        return cast(dict[str, Any], self._json(self.http.post(url, json={"result": result})))
