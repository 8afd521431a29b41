"""Email tenant admins about API secrets that expire soon or have expired (each notice once).

Run it every few minutes (cron, a Kubernetes CronJob), on as many machines as you like, or keep
one running with --loop.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from apisecrets.notices import send_expiry_notices
from cybergate.lib import metrics


class Command(BaseCommand):
    help = "Send the due API secret expiry notices (20, 7 and 1 days before, and when expired)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="Keep running, checking every --interval seconds."
        )
        parser.add_argument(
            "--interval", type=float, default=300.0, help="Seconds between checks (default 300)."
        )
        parser.add_argument(
            "--metrics-port",
            type=int,
            help="With --loop: serve /metrics on this port (to METRICS_ALLOWED or METRICS_TOKEN).",
        )
        parser.add_argument(
            "--metrics-address", default="0.0.0.0", help="Address for --metrics-port (all)."
        )

    def handle(
        self,
        *args,
        loop: bool,
        interval: float,
        metrics_port: int | None,
        metrics_address: str,
        **options,
    ) -> None:
        if metrics_port is not None:
            if not loop:
                raise CommandError("--metrics-port needs --loop (a one-off run is not scraped).")
            metrics.serve_in_thread(metrics_address, metrics_port)
        while True:
            outcome = send_expiry_notices()
            line = f"{outcome.sent} expiry notice email(s) sent."
            if outcome.failed:
                line += f" {outcome.failed} refused or failed: tried again by a later run."
            self.stdout.write(line)
            if not loop:
                return
            close_old_connections()
            time.sleep(interval)
