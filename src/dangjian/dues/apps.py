from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "dangjian.dues"
    verbose_name = "党费"

    def ready(self):
        # The dues sheet joins the import framework (`dangjian import dues FILE`): sheets sits below this app and
        # cannot import it, so the kind is handed to it here, once, by name.
        from .sheet import register_import

        register_import()
