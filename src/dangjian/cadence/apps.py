from django.apps import AppConfig


class CadenceConfig(AppConfig):
    name = "dangjian.cadence"
    label = "cadence"
    verbose_name = "定期任务与通知"
