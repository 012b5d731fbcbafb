from django.apps import AppConfig


class FlowsConfig(AppConfig):
    """Installed for its management command (`dangjian cadence`) and the workbench's providers; it has no models."""

    name = "dangjian.flows"
    label = "flows"
    verbose_name = "跨模块流程"

    def ready(self) -> None:
        from . import publish_jobs
        from .workbench import register_all

        register_all()
        publish_jobs.register()  # publishing an assessment as a background job (core/jobs.py)
