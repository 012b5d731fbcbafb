from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "dangjian.accountability"
    verbose_name = "问责"
