from django.apps import AppConfig


class RectifyConfig(AppConfig):
    name = "dangjian.rectify"
    label = "rectify"
    verbose_name = "软弱涣散整顿"
