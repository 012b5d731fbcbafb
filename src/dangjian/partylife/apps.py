from django.apps import AppConfig


class PartylifeConfig(AppConfig):
    name = "dangjian.partylife"
    verbose_name = "党内组织生活与发展党员"

    def ready(self):
        # The meetings sheet joins the import framework (`dangjian import meetings FILE`): sheets sits below this
        # app and cannot import it, so the kind is handed to it here, once, by name.
        from . import rollups
        from .sheet import register_import

        register_import()
        # Meeting completion is kept in the organizations' roll-ups (`orgs.tally`), which sit below and count a
        # branch's meetings through the function handed to them here (partylife/rollups.py); the rulebook, below too,
        # has an override of a meeting rule recount its subtree the same way.
        rollups.register()
