from django.apps import AppConfig


class RectifyConfig(AppConfig):
    name = "dangjian.rectify"
    label = "rectify"
    verbose_name = "软弱涣散整顿"

    def ready(self) -> None:
        # The bulletin's files as a background job (core/jobs.py): registered here, once the apps are loaded.
        from .bulletin_jobs import register

        register()
