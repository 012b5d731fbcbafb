"""Fixed vocabularies of random inspections (随机督导) [003, 004]."""

from django.db import models


class PopulationKind(models.TextChoices):
    """What a draw is drawn from: the organizer's subtree, as it stands when the draw is set up."""

    VILLAGES = "villages", "村（社区）党组织"
    CASES = "cases", "在整顿的软弱涣散党组织（未销号案件）"
    STATIONS = "stations", "党建工作站"


class StratifyBy(models.TextChoices):
    NONE = "none", "不分层"
    TOWN = "town", "按乡镇（街道）"
    DOMAIN = "domain", "按党建类型"
    GRADE = "grade", "按上年度考核等次"


class DrawPurpose(models.TextChoices):
    ADHOC = "adhoc", "随机督导"
    SPOT_CHECK = "spot_check", "每月一抽查"


class DrawStatus(models.TextChoices):
    DRAFT = "draft", "待承诺（总体可调整）"
    COMMITTED = "committed", "已承诺，待抽取"
    DRAWN = "drawn", "已抽取并揭示"


class ItemResult(models.TextChoices):
    YES = "yes", "符合"
    NO = "no", "不符合"
    NA = "na", "不适用"


class FollowUp(models.TextChoices):
    """Where a finding (不符合项) is followed until fixed."""

    RECTIFY = "rectify", "整顿案件整改措施"
    PROBLEM = "problem", "问题清单"


class FindingStatus(models.TextChoices):
    PENDING = "pending", "待交办"
    OPEN = "open", "整改中"
    FIXED = "fixed", "已整改"


STATION_DOMAIN = "station"  # a checklist for workstations (they have no 党建类型 of their own)
