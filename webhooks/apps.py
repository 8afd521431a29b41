from __future__ import annotations

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self) -> None:
        from cybergate.lib import metrics
        from webhooks import duties, selectors, services

        duties.register("webhooks.purge", every_seconds=3600, run=services.purge_old_messages)
        metrics.register_webhook_backlog(selectors.due_backlog)
