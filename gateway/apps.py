from __future__ import annotations

from django.apps import AppConfig


class GatewayConfig(AppConfig):
    """The device gateway: wakes a device's waiting long-poll when a command is queued for it."""

    name = "gateway"
    verbose_name = "Device gateway"

    def ready(self) -> None:
        from devices.signals import command_queued
        from gateway import wakeup

        command_queued.connect(wakeup.command_queued, dispatch_uid="gateway.wakeup")
