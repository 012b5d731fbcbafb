from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "用户与授权"

    def ready(self):
        from . import signals  # noqa: F401  (connects the login audit receivers)
