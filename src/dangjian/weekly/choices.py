"""Fixed vocabularies of the weekly cycle ("两下两上" [003])."""

from django.db import models


class Level(models.TextChoices):
    """Which of the two arrangements (安排表) a row is: the town's to its stations, or a station's to its villages."""

    TOWN = "town", "镇→站安排表"
    STATION = "station", "站→村安排表"


class LineStatus(models.TextChoices):
    DONE = "done", "已完成"
    PARTLY = "partly", "部分完成"
    NOT_DONE = "not_done", "未完成"


class Timeliness(models.TextChoices):
    """Where a paper of the week stands against its deadline, as the board shows it."""

    ON_TIME = "on_time", "按时"
    LATE = "late", "迟报"
    PENDING = "pending", "未报"
    OVERDUE = "overdue", "逾期未报"
