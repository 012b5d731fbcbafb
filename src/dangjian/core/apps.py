from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate

from .shared_cache import after_migrate


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from .checks import field_key_derivation  # models and settings are loaded only now

        checks.register(field_key_derivation, checks.Tags.security)
        # `migrate` leaves the shared cache's table ready (dangjian.core.shared_cache).
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="dangjian-cache-table")
