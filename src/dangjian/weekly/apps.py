from django.apps import AppConfig


class WeeklyConfig(AppConfig):
    name = "dangjian.weekly"
    label = "weekly"
    verbose_name = "每周“两下两上”"

    def ready(self):
        # Counted in the organizations' roll-ups (`orgs.tally`), which sit below and recount these rows through the
        # functions handed to them here (weekly/rollups.py), for `dangjian rollups --check|--rebuild`.
        from . import rollups

        rollups.register()
