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
from dangjian.rulebook.book import Book

from .choices import ALLOWED_PARENTS, BRANCH_KINDS, OrgKind, Post
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
    """A threshold not met: its code, the rule it comes from (`rulebook` key) and the words users see, which name
    the rule's source (`Effective.cite`)."""

    code: str
    message: str
    rule: str = ""
    severity: str = "warning"


@dataclass(frozen=True)
class OrgFacts:
    """What the warnings need to know beyond the organization row, counted once by the caller."""

    members: int  # all members in the subtree
    full_members: int
    posts: tuple[str, ...]  # post codes held


def _warn(out: list[Warning], book: Book, org: Organization, key: str, code: str, make) -> None:
    """Add the warning of rule `key` if the rule binds `org` there; `make(value)` words it from the value in force."""
    rule = book.applies(key, org)
    if rule is None:
        return
    message = make(rule.value)
    if message:
        out.append(Warning(code, rule.cite(message), key, rule.severity))


def warnings_for(
    org: Organization, facts: OrgFacts, today: datetime.date | None = None, book: Book | None = None
) -> list[Warning]:
    """Thresholds of the 支部工作条例, the 机关条例 and the term rules, as warnings rather than hard stops; each value,
    severity and source comes from the rulebook as it stands for `org` (its region's overrides included)."""
    today = today or timezone.localdate()
    book = book or Book.load()
    out: list[Warning] = []
    kind = org.kind
    posts = set(facts.posts)
    if kind in BRANCH_KINDS:
        _warn(
            out,
            book,
            org,
            "org.branch_max_members",
            "branch_too_big",
            lambda v: facts.members > v and (f"党支部党员一般不超过{v}人，现有{facts.members}人，宜考虑设立党总支。"),
        )
        if kind == OrgKind.BRANCH:
            _warn(
                out,
                book,
                org,
                "org.branch_min_members",
                "branch_too_small",
                lambda v: facts.full_members < v and (f"正式党员{facts.full_members}人，不足{v}人，宜成立联合党支部。"),
            )
        committee_posts = {Post.ORGANIZATION, Post.PROPAGANDA, Post.DISCIPLINE}
        _warn(
            out,
            book,
            org,
            "org.branch_committee_at",
            "branch_needs_committee",
            lambda v: (
                (facts.full_members >= v and not committee_posts & posts)
                and f"正式党员{facts.full_members}人，满{v}人应设立支部委员会。"
            ),
        )
    if kind == OrgKind.JOINT_BRANCH:
        _warn(
            out,
            book,
            org,
            "org.joint_branch_units",
            "joint_too_wide",
            lambda v: org.unit_count > v and (f"联合党支部覆盖{org.unit_count}个单位，一般不超过{v}个。"),
        )
    if kind == OrgKind.GENERAL_BRANCH:
        _warn(
            out,
            book,
            org,
            "org.general_branch_min",
            "general_branch_small",
            lambda v: facts.members < v and (f"党员{facts.members}人，不足{v}人设立党总支需经批准。"),
        )
    if kind == OrgKind.COMMITTEE:
        _warn(
            out,
            book,
            org,
            "org.committee_min",
            "committee_small",
            lambda v: facts.members < v and (f"党员{facts.members}人，不足{v}人设立党委需经批准。"),
        )
    if kind != OrgKind.GROUP:
        _warn(
            out, book, org, "org.secretary", "secretary_vacant", lambda v: Post.SECRETARY not in posts and "书记空缺。"
        )
    filled = len(facts.posts)
    seats = org.committee_seats
    _warn(
        out,
        book,
        org,
        "org.committee_seats",
        "vacancies",
        lambda v: seats and filled < seats and (f"核定委员{seats}名，现有{filled}名，缺额{seats - filled}名。"),
    )
    _warn(
        out,
        book,
        org,
        "org.election_due",
        "election_overdue",
        lambda v: org.election_overdue(today) and (f"应于{org.election_due:%Y年%m月%d日}换届，已逾期。"),
    )
    if kind == OrgKind.COMMITTEE:
        _warn(
            out,
            book,
            org,
            "agency.discipline",
            "no_discipline",
            lambda v: (
                (not org.has_discipline_committee and Post.DISCIPLINE not in posts)
                and "机关党委一般应设立机关纪委，或在党委中设纪检委员。"
            ),
        )
        _warn(out, book, org, "agency.staff_ratio", "party_staff_low", lambda v: staff_ratio_words(org, v))
    return out


def staff_ratio_words(org: Organization, bounds) -> str:
    """The staffing warning of 机关条例 第三十条: full-time party staff under the lower bound (percent) of the
    unit's staff; "" when met or when the unit's staff is not recorded."""
    if not org.staff_total:
        return ""
    low, high = bounds
    ratio = org.party_staff_fulltime / org.staff_total
    if ratio * 100 >= low:
        return ""
    return f"专职党务工作人员{org.party_staff_fulltime}人，占在编人数{ratio:.2%}，低于{low}%–{high}%的一般要求。"


# ---------------------------------------------------------------------------------------------------- workstations
# [003] 每个党建工作站负责联系指导3-5个村（社区）；按照每个站不少于1名专职人员的原则. Warnings, not refusals: the
# hard rules of coverage (own town, one station per village) are `stations.rules`. Values and sources: the rulebook's
# `station.coverage` and `station.fulltime`, as they stand for the station's town.
COUNT_WARNING = "按规定每个党建工作站负责联系指导 {low}—{high} 个村（社区），本站联系 {n} 个。"
NO_FULLTIME = "按规定每个党建工作站不少于 {n} 名专职工作人员，本站尚无。"
FEW_FULLTIME = "按规定每个党建工作站不少于 {n} 名专职工作人员，本站{have}名。"
NO_CHIEF = "本站尚未登记站长。"


def coverage_warnings(count: int, book: Book | None = None, town: Organization | None = None) -> list[str]:
    rule = (book or Book.load()).rule("station.coverage", town)
    if not rule.enabled:
        return []
    low, high = rule.value
    if low <= count <= high:
        return []
    return [rule.cite(COUNT_WARNING.format(low=low, high=high, n=count))]


def station_warnings(station, book: Book | None = None, town: Organization | None = None) -> list[str]:
    """What the town's page says of a working station: coverage outside 3–5, no chief, no full-time staff (`town`:
    the station's, when the caller has it at hand)."""
    if station.retired_on:
        return []
    book = book or Book.load()
    town = town or station.town
    warnings = coverage_warnings(len(station.villages.all()), book, town)
    chief = book.rule("station.chief", town)
    if chief.enabled and not station.chief_name:
        warnings.append(chief.cite(NO_CHIEF))
    rule = book.rule("station.fulltime", town)
    if rule.enabled and station.fulltime_staff < rule.value:
        words = NO_FULLTIME if not station.fulltime_staff else FEW_FULLTIME
        warnings.append(rule.cite(words.format(n=rule.value, have=station.fulltime_staff)))
    return warnings
