"""`manage.py run_worker`: webhook deliveries and the periodic duties (expiry notices, purging
old delivery logs). Run as many as you like, on any hosts (SQLite: one)."""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand

from webhooks.worker import Worker


class Command(BaseCommand):
    help = "Deliver webhooks and run the periodic duties until stopped (SIGTERM / Ctrl-C)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--threads", type=int, default=None, help="concurrent deliveries")

    def handle(self, *args, threads: int | None = None, **options) -> None:
        worker = Worker(threads=threads)
        signal.signal(signal.SIGTERM, lambda *_: worker.stop())
        signal.signal(signal.SIGINT, lambda *_: worker.stop())
        self.stdout.write("Webhook worker running.", ending="\n")
        self.stdout.flush()
        worker.run()
        self.stdout.write(f"Webhook worker stopped: {worker.delivered} delivered.", ending="\n")
