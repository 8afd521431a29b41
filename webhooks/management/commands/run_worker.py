"""`manage.py run_worker`: webhook deliveries and the periodic duties (expiry notices, purging
old delivery logs). Run as many as you like, on any hosts (SQLite: one)."""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand

from cybergate.lib import metrics
from webhooks.worker import Worker


class Command(BaseCommand):
    help = "Deliver webhooks and run the periodic duties until stopped (SIGTERM / Ctrl-C)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--threads", type=int, default=None, help="concurrent deliveries")
        parser.add_argument(
            "--metrics-port",
            type=int,
            help="Serve /metrics on this port (to METRICS_ALLOWED or METRICS_TOKEN).",
        )
        parser.add_argument(
            "--metrics-address", default="0.0.0.0", help="Address for --metrics-port (all)."
        )

    def handle(
        self,
        *args,
        threads: int | None = None,
        metrics_port: int | None = None,
        metrics_address: str = "0.0.0.0",
        **options,
    ) -> None:
        if metrics_port is not None:
            metrics.serve_in_thread(metrics_address, metrics_port)
        worker = Worker(threads=threads)
        signal.signal(signal.SIGTERM, lambda *_: worker.stop())
        signal.signal(signal.SIGINT, lambda *_: worker.stop())
        self.stdout.write("Webhook worker running.", ending="\n")
        self.stdout.flush()
        worker.run()
        self.stdout.write(f"Webhook worker stopped: {worker.delivered} delivered.", ending="\n")
