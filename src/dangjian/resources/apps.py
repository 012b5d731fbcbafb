from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "dangjian.resources"
    verbose_name = "党建+项目与党建资源"

    def ready(self):
        # The venues and trainings sheets join the import framework (`dangjian import venues FILE`,
        # `dangjian import trainings FILE`): sheets sits below this app, so the kinds are handed to it here, once.
        from .sheet import register_imports

        register_imports()
