"""Choices of the 党建+ projects and the party-building resources ([000], [001], [003], [004])."""

from django.db import models


class ProjectCategory(models.TextChoices):
    """ "1+3+X" of [000]: the "1" is party building itself, which every project here carries; the "3" are the
    central, key and daily work it is tied to; the "X" are the unit's own brand and featured projects."""

    CENTRAL = "central", "党建+中心工作"
    KEY = "key", "党建+重点工作"
    DAILY = "daily", "党建+日常工作"
    FEATURED = "featured", "特色项目（X）"


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "谋划中"
    ACTIVE = "active", "实施中"
    DONE = "done", "已完成"
    STOPPED = "stopped", "已终止"


class VenueKind(models.TextChoices):
    """The kinds of 阵地 of [003]: an organization's activity venue, the village 党群服务中心 with its services, and
    the 党代表联络工作室 (town and village rooms are told apart by the level of their organization)."""

    ACTIVITY = "activity", "党组织活动场所"
    CENTRE = "centre", "党群服务中心"
    LIAISON = "liaison", "党代表联络工作室"


class FundSource(models.TextChoices):
    BUDGET = "budget", "财政预算"
    DUES = "dues", "党费返还（下拨）"
    SPECIAL = "special", "上级专项"
    OWN = "own", "单位自筹"
    OTHER = "other", "其他"


class SecretaryRole(models.TextChoices):
    FIRST_SECRETARY = "first_secretary", "第一书记"
    TEAM_LEADER = "team_leader", "驻村工作队队长"
    TEAM_MEMBER = "team_member", "驻村工作队队员"


class ReportKind(models.TextChoices):
    """ "月初报工作计划、月末报履职台账" [004]."""

    PLAN = "plan", "月度工作计划"
    LEDGER = "ledger", "月度履职台账"
