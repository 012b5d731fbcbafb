"""Fixed vocabularies of the organization register (DOMAIN.md "Organizations")."""

from django.db import models


class OrgKind(models.TextChoices):
    CITY_COMMITTEE = "city_committee", "市委"
    COUNTY_COMMITTEE = "county_committee", "县（区）委"
    AGENCY_WORK_COMMITTEE = "agency_work_committee", "机关工委"
    TOWN_COMMITTEE = "town_committee", "乡镇党委"
    STREET_COMMITTEE = "street_committee", "街道党工委"
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    JOINT_BRANCH = "joint_branch", "联合党支部"
    GROUP = "group", "党小组"


class Domain(models.TextChoices):
    """党建类型 [004]."""

    VILLAGE = "village", "农村"
    COMMUNITY = "community", "社区"
    AGENCY = "agency", "机关"
    INSTITUTION = "institution", "事业单位"
    STATE_ENTERPRISE = "state_enterprise", "国有企业"
    NON_PUBLIC = "non_public", "非公企业及社会组织"


class Level(models.TextChoices):
    CITY = "city", "市"
    COUNTY = "county", "县（区）"
    TOWN = "town", "乡镇（街道）"
    STATION = "station", "站/片区"
    VILLAGE = "village", "村（社区）"


class Post(models.TextChoices):
    """班子 posts."""

    SECRETARY = "secretary", "书记"
    DEPUTY = "deputy", "副书记"
    FULLTIME_DEPUTY = "fulltime_deputy", "专职副书记"
    ORGANIZATION = "organization", "组织委员"
    PROPAGANDA = "propaganda", "宣传委员"
    DISCIPLINE = "discipline", "纪检委员"
    MEMBER = "member", "委员"


class SystemTier(models.TextChoices):
    """Tiers of a vertically managed agency system (条) [000]."""

    CITY_BUREAU = "city_bureau", "市局"
    COUNTY_BUREAU = "county_bureau", "县区局"
    SUB_BUREAU = "sub_bureau", "分局"


# The roots a region is built from: they carry no domain of their own.
LEADING_KINDS = {
    OrgKind.CITY_COMMITTEE,
    OrgKind.COUNTY_COMMITTEE,
    OrgKind.AGENCY_WORK_COMMITTEE,
    OrgKind.TOWN_COMMITTEE,
    OrgKind.STREET_COMMITTEE,
}
GRASSROOTS_KINDS = {
    OrgKind.COMMITTEE,
    OrgKind.GENERAL_BRANCH,
    OrgKind.BRANCH,
    OrgKind.JOINT_BRANCH,
}
BRANCH_KINDS = {OrgKind.BRANCH, OrgKind.JOINT_BRANCH}

_UPPER = {
    OrgKind.CITY_COMMITTEE,
    OrgKind.COUNTY_COMMITTEE,
    OrgKind.AGENCY_WORK_COMMITTEE,
    OrgKind.TOWN_COMMITTEE,
    OrgKind.STREET_COMMITTEE,
    OrgKind.COMMITTEE,
}

# Which kinds may sit directly under which: a child's kind must fit its parent. None means "may be a root".
ALLOWED_PARENTS: dict[str, set[str | None]] = {
    OrgKind.CITY_COMMITTEE: {None},
    OrgKind.COUNTY_COMMITTEE: {None, OrgKind.CITY_COMMITTEE},
    OrgKind.AGENCY_WORK_COMMITTEE: {None, OrgKind.CITY_COMMITTEE, OrgKind.COUNTY_COMMITTEE},
    OrgKind.TOWN_COMMITTEE: {OrgKind.COUNTY_COMMITTEE},
    OrgKind.STREET_COMMITTEE: {OrgKind.COUNTY_COMMITTEE, OrgKind.CITY_COMMITTEE},
    OrgKind.COMMITTEE: _UPPER,
    OrgKind.GENERAL_BRANCH: _UPPER,
    OrgKind.BRANCH: _UPPER | {OrgKind.GENERAL_BRANCH},
    OrgKind.JOINT_BRANCH: _UPPER | {OrgKind.GENERAL_BRANCH},
    OrgKind.GROUP: {OrgKind.BRANCH, OrgKind.JOINT_BRANCH},
}


# 中办《关于党的基层组织任期的意见》(2018): 基层党委 5 years; 总支 and 支部 3; village/community ones 5. These are the
# catalog's values of the rulebook's `org.term`; the service that creates an organization reads the rule as it stands
# for the new organization's parent (`orgs.services.create_org`), the demo's bulk generation the defaults.
DEFAULT_TERMS = {"committee": 5, "branch": 3, "village": 5}


def default_term_years(kind: str, domain: str, terms: dict | None = None) -> int | None:
    """The term of a new organization by the rule `org.term` (`terms`: its value where the organization stands; the
    catalog's without it): a 党小组 has none."""
    terms = {**DEFAULT_TERMS, **(terms or {})}
    if kind == OrgKind.GROUP:
        return None
    if domain in (Domain.VILLAGE, Domain.COMMUNITY):
        return int(terms["village"])
    if kind in (OrgKind.GENERAL_BRANCH, OrgKind.BRANCH, OrgKind.JOINT_BRANCH):
        return int(terms["branch"])
    return int(terms["committee"])
