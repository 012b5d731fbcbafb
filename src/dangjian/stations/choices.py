"""Fixed vocabularies of the workstations [003]."""

from django.db import models


class StaffPost(models.TextChoices):
    CHIEF = "chief", "站长"
    DEPUTY = "deputy", "副站长"
    STAFF = "staff", "工作人员"


class StaffSource(models.TextChoices):
    """Where station staff come from [003]: 从镇（街道）干部、驻村工作队员、大学生村官中挑选."""

    TOWN_CADRE = "town_cadre", "镇（街道）干部"
    WORK_TEAM = "work_team", "驻村工作队员"
    GRADUATE = "graduate", "大学生村官"
    OTHER = "other", "其他"
