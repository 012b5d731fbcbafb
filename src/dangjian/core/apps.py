from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from .checks import field_key_derivation  # models and settings are loaded only now

        checks.register(field_key_derivation, checks.Tags.security)
