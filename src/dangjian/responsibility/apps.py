from django.apps import AppConfig


class ResponsibilityConfig(AppConfig):
    name = "dangjian.responsibility"
    verbose_name = "三层九岗责任清单"
