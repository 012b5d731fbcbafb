"""Fixed vocabularies of residents' opinions. Categories are the problem lists' (`problems.choices.Category`), so an
opinion keeps its category when it becomes a problem."""

from django.db import models

from dangjian.problems.choices import Category

__all__ = ["Category", "Channel"]


class Channel(models.TextChoices):
    QR = "qr", "扫码提交"
    STAFF = "staff", "工作人员录入"
    IMPORT = "import", "Excel 导入"
