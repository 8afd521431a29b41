from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-in on top of django-allauth: throttling, MFA rules, session limits, audit."""

    name = "accounts"

    def ready(self) -> None:
        from accounts import receivers  # noqa: F401 - connects the audit receivers
