"""Event-loop stall probe for the gateway pool (GATEWAY_LOOP_PROBE=true; off by default).

A task on the server's loop sleeps a short interval and records how much later than asked it
woke: that lateness is how long something blocked the loop (the longest is what matters, since
a loop blocked past gunicorn's timeout gets the worker killed). /readyz reports the longest stall
since start (`loop_stall_max_ms`) when the probe runs; bench/door_open.py reads it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

INTERVAL_SECONDS = 0.05

_state: dict[str, Any] = {"max_ms": 0.0, "task": None, "loop": None}


def ensure_started() -> None:
    """Start the probe on the running loop (once per loop; call from the loop's thread)."""
    loop = asyncio.get_running_loop()
    if _state["loop"] is loop:
        return
    _state["loop"] = loop
    _state["task"] = loop.create_task(_probe(loop))


async def _probe(loop: asyncio.AbstractEventLoop) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        while True:
            started = loop.time()
            await asyncio.sleep(INTERVAL_SECONDS)
            late_ms = (loop.time() - started - INTERVAL_SECONDS) * 1000
            _state["max_ms"] = max(_state["max_ms"], late_ms)


def longest_stall_ms() -> float | None:
    """The longest stall seen so far, or None when the probe does not run in this process."""
    return None if _state["task"] is None else round(_state["max_ms"], 1)
