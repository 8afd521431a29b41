"""A fixed request rate for the flood clients of the benchmarks (auth_flood.py, login_flood.py)."""

from __future__ import annotations

import asyncio


class Pace:
    """Call `await pace.next()` after each request to send `rate` a second; `rate` <= 0: as fast
    as answered. Made inside the running loop, whose clock it keeps from then on."""

    def __init__(self, rate: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.interval = 1 / rate if rate > 0 else 0.0
        self.due = self.loop.time()

    async def next(self) -> None:
        if not self.interval:
            return
        self.due += self.interval
        delay = self.due - self.loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            self.due = self.loop.time()  # behind schedule: go on at the pace, no catch-up burst
