from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data and the ``frontline demo`` command: the one place that knows every app, so
    that ``core`` does not."""

    name = "frontline.demo"
    label = "demo"
    verbose_name = "Frontline demo"
