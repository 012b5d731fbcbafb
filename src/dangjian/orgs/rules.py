"""Rules for organizations: their own values and the tree (hard), and thresholds (warnings), with their sources in
RULES-SOURCES.md. The services ask the hard ones (`org_problems`, `check_parent`, `code_problem`) on every write,
so the organization form, the API and the import (`sheets.import_orgs`, which writes through the services) are
refused in the same words; the form asks `org_problems` itself too, to show them beside its fields."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.core.rules import REQUIRED, Problem

from .choices import ALLOWED_PARENTS, BRANCH_KINDS, Domain, OrgKind, Post
from .models import Organization

# Fields an organization cannot be without; the import's required columns say so in the same words.
REQUIRED_FIELDS = ("name", "code", "kind", "level")


def org_problems(values) -> list[Problem]:
    """What is wrong with an organization's own values (model field names; a field not given is not checked)."""
    return [Problem(name, REQUIRED) for name in REQUIRED_FIELDS if name in values and not values[name]]


def code_problem(code: str, pk: int | None = None) -> Problem | None:
    """An organization code is one organization's (`pk`'s, when it already exists)."""
    if Organization.objects.filter(code=code).exclude(pk=pk).exists():
        return Problem("code", f"组织编码“{code}”已被使用")
    return None


def check_parent(kind: str, parent: Organization | None, org: Organization | None = None) -> None:
    """Raise ValidationError (in Chinese) when `parent` may not hold an organization of `kind`."""
    if org is not None and org.pk and parent is not None:
        if parent.pk == org.pk or parent.path.startswith(org.path):
            raise ValidationError({"parent": "不能把组织调整到它自己或它的下级组织之下（会形成循环）"})
    allowed = ALLOWED_PARENTS.get(kind, set())
    parent_kind = parent.kind if parent is not None else None
    if parent_kind not in allowed:
        kind_label = OrgKind(kind).label
        if parent is None:
            raise ValidationError({"parent": f"“{kind_label}”必须有上级党组织"})
        raise ValidationError({"parent": f"“{OrgKind(parent.kind).label}”下不能设立“{kind_label}”"})


@dataclass(frozen=True)
class Warning:
    code: str
    message: str


@dataclass(frozen=True)
class OrgFacts:
    """What the warnings need to know beyond the organization row, counted once by the caller."""

    members: int  # all members in the subtree
    full_members: int
    posts: tuple[str, ...]  # post codes held


def warnings_for(org: Organization, facts: OrgFacts, today: datetime.date | None = None) -> list[Warning]:
    """Thresholds of the 支部工作条例, the 机关条例 and the term rules, as warnings rather than hard stops."""
    today = today or timezone.localdate()
    out: list[Warning] = []
    kind = org.kind
    if kind in BRANCH_KINDS:
        if facts.members > 50:
            out.append(
                Warning("branch_too_big", f"党支部党员一般不超过50人，现有{facts.members}人，宜考虑设立党总支。")
            )
        if kind == OrgKind.BRANCH and facts.full_members < 3:
            out.append(Warning("branch_too_small", f"正式党员{facts.full_members}人，不足3人，宜成立联合党支部。"))
        if facts.full_members >= 7 and not {Post.ORGANIZATION, Post.PROPAGANDA, Post.DISCIPLINE} & set(facts.posts):
            out.append(Warning("branch_needs_committee", f"正式党员{facts.full_members}人，满7人应设立支部委员会。"))
    if kind == OrgKind.JOINT_BRANCH and org.unit_count > 5:
        out.append(Warning("joint_too_wide", f"联合党支部覆盖{org.unit_count}个单位，一般不超过5个。"))
    if kind == OrgKind.GENERAL_BRANCH and facts.members < 50:
        out.append(Warning("general_branch_small", f"党员{facts.members}人，不足50人设立党总支需经批准。"))
    if kind == OrgKind.COMMITTEE and facts.members < 100:
        out.append(Warning("committee_small", f"党员{facts.members}人，不足100人设立党委需经批准。"))
    if kind != OrgKind.GROUP and Post.SECRETARY not in facts.posts:
        out.append(Warning("secretary_vacant", "书记空缺。"))
    filled = len(facts.posts)
    if org.committee_seats and filled < org.committee_seats:
        out.append(
            Warning(
                "vacancies", f"核定委员{org.committee_seats}名，现有{filled}名，缺额{org.committee_seats - filled}名。"
            )
        )
    if org.election_overdue(today):
        out.append(Warning("election_overdue", f"应于{org.election_due:%Y年%m月%d日}换届，已逾期。"))
    if org.domain == Domain.AGENCY and kind == OrgKind.COMMITTEE:
        if not org.has_discipline_committee and Post.DISCIPLINE not in facts.posts:
            out.append(Warning("no_discipline", "机关党委一般应设立机关纪委，或在党委中设纪检委员。"))
        if org.staff_total:
            ratio = org.party_staff_fulltime / org.staff_total
            if ratio < 0.01:
                out.append(
                    Warning(
                        "party_staff_low",
                        f"专职党务工作人员{org.party_staff_fulltime}人，占在编人数{ratio:.1%}，低于1%–2%的一般要求。",
                    )
                )
    return out


# ---------------------------------------------------------------------------------------------------- workstations
# [003] 每个党建工作站负责联系指导3-5个村（社区）；按照每个站不少于1名专职人员的原则. Warnings, not refusals: the
# hard rules of coverage (own town, one station per village) are `stations.rules`.
COVER_MIN, COVER_MAX = 3, 5
COUNT_WARNING = "按规定每个党建工作站负责联系指导 {low}—{high} 个村（社区），本站联系 {n} 个。"
NO_FULLTIME = "按规定每个党建工作站不少于 1 名专职工作人员，本站尚无。"
NO_CHIEF = "本站尚未登记站长。"


def coverage_warnings(count: int) -> list[str]:
    if COVER_MIN <= count <= COVER_MAX:
        return []
    return [COUNT_WARNING.format(low=COVER_MIN, high=COVER_MAX, n=count)]


def station_warnings(station) -> list[str]:
    """What the town's page says of a working station: coverage outside 3–5, no chief, no full-time staff."""
    if station.retired_on:
        return []
    warnings = coverage_warnings(len(station.villages.all()))
    if not station.chief_name:
        warnings.append(NO_CHIEF)
    if not station.fulltime_staff:
        warnings.append(NO_FULLTIME)
    return warnings
