"""Fixed vocabularies of party dues (党费)."""

from django.db import models


class DuesCategory(models.TextChoices):
    """Which table of 中组发〔2008〕3号 a member's dues follow (RULES-SOURCES §3, articles 2, 5 and 6)."""

    EMPLOYED = "employed", "在职"
    RETIRED = "retired", "离退休"
    FARMER = "farmer", "农民"
    STUDENT = "student", "学生"
    UNEMPLOYED = "unemployed", "下岗失业"
    RELIEF = "relief", "享受低保、依靠抚恤或救济生活"


class ReliefKind(models.TextChoices):
    """A hardship decision (第七条): the branch decides, the level above approves."""

    REDUCE = "reduce", "减缴"
    EXEMPT = "exempt", "免缴"


class MonthStatus(models.TextChoices):
    """One member-month as the sheet shows it."""

    PAID = "paid", "已缴"
    LATE = "late", "补缴"
    UNPAID = "unpaid", "未缴"
    OPEN = "open", "当月未缴"  # the month is still running: not overdue yet
    EXEMPT = "exempt", "免缴"
    NO_BASE = "no_base", "未核定"
    NOT_DUE = "not_due", "—"  # before the member joined
