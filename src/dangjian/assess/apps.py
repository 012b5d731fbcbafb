from django.apps import AppConfig


class AssessConfig(AppConfig):
    name = "dangjian.assess"
    label = "assess"
    verbose_name = "年度考核"
