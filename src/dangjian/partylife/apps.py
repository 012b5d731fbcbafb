from django.apps import AppConfig


class PartylifeConfig(AppConfig):
    name = "dangjian.partylife"
    verbose_name = "党内组织生活与发展党员"

    def ready(self):
        # The meetings sheet joins the import framework (`dangjian import meetings FILE`): sheets sits below this
        # app and cannot import it, so the kind is handed to it here, once, by name.
        from .sheet import register_import

        register_import()
