from django.apps import AppConfig


class FlowsConfig(AppConfig):
    """Installed for its management command (`dangjian cadence`); it has no models."""

    name = "dangjian.flows"
    label = "flows"
    verbose_name = "跨模块流程"
