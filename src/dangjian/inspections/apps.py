from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "dangjian.inspections"
    label = "inspections"
    verbose_name = "随机督导"

    def ready(self) -> None:
        # The bulletin's files as a background job (core/jobs.py): registered here, once the apps are loaded.
        from .bulletin_jobs import register

        register()
