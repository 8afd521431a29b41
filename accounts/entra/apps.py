from django.apps import AppConfig


class EntraConfig(AppConfig):
    """allauth finds the "Sign in with Microsoft" provider in this app's provider module."""

    name = "accounts.entra"
    label = "accounts_entra"
    verbose_name = "Sign in with Microsoft"
