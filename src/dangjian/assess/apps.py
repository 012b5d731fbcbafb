from django.apps import AppConfig


class AssessConfig(AppConfig):
    name = "dangjian.assess"
    label = "assess"
    verbose_name = "年度考核"

    def ready(self) -> None:
        # The assessment run as a background job (core/jobs.py): registered here, once the apps are loaded.
        from .run_jobs import register

        register()
