from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_rules(sender, apps=None, **kwargs) -> None:
    """After `migrate` (and after a test's flush, which emits the same signal), the rules table holds the code's
    catalog: a rule added to `catalog.py` reaches the database without a data migration of its own, and an emptied
    table is filled again. Overrides are never touched."""
    from django.apps import apps as installed

    from .services import sync_catalog

    sync_catalog((apps or installed).get_model("rulebook", "Rule"))  # `migrate` passes its apps, `flush` none


class RulebookConfig(AppConfig):
    name = "dangjian.rulebook"
    label = "rulebook"
    verbose_name = "规则库"

    def ready(self) -> None:
        post_migrate.connect(sync_rules, sender=self)
