from django.apps import AppConfig


class ServerConfig(AppConfig):
    """The processes that run the application: the web server (`dangjian serve`) and the worker (`dangjian worker`)."""

    name = "dangjian.server"
    label = "server"
    verbose_name = "服务进程"
