from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "dangjian.stations"
    label = "stations"
    verbose_name = "党建工作站"

    def ready(self) -> None:
        # The station list is one of the importable kinds (`dangjian import stations FILE`): registered here, in
        # the one place Django runs once the apps are loaded, since the sheets framework sits below this app.
        from . import rollups
        from .import_stations import register_import

        register_import()
        rollups.register()  # the coverage counted in the organizations' roll-ups (stations/rollups.py)
