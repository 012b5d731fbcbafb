"""The "四层衔接、三级贯通" view of a vertical system [000]: for each unit of the line (市局 → 县区局 → 分局), whether
the four layers are linked — a 党组 guiding its 机关党委, the 党委 with its secretary, the 支部 with theirs, and
the duties assigned down to the members — and whether the unit's party relation follows the line. Each gap is
named where it is, so the page says where the chain breaks."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from dangjian.orgs.choices import BRANCH_KINDS, OrgKind, Post, SystemTier
from dangjian.orgs.models import CommitteePost, Organization

from .choices import DutyPost
from .models import DutyItem, LeadingGroup

LEADING_TIERS = (SystemTier.CITY_BUREAU, SystemTier.COUNTY_BUREAU)  # where a 党组 and a 机关党委 are expected


@dataclass
class Link:
    """One unit of the line and the state of its four layers."""

    unit: Organization
    groups: list[str] = field(default_factory=list)
    committee: str = ""
    branches: int = 0
    branches_led: int = 0
    items: int = 0
    member_lists: int = 0
    relation: str = ""
    breaks: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return bool(self.breaks)


def relation_of(unit: Organization) -> tuple[str, str]:
    """How the unit's party relation (块) follows its line (条): (words, break or "")."""
    if unit.system_chain_broken():
        return "断层", "分局党组织关系隶属当地党委，未归口县区局"
    if unit.system_parent_id and unit.parent_id != unit.system_parent_id:
        return "属地管理", ""
    return "贯通", ""


def chain_links(units: list[Organization]) -> list[Link]:
    """The links of `units` (already restricted to what the reader may see), in the order given."""
    ids = [u.pk for u in units]
    groups: dict[int, list[str]] = {}
    for guides_id, name in LeadingGroup.objects.filter(guides_id__in=ids).values_list("guides_id", "name"):
        groups.setdefault(guides_id, []).append(name)
    led = set(CommitteePost.objects.filter(org_id__in=ids, post=Post.SECRETARY).values_list("org_id", flat=True))
    links = []
    for unit in units:
        link = Link(unit, groups=groups.get(unit.pk, []))
        expected = unit.system_tier in LEADING_TIERS
        if expected and not link.groups:
            link.breaks.append("未设党组（或党组未关联本单位机关党委）")
        if unit.kind == OrgKind.COMMITTEE:
            link.committee = "机关党委" + ("" if unit.pk in led else "（书记空缺）")
            if unit.pk not in led:
                link.breaks.append("机关党委书记空缺")
        else:
            link.committee = f"未设（{unit.get_kind_display()}）"
            if expected:
                link.breaks.append(f"未设机关党委（现为{unit.get_kind_display()}）")
        branches = list(
            Organization.objects.in_subtree(unit).filter(kind__in=BRANCH_KINDS).values_list("pk", flat=True)
        )
        link.branches = len(branches)
        link.branches_led = (
            CommitteePost.objects.filter(org_id__in=branches, post=Post.SECRETARY).values("org_id").distinct().count()
        )
        if not branches:
            link.breaks.append("无党支部")
        elif link.branches_led < link.branches:
            link.breaks.append(f"{link.branches - link.branches_led} 个党支部书记空缺")
        items = DutyItem.objects.in_subtree(unit).active().order_by().aggregate(n=Count("id"))
        link.items = items["n"]
        link.member_lists = (
            DutyItem.objects.in_subtree(unit).active().filter(post=DutyPost.MEMBER).values("org_id").distinct().count()
        )
        if not link.items:
            link.breaks.append("责任清单未分解到岗")
        elif link.member_lists < link.branches:
            link.breaks.append(f"{link.branches - link.member_lists} 个党支部的党员责任未落实")
        link.relation, cut = relation_of(unit)
        if cut:
            link.breaks.append(cut)
        links.append(link)
    return links
