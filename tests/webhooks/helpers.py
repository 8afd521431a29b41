from __future__ import annotations

import time

from webhooks.worker import claim, deliver


def drain(rounds: int = 50) -> list[str]:
    """Run the worker's claim-and-deliver steps in this thread until nothing is due (waiting a
    little for retries the shortened schedule puts a few milliseconds ahead)."""
    outcomes: list[str] = []
    idle = 0
    for _ in range(rounds):
        claimed = claim(20)
        if not claimed:
            idle += 1
            if idle > 5:
                break
            time.sleep(0.05)
            continue
        idle = 0
        outcomes += [deliver(attempt_id, token) for attempt_id, token in claimed]
    return outcomes
