from django.apps import AppConfig


class OpinionsConfig(AppConfig):
    name = "dangjian.opinions"
    label = "opinions"
    verbose_name = "群众意见"

    def ready(self):
        # The opinion list joins the import framework here, explicitly: sheets sits below this app and cannot name it.
        from dangjian.sheets.imports import register_kind

        from .sheet import COLUMNS, KIND, TITLE, OpinionImporter

        register_kind(KIND, title=TITLE, columns=COLUMNS, importer=OpinionImporter)
