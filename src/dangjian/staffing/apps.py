from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "dangjian.staffing"
    label = "staffing"
    verbose_name = "党务工作力量"

    def ready(self) -> None:
        from . import imports

        imports.register()
