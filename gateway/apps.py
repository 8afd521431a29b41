from __future__ import annotations

from django.apps import AppConfig


class GatewayConfig(AppConfig):
    """The device gateway: wakes a device's waiting long-poll when a command is queued for it, and
    the customer API's long-polls when a log entry or a door-open outcome is written."""

    name = "gateway"
    verbose_name = "Device gateway"

    def ready(self) -> None:
        from audit.signals import log_appended
        from devices.signals import command_queued, command_settled
        from gateway import wakeup

        command_queued.connect(wakeup.command_queued, dispatch_uid="gateway.wakeup")
        # The customer API's long-polls on the logs and on door-open outcomes.
        log_appended.connect(wakeup.log_appended, dispatch_uid="gateway.log_appended")
        command_settled.connect(wakeup.command_settled, dispatch_uid="gateway.command_settled")
