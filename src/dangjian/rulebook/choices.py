"""Fixed vocabularies of the rulebook."""

from django.db import models


class Severity(models.TextChoices):
    """How a broken rule is shown: a hint, a warning, or a requirement the system refuses to pass."""

    HINT = "hint", "提示"
    WARNING = "warning", "警告"
    REQUIRED = "required", "必须"


class Confidence(models.TextChoices):
    """How well the source was verified (RULES-SOURCES.md)."""

    HIGH = "H", "高（两份以上原文一致）"
    MEDIUM = "M", "中（单一来源或转述）"
    UNVERIFIED = "U", "未核实"
