from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_duty_groups(sender, apps=None, **kwargs) -> None:
    """After `migrate` (and after a test's flush, which emits the same signal), the three duty groups of 三员分立
    exist: `assign_duty` looks them up by name, and an emptied table would refuse every duty."""
    from django.apps import apps as installed

    from .duties import Duty

    group = (apps or installed).get_model("auth", "Group")  # `migrate` passes its apps, `flush` none
    for name in Duty.values:
        group.objects.get_or_create(name=name)


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "用户与授权"

    def ready(self):
        from . import signals  # noqa: F401  (connects the login audit receivers)

        post_migrate.connect(ensure_duty_groups, sender=self)
