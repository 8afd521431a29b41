"""System checks of our own settings (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

W001 = "cybergate.W001"


@register(Tags.security, deploy=True)
def check_secret_pepper(app_configs=None, **kwargs) -> list[Warning]:
    """SECRET_PEPPER falls back to SECRET_KEY when unset: rotating SECRET_KEY (a routine response
    to a leak) would then invalidate every API secret and device credential at once."""
    if settings.SECRET_PEPPER and settings.SECRET_PEPPER != settings.SECRET_KEY:
        return []
    return [
        Warning(
            "SECRET_PEPPER is not set: API secrets and device credentials are hashed under "
            "SECRET_KEY.",
            hint=(
                "Set SECRET_PEPPER to its own long random value and keep it when SECRET_KEY "
                "changes (to rotate the pepper, list the old one in SECRET_PEPPER_OLD)."
            ),
            id=W001,
        )
    ]
