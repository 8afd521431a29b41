"""Periodic duties that `manage.py run_worker` runs beside the deliveries (instead of a cron).

Apps register theirs in their AppConfig.ready (webhooks sits below them and imports none). Each
duty must be safe when several workers run it at once (row locks with SKIP LOCKED, unique rows):
every worker runs every duty on its own schedule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Duty:
    name: str
    every_seconds: float
    run: Callable[[], object]


_DUTIES: dict[str, Duty] = {}


def register(name: str, *, every_seconds: float, run: Callable[[], object]) -> None:
    _DUTIES[name] = Duty(name, every_seconds, run)


def registered() -> list[Duty]:
    return list(_DUTIES.values())
