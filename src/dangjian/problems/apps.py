from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "dangjian.problems"
    label = "problems"
    verbose_name = "问题清单"

    def ready(self):
        # Counted in the organizations' roll-ups (`orgs.tally`), which sit below and recount these rows through the
        # functions handed to them here (problems/rollups.py), for `dangjian rollups --check|--rebuild`.
        from . import rollups, services

        rollups.register()
        services.register()  # a waiting problem's kept verifier follows its organization's moves
