"""Fixed vocabularies of organizational life (组织生活) and membership development (发展党员)."""

from django.db import models


class MeetingKind(models.TextChoices):
    """The meetings and activities 《中国共产党支部工作条例（试行）》 asks of a branch (RULES-SOURCES §1)."""

    ASSEMBLY = "assembly", "支部党员大会"
    COMMITTEE = "committee", "支委会"
    GROUP = "group", "党小组会"
    LECTURE = "lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"
    LIFE = "life", "组织生活会"
    REVIEW = "review", "民主评议党员"


# 三会一课: the three meetings and the party lecture.
THREE_ONE = (MeetingKind.ASSEMBLY, MeetingKind.COMMITTEE, MeetingKind.GROUP, MeetingKind.LECTURE)


class AbsenceReason(models.TextChoices):
    WORK = "work", "因公"
    ILLNESS = "illness", "因病"
    PERSONAL = "personal", "因事"
    AWAY = "away", "外出（流动）"
    OTHER = "other", "其他"


class Stage(models.TextChoices):
    """Where a person stands in the development pipeline (《中国共产党发展党员工作细则》, RULES-SOURCES §6)."""

    APPLICANT = "applicant", "入党申请人"
    ACTIVIST = "activist", "入党积极分子"
    CANDIDATE = "candidate", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"
    CANCELLED = "cancelled", "取消预备党员资格"


# Stages in their order; a stage's counts on the roll-up pages run in this order.
PIPELINE = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY, Stage.FULL)


class StepKind(models.TextChoices):
    """A dated decision in a person's development."""

    APPLY = "apply", "递交入党申请书"
    TALK = "talk", "入党谈话"
    ACTIVIST = "activist", "确定为入党积极分子"
    CANDIDATE = "candidate", "确定为发展对象"
    TRAINING = "training", "参加集中培训"
    ADMIT = "admit", "接收为预备党员"
    EXTEND = "extend", "延长预备期"
    FULL = "full", "转为正式党员"
    CANCEL = "cancel", "取消预备党员资格"
