from django.apps import AppConfig


class SheetsConfig(AppConfig):
    name = "dangjian.sheets"
    label = "sheets"
    verbose_name = "导入导出"
