from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data (`manage.py seed_demo`): above every other app, imported by none."""

    name = "demo"
    verbose_name = "Demo data"
