"""Members, committee posts and transfer history for the demo region.

Bulk creation skips Member.save(), so the digests it would compute are filled in here the same way;
the encrypted fields themselves are sealed by EncryptedCharField on insert.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from dangjian.core.crypto import digest
from dangjian.members.choices import Education, MemberStatus
from dangjian.members.models import Member, MemberTransfer
from dangjian.orgs.choices import GRASSROOTS_KINDS, LEADING_KINDS, Domain, OrgKind, Post
from dangjian.orgs.models import CommitteePost, Organization

from .identity import IdAllocator, phone_number
from .names import person_name
from .region import Region
from .tree import years_before

ETHNIC_MINORITIES = ("满族", "蒙古族", "回族", "朝鲜族", "鄂伦春族", "鄂温克族", "达斡尔族", "锡伯族")
DESTINATIONS = (
    "广东省深圳市",
    "浙江省杭州市",
    "北京市朝阳区",
    "上海市浦东新区",
    "江苏省苏州市",
    "天津市滨海新区",
    "辽宁省大连市",
    "山东省青岛市",
)
JOBS = {
    Domain.VILLAGE: ("农民", "农民", "村干部", "个体经营", "外出务工"),
    Domain.COMMUNITY: ("社区工作者", "个体经营", "企业职工", "自由职业"),
    Domain.AGENCY: ("公务员", "公务员", "机关工作人员"),
    Domain.INSTITUTION: ("教师", "医生", "护士", "专业技术人员"),
    Domain.STATE_ENTERPRISE: ("职工", "技术员", "管理人员", "护林员"),
    Domain.NON_PUBLIC: ("企业职工", "企业管理人员", "社会组织工作人员"),
}
TRANSFER_REASONS = ("工作调动", "居住地变更", "毕业分配", "退休后转回居住地")
COMMITTEE_ORDER = (
    Post.SECRETARY,
    Post.DEPUTY,
    Post.ORGANIZATION,
    Post.PROPAGANDA,
    Post.DISCIPLINE,
    Post.MEMBER,
    Post.MEMBER,
    Post.MEMBER,
    Post.MEMBER,
)
# A 支委会 of three or five: secretary first, then the committee members the rules look for.
BRANCH_ORDER = (Post.SECRETARY, Post.ORGANIZATION, Post.PROPAGANDA, Post.DISCIPLINE, Post.DEPUTY)


def member_sizes(region: Region, rng: random.Random) -> dict[int, int]:
    """Members per organization, drawn from each one's range and then nudged so each area hits its target."""
    sizes: dict[int, int] = {}
    for org_id, (_area, (low, high), _domain) in region.holders.items():
        sizes[org_id] = region.fixed_sizes.get(org_id) or rng.randint(low, high)
    for area, target in region.member_targets.items():
        adjustable = [o for o, h in region.holders.items() if h[0] == area and o not in region.fixed_sizes]
        gap = target - sum(sizes[o] for o, h in region.holders.items() if h[0] == area)
        step = 1 if gap > 0 else -1
        for _ in range(100 * abs(gap) + 1000):
            if not gap:
                break
            org_id = rng.choice(adjustable)
            low, high = region.holders[org_id][1]
            if low <= sizes[org_id] + step <= high + 6:  # stay near the range, below 50 unless set oversized
                sizes[org_id] += step
                gap -= step
        if gap:
            raise ValueError(f"cannot reach {target} members in area {area}")
    return sizes


def _education(rng: random.Random, age: int, domain: str) -> str:
    if domain in (Domain.AGENCY, Domain.INSTITUTION):
        return rng.choice((Education.BACHELOR, Education.BACHELOR, Education.POSTGRADUATE, Education.COLLEGE))
    if age > 65:
        return rng.choice((Education.PRIMARY, Education.JUNIOR, Education.SENIOR))
    return rng.choice((Education.JUNIOR, Education.SENIOR, Education.COLLEGE, Education.BACHELOR))


def make_members(region: Region, rng: random.Random, today: datetime.date, first_id: int) -> list[Member]:
    sizes = member_sizes(region, rng)
    ids = IdAllocator()
    members: list[Member] = []
    for org_id, (area, _range, domain) in region.holders.items():
        for _ in range(sizes[org_id]):
            index = first_id + len(members)
            male = rng.random() < (0.62 if domain == Domain.INSTITUTION else 0.72)
            age = (
                rng.randint(22, 60) if domain != Domain.VILLAGE and domain != Domain.COMMUNITY else rng.randint(24, 86)
            )
            birth = years_before(today, age, rng.randint(0, 364))
            probationary = age < 45 and rng.random() < 0.1
            if probationary:
                join = today - datetime.timedelta(days=rng.randint(20, 360))
                full = None
            else:
                join = years_before(today, rng.randint(2, max(2, age - 19)), rng.randint(0, 364))
                join = max(join, years_before(birth, -19))
                full = years_before(join, -1)
            retired = age >= 60 and rng.random() < 0.85
            mobile = not retired and age < 50 and rng.random() < 0.04
            id_no = ids.allocate(area, birth, male)
            phone = phone_number(index)
            members.append(
                Member(
                    id=index,
                    name=person_name(rng, male),
                    gender="male" if male else "female",
                    birth_date=birth,
                    ethnicity="汉族" if rng.random() < 0.9 else rng.choice(ETHNIC_MINORITIES),
                    education=_education(rng, age, domain),
                    id_number=id_no,
                    id_number_digest=digest(id_no),
                    phone=phone,
                    phone_digest=digest(phone),
                    org_id=org_id,
                    status=MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
                    join_date=join,
                    full_date=full,
                    is_mobile=mobile,
                    mobile_destination=rng.choice(DESTINATIONS) if mobile else "",
                    is_untransferred=rng.random() < 0.01,
                    is_retired=retired,
                    job="离退休人员" if retired else rng.choice(JOBS[domain]),
                )
            )
    return members


def make_posts(region: Region, members: list[Member], rng: random.Random, today: datetime.date) -> list[CommitteePost]:
    """班子 for most organizations: full where all is well, with vacancies, missing secretaries and branches
    of seven or more full members without a committee where the rules should warn."""
    by_org: dict[int, list[Member]] = defaultdict(list)
    for m in members:
        by_org[m.org_id].append(m)
    orgs = region.plan.orgs
    below: dict[int, list[Member]] = defaultdict(list)  # members of the subtree, for committees and 总支
    by_id = {o.pk: o for o in orgs}
    for org_id, ms in by_org.items():
        for anc in by_id[org_id].ancestor_ids():
            below[anc].extend(ms[:6])
    posts: list[CommitteePost] = []
    for org in orgs:
        if org.kind == OrgKind.CITY_COMMITTEE or org.kind == OrgKind.COUNTY_COMMITTEE:
            continue
        own = by_org.get(org.pk, [])
        full = sum(1 for m in own if m.status == MemberStatus.FULL)
        if org.kind in LEADING_KINDS or org.kind in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH):
            org.committee_seats = (
                rng.choice((7, 9)) if org.kind in LEADING_KINDS or org.kind == OrgKind.COMMITTEE else 5
            )
            seats = list(COMMITTEE_ORDER[: org.committee_seats])
            if org.domain == Domain.AGENCY and org.kind == OrgKind.COMMITTEE:
                seats[-1] = Post.FULLTIME_DEPUTY
        elif org.kind in GRASSROOTS_KINDS and full >= 7:
            if rng.random() < 0.1:  # no 支委会 although seven full members require one
                org.committee_seats = 0
                seats = [Post.SECRETARY]
            else:
                org.committee_seats = rng.choice((3, 3, 5))
                seats = list(BRANCH_ORDER[: org.committee_seats])
        else:
            seats = [Post.SECRETARY] if rng.random() < 0.5 or len(own) < 5 else [Post.SECRETARY, Post.DEPUTY]
        if len(seats) > 1 and rng.random() < 0.15:  # 缺额
            seats = seats[: -rng.randint(1, 2 if len(seats) > 3 else 1)]
        if rng.random() < 0.04:  # 书记空缺
            seats = [p for p in seats if p != Post.SECRETARY]
        pool = [m for m in own if m.status == MemberStatus.FULL] or below.get(org.pk, [])
        chosen = rng.sample(pool, min(len(seats), len(pool))) if pool else []
        for i, post in enumerate(seats):
            holder = chosen[i] if i < len(chosen) else None
            since = (org.term_start or today) + datetime.timedelta(days=rng.randint(0, 60))
            posts.append(
                CommitteePost(
                    org_id=org.pk,
                    post=post,
                    holder_name=holder.name if holder else person_name(rng, rng.random() < 0.7),
                    member_id=holder.pk if holder else None,
                    full_time=post == Post.FULLTIME_DEPUTY or (org.kind in LEADING_KINDS and post == Post.DEPUTY),
                    since=min(since, today),
                )
            )
    return posts


def make_transfers(
    region: Region, members: list[Member], rng: random.Random, today: datetime.date, count: int = 12
) -> list[MemberTransfer]:
    """A few past transfers into the members' present organizations, as history rows."""
    by_id: dict[int, Organization] = {o.pk: o for o in region.plan.orgs}
    holders = list(region.holders)
    out: list[MemberTransfer] = []
    for m in rng.sample(members, count):
        source = by_id[rng.choice([h for h in holders if h != m.org_id])]
        target = by_id[m.org_id]
        out.append(
            MemberTransfer(
                member_id=m.pk,
                from_org=source,
                to_org=target,
                from_name=source.name,
                to_name=target.name,
                date=today - datetime.timedelta(days=rng.randint(30, 1000)),
                reason=rng.choice(TRANSFER_REASONS),
            )
        )
    return out
