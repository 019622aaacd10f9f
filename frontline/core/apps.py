from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "frontline.core"
    label = "core"
    verbose_name = "Frontline core"
