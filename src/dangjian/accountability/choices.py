"""Fixed vocabularies of accountability (问责): kinds of record, the rules that propose them, chiefs' ratings."""

from django.db import models


class RecordKind(models.TextChoices):
    TALK = "talk", "约谈"
    ADMONITION = "admonition", "诫勉谈话"
    REMOVAL = "removal", "免职（撤换）"


# A talk of either kind for failing party-work duties bars promotion and honours that year (DOMAIN.md).
BLOCKING_KINDS = (RecordKind.TALK, RecordKind.ADMONITION)


class Rule(models.TextChoices):
    """The consequences of DOMAIN.md "Annual assessment" that the app turns into proposals."""

    WEAK_TWICE = "weak_twice", "连续两年软弱涣散：撤换书记"
    WEAK_TWICE_PARENT = "weak_twice_parent", "二级党支部连续两年软弱涣散：撤换上级党组织书记"
    CHIEF_BASIC = "chief_basic", "工作站站长考评基本称职：诫勉谈话"
    CHIEF_BASIC_TWICE = "chief_basic_twice", "工作站站长连续两年基本称职：免职"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    DISMISSED = "dismissed", "不予采纳"


class ChiefGrade(models.TextChoices):
    """Annual rating of a workstation chief [003]."""

    COMPETENT = "competent", "称职"
    BASIC = "basic", "基本称职"
    INCOMPETENT = "incompetent", "不称职"


class CommendationKind(models.TextChoices):
    HONOUR = "honour", "推荐表彰"
    PROMOTION = "promotion", "提拔推荐"
