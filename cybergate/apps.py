from __future__ import annotations

from django.apps import AppConfig


class CyberGateConfig(AppConfig):
    """The project package as an app: its system checks and security-log receivers."""

    name = "cybergate"
    verbose_name = "CyberGate"

    def ready(self) -> None:
        from cybergate.lib import checks, security  # noqa: F401 - registers checks and receivers
