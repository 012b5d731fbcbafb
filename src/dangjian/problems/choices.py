"""Fixed vocabularies of the problem lists (问题清单 → 责任清单 → 销号清单) [003]."""

from django.db import models

from dangjian.orgs.choices import Level


class ProblemLevel(models.TextChoices):
    """The four levels of "市-县-镇-站(村)四级联动" [003], lowest first: the order escalation follows."""

    STATION_VILLAGE = "station_village", "站（村）"
    TOWN = "town", "镇"
    COUNTY = "county", "县"
    CITY = "city", "市"


LEVEL_ORDER: list[str] = [ProblemLevel.STATION_VILLAGE, ProblemLevel.TOWN, ProblemLevel.COUNTY, ProblemLevel.CITY]
# Which organizations of the tree answer for a level: the highest such organization at or above the one concerned.
ORG_LEVELS: dict[str, tuple[str, ...]] = {
    ProblemLevel.STATION_VILLAGE: (Level.VILLAGE, Level.STATION),
    ProblemLevel.TOWN: (Level.TOWN,),
    ProblemLevel.COUNTY: (Level.COUNTY,),
    ProblemLevel.CITY: (Level.CITY,),
}


def level_above(level: str) -> str | None:
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


class ProblemStatus(models.TextChoices):
    ASSIGNING = "assigning", "待指派"  # raised to a level that has not named its owner yet
    OPEN = "open", "办理中"
    SUBMITTED = "submitted", "待核实销号"
    CLOSED = "closed", "已销号"


class SourceKind(models.TextChoices):
    """Where a problem was found: the weekly report, a resident's opinion, an inspection, or typed in by hand."""

    WEEKLY = "weekly", "每周报表"
    OPINION = "opinion", "群众意见"
    INSPECTION = "inspection", "督查发现"
    MANUAL = "manual", "直接登记"


class Category(models.TextChoices):
    """Categories of problems and residents' opinions ("分门别类梳理汇总" [003]); one vocabulary for both, so an
    opinion keeps its category when it becomes a problem."""

    PARTY = "party", "党的建设"
    INFRASTRUCTURE = "infrastructure", "道路水电设施"
    ENVIRONMENT = "environment", "环境卫生"
    WELFARE = "welfare", "社会保障"
    POLICY = "policy", "惠农政策落实"
    DISPUTE = "dispute", "矛盾纠纷"
    AFFAIRS = "affairs", "村务公开与干部作风"
    ECONOMY = "economy", "产业发展与就业"
    SERVICES = "services", "教育医疗"
    OTHER = "other", "其他"


class EventKind(models.TextChoices):
    RECORDED = "recorded", "登记"
    ASSIGNED = "assigned", "指派责任人"
    PROGRESS = "progress", "办理进展"
    SUBMITTED = "submitted", "申报办结"
    RETURNED = "returned", "退回重办"
    CLOSED = "closed", "核实销号"
    ESCALATED = "escalated", "本级无法解决，上报"
    OVERDUE = "overdue", "逾期逐级上报"
