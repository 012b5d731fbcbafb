"""Pairing a weak organization with the kind of agency that fits its weakness (结对帮扶) [004].

Mohe paired party and government agencies with "soft" villages, economic departments with "poor" ones,
political-legal departments with "disorderly" ones and agricultural departments with "specialised" ones. The
register has no "kind of agency" field, so agencies (organizations of domain 机关) are recognised by words of
their names. The lists below are those words; a name matching several lists is suggested for each of them.
"""

from __future__ import annotations

from dangjian.core.scope import Action
from dangjian.orgs.choices import Domain
from dangjian.orgs.models import Organization

from .models import WeaknessKind

# The kind of agency paired with each kind of weakness, as people say it.
AGENCY_KIND_LABELS = {
    WeaknessKind.SOFT: "党政机关",
    WeaknessKind.POOR: "经济部门",
    WeaknessKind.DISORDERLY: "政法部门",
    WeaknessKind.SPECIALISED: "农业部门",
}

# Words of an agency's name that place it in the kind. Party and government offices (党政机关) are the
# committee's and government's own departments; economic departments hold money, planning and trade; the
# political-legal line is the 政法委, police, courts, procuratorate and justice; agriculture includes forestry,
# water and livestock, which is what "specialised" villages live on.
AGENCY_KEYWORDS: dict[str, tuple[str, ...]] = {
    WeaknessKind.SOFT: (
        "县委办",
        "委办公室",
        "政府办",
        "政府办公室",
        "组织部",
        "宣传部",
        "统战部",
        "纪委",
        "监委",
        "人大",
        "政协",
        "机关工委",
        "编办",
    ),
    WeaknessKind.POOR: (
        "财政",
        "发改",
        "发展和改革",
        "商务",
        "农业农村",
        "供销",
        "工业和信息化",
        "工信",
        "人力资源和社会保障",
        "市场监督",
        "金融",
        "乡村振兴",
    ),
    WeaknessKind.DISORDERLY: ("政法", "公安", "法院", "检察", "司法", "信访", "应急管理", "综治"),
    WeaknessKind.SPECIALISED: ("农业农村", "林业", "草原", "水利", "畜牧", "农机", "农技", "乡村振兴", "气象"),
}

# The six problem flags of the assessment (assess.scheme.PROBLEMS) and the kind of weakness each points to,
# a first guess the town can change: a weak committee or secretary is "soft", a poor venue is a lack of money,
# rules not kept and people not served is disorder.
PROBLEM_KINDS = {
    "班子配备不齐全": WeaknessKind.SOFT,
    "书记业务不达标": WeaknessKind.SOFT,
    "党员作用不突出": WeaknessKind.SOFT,
    "活动场所不规范": WeaknessKind.POOR,
    "制度执行不经常": WeaknessKind.DISORDERLY,
    "服务群众不积极": WeaknessKind.DISORDERLY,
}


def guess_kind(problems) -> str:
    """The kind most of the problem flags point to (ties: in the order of WeaknessKind); "" without flags."""
    counts: dict[str, int] = {}
    for problem in problems or ():
        kind = PROBLEM_KINDS.get(problem)
        if kind:
            counts[kind] = counts.get(kind, 0) + 1
    if not counts:
        return ""
    best = max(counts.values())
    return next(k for k in WeaknessKind.values if counts.get(k) == best)


def matches(name: str, kind: str) -> bool:
    return any(word in name for word in AGENCY_KEYWORDS.get(kind, ()))


def suggest_agencies(case, user, limit: int = 8) -> list[Organization]:
    """Agencies of the case's county whose names fit the case's kind of weakness, within what `user` may see (the
    organization itself left out); none if the case has no kind yet."""
    if not case.kind:
        return []
    region = _county_path(case.org)
    candidates = (
        Organization.objects.restrict(user, Action.VIEW)
        .in_subtree(region)
        .filter(domain=Domain.AGENCY)
        .exclude(pk=case.org_id)
        .only("id", "name", "code", "path")
        .order_by("path")
    )
    words = AGENCY_KEYWORDS[case.kind]
    found = []
    for org in candidates.iterator(chunk_size=500):
        if any(word in org.name for word in words):
            found.append(org)
            if len(found) >= limit:
                break
    return found


def _county_path(org: Organization) -> str:
    """The path of the county above `org`, or its parent's if there is none."""
    from .services import county_of, parent_path

    county = county_of(org)
    return county.path if county else parent_path(org.path) or org.path
