from django.apps import AppConfig


class OpinionsConfig(AppConfig):
    name = "dangjian.opinions"
    label = "opinions"
    verbose_name = "群众意见"

    def ready(self):
        # The opinion list joins the import framework here, explicitly: sheets sits below this app and cannot name it.
        from .sheet import register_import

        register_import()
