from django.apps import AppConfig


class WeeklyConfig(AppConfig):
    name = "dangjian.weekly"
    label = "weekly"
    verbose_name = "每周“两下两上”"
