"""The demo's problem lists and residents' opinions [003]: a few hundred opinions in categories over the last half
year, written from templates combined by the seed (so every installation reads the same), a third of them turned
into problems; a few hundred problems of party work besides, from the weekly reports, inspections and by hand, at
the four levels, most solved at station/village level and most of the rest at town level, as in Qinzhou; some
awaiting verification, some overdue and raised, some escalated and waiting for the level above.

Written in bulk with one audit record, like the rest of the demo. The histories' times are set after the insert
(`auto_now_add` would stamp them all with the moment of the build).
"""

from __future__ import annotations

import datetime
import random
import secrets
from dataclasses import dataclass

from django.utils import timezone

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.opinions import classify
from dangjian.opinions.choices import Channel
from dangjian.opinions.models import Opinion, OpinionCode
from dangjian.orgs.models import Organization, Workstation
from dangjian.problems.choices import LEVEL_ORDER, ORG_LEVELS, Category, EventKind, ProblemStatus, SourceKind
from dangjian.problems.jobs import grace_days
from dangjian.problems.models import Problem, ProblemEvent
from dangjian.problems.services import keep_verifiers, level_label

from .names import person_name
from .region import DEMO_BRANCH_NAME, DEMO_TOWN_NAME

C = Category
PLACES = ("村口", "三组", "五组", "东头", "河边", "后山", "老街", "学校门口", "新村小区", "村委会旁边")
# Complaints by category; those starting with "的", "经常" or "有" take a place in front.
COMPLAINTS: dict[str, tuple[str, ...]] = {
    C.INFRASTRUCTURE: (
        "的路灯坏了好几个月，晚上出行很不方便",
        "的道路坑洼不平，一下雨就全是泥",
        "经常停水，一停就是两三天",
        "的水渠堵塞，田里积水排不出去",
        "经常停电，电压也不稳，家里电器烧坏了",
        "的桥面开裂，过往车辆很危险",
    ),
    C.ENVIRONMENT: (
        "的垃圾堆了很久没人清理，天热发臭",
        "有养殖户把污水直接排进河里",
        "的公共厕所卫生太差，没人打扫",
        "经常有人焚烧秸秆，烟雾呛人",
        "的河道漂满了垃圾",
    ),
    C.WELFARE: (
        "有几户困难群众没有评上低保",
        "的孤寡老人没人照顾，生活困难",
        "高龄补贴迟迟没有发放",
        "残疾人补贴申请了半年还没批",
        "医保缴费标准上涨，困难家庭负担重",
    ),
    C.POLICY: (
        "危房改造的名单没有公示，不知道怎么评的",
        "种粮补贴发放标准不清楚，问了也没人解释",
        "耕地地力保护补贴的面积核算有误",
        "扶贫到户资金的使用情况不公开",
        "小额信贷政策群众不了解，想贷款不知道找谁",
    ),
    C.DISPUTE: (
        "有两户人家因宅基地边界发生纠纷",
        "修路占地的赔偿款至今没有到位",
        "施工队拖欠村民工钱，年底了还不给",
        "承包地合同到期后双方争执不下",
        "有邻里因排水问题闹矛盾，差点动手",
    ),
    C.AFFAIRS: (
        "的村务公开栏好几个月没有更新",
        "村集体账目不公开，群众有意见",
        "个别村干部办事态度差、推诿扯皮",
        "集体鱼塘低价出租，没有公示",
        "村委会工作时间经常找不到人",
    ),
    C.ECONOMY: (
        "的年轻人都外出务工，希望发展本地产业",
        "合作社的农产品销路不畅，卖不出去",
        "希望组织养殖种植技术培训",
        "村集体经济收入太低，办不了事",
        "希望多发布就近就业的招工信息",
    ),
    C.SERVICES: (
        "的村卫生室医生经常不在，看病要跑镇上",
        "村小学缺少老师，一个老师带好几个年级",
        "孩子上幼儿园要跑到镇上，太远了",
        "卫生室常用药经常缺货",
        "校车停运后孩子上学不方便",
    ),
    C.PARTY: (
        "有党员好几个月没有过组织生活",
        "流动党员很少收到支部的学习通知",
        "主题党日活动走过场，拍完照就散了",
        "希望支部多给年轻党员上党课",
        "党员大会很少召开，党务也不公开",
    ),
}
WISHES = ("，希望尽快解决。", "，请村里帮忙协调。", "，希望上级重视。", "。", "，盼早日处理。", "，希望给个答复。")
REPLIES = (
    "已转交责任单位办理，办结后电话告知。",
    "经核实情况属实，已安排人员处理。",
    "已向您解释相关政策，感谢监督。",
    "已纳入本月工作安排，将尽快落实。",
)
# Problems of party work, found in the weekly reports and inspections.
PARTY_WORK = (
    ("三会一课记录不完整", C.PARTY),
    ("党员活动室设施陈旧", C.PARTY),
    ("发展党员工作滞后，入党积极分子培养不及时", C.PARTY),
    ("支部换届准备工作未启动", C.PARTY),
    ("党费收缴不及时", C.PARTY),
    ("党员信息未及时更新", C.PARTY),
    ("主题党日活动开展不规范", C.PARTY),
    ("村级活动场所建设不达标", C.INFRASTRUCTURE),
    ("流动党员管理不到位", C.PARTY),
    ("村务公开不及时、不全面", C.AFFAIRS),
    ("村集体经济项目推进缓慢", C.ECONOMY),
    ("惠农补贴发放台账不规范", C.POLICY),
)
CLOSING = ("经现场核实，问题已解决。", "已核实，群众满意，同意销号。", "整改到位，资料齐全，同意销号。")
# The levels problems are solved at, in the shape of [003]: 9,150 of 13,159 at station/village level, 3,336 at
# town level, the rest above.
LEVEL_WEIGHTS = (68, 25, 5, 2)
OPINIONS_PER_VILLAGE = (3, 8)
PARTY_PROBLEMS_PER_VILLAGE = (1, 4)
# demo_branch's own village has more, so its login shows full lists.
DEMO_BRANCH_OPINIONS, DEMO_BRANCH_PROBLEMS = (14, 18), (6, 8)
DAYS_BACK = 180


@dataclass
class Built:
    opinions: int
    problems: int
    codes: int


def _text(rng: random.Random, category: str) -> str:
    complaint = rng.choice(COMPLAINTS[category])
    place = rng.choice(PLACES) if complaint.startswith(("的", "经常", "有")) else ""
    return f"{place}{complaint}{rng.choice(WISHES)}"


def _phone(rng: random.Random) -> str:
    return "199" + "".join(rng.choice("0123456789") for _ in range(8))  # 199: fictional numbers only


class Ancestry:
    """Each village's organization at each level, from the paths of all organizations read once."""

    def __init__(self) -> None:
        rows = Organization.objects.values_list("id", "path", "level", "depth")
        self.by_id = {pk: (path, level, depth) for pk, path, level, depth in rows}

    def responsible(self, org_id: int, level: str) -> int | None:
        ids = [int(part) for part in self.by_id[org_id][0].split(".") if part]
        found = [pk for pk in ids if self.by_id[pk][1] in ORG_LEVELS[level]]
        return min(found, key=lambda pk: self.by_id[pk][2]) if found else None


def build_demo_problem_lists(seed: int, today: datetime.date) -> Built:
    rng = random.Random(f"{seed}-problem-lists")
    villages = sorted(set(Workstation.villages.through.objects.values_list("organization_id", flat=True)))
    if not villages:
        return Built(0, 0, 0)
    ancestry = Ancestry()
    codes = _codes(rng)
    demo_branch = Organization.objects.filter(name=DEMO_BRANCH_NAME).values_list("id", flat=True).first()
    opinions = _opinions(rng, villages, today, demo_branch)
    problems, events = [], []
    for opinion in opinions:
        if not hasattr(opinion, "first") and rng.random() < 0.33 and opinion.date < today - datetime.timedelta(days=2):
            problem = _problem(rng, ancestry, opinion.org_id, opinion.date, today, events)
            problem.title, problem.detail, problem.category = opinion.text[:60], opinion.text, opinion.category
            problem.source, problem.source_ref = SourceKind.OPINION, f"{opinion.date:%Y-%m-%d} 收集"
            opinion.confirmed = True
            problems.append((problem, opinion))
    for org_id in villages:
        for _ in range(rng.randint(*(DEMO_BRANCH_PROBLEMS if org_id == demo_branch else PARTY_PROBLEMS_PER_VILLAGE))):
            day = today - datetime.timedelta(days=rng.randint(3, DAYS_BACK))
            problem = _problem(rng, ancestry, org_id, day, today, events)
            problem.title, problem.category = rng.choice(PARTY_WORK)
            problem.source = rng.choice(
                (SourceKind.WEEKLY, SourceKind.WEEKLY, SourceKind.INSPECTION, SourceKind.MANUAL)
            )
            if problem.source == SourceKind.WEEKLY:
                problem.source_ref = f"{day:%Y}年第{day.isocalendar().week}周 村→站完成情况表"
            elif problem.source == SourceKind.INSPECTION:
                problem.source_ref = f"{day:%Y年%m月}随机督导"
            problems.append((problem, None))

    Opinion.objects.bulk_create(opinions, batch_size=500)
    repeats = [o for o in opinions if hasattr(o, "first")]
    for repeat in repeats:
        repeat.duplicate_of = repeat.first
    Opinion.objects.bulk_update(repeats, ["duplicate_of"], batch_size=500)
    Problem.objects.bulk_create([p for p, _ in problems], batch_size=500)
    linked = [o for p, o in problems if o is not None]
    for problem, opinion in problems:
        if opinion is not None:
            opinion.problem = problem
    for repeat in repeats:  # a repeat follows its group into the problem, as `make_problem` does
        if repeat.first.problem is not None:
            repeat.problem, repeat.confirmed = repeat.first.problem, True
            linked.append(repeat)
    Opinion.objects.bulk_update(linked, ["problem", "confirmed"], batch_size=500)
    for problem, _ in problems:  # the times the history happened at, not the moment of the build
        problem.created_at = _moment(problem.recorded_on)
    Problem.objects.bulk_update([p for p, _ in problems], ["created_at"], batch_size=500)
    # Written in bulk, not through `submit_problem`: the problems waiting for their check get their verifier here.
    waiting = Problem.objects.filter(pk__in=[p.pk for p, _ in problems], status=ProblemStatus.SUBMITTED)
    keep_verifiers(list(waiting.select_related("org", "responsible_org")))
    rows = [ProblemEvent(problem=problem, kind=kind, note=note) for problem, kind, note, _ in events]
    ProblemEvent.objects.bulk_create(rows, batch_size=500)
    for row, event in zip(rows, events, strict=True):
        row.at = _moment(event[3])
    ProblemEvent.objects.bulk_update(rows, ["at"], batch_size=500)
    built = Built(len(opinions), len(problems), len(codes))
    record(
        AuditAction.IMPORT,
        username="demo",
        detail=f"加载演示问题清单与群众意见：意见 {built.opinions} 条，问题 {built.problems} 个",
        after={"opinions": built.opinions, "problems": built.problems, "codes": built.codes},
    )
    return built


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def _codes(rng: random.Random) -> list[OpinionCode]:
    """QR codes for every village of the demo town and each of its workstations, ready to print."""
    town = Organization.objects.filter(name=DEMO_TOWN_NAME).first()
    if town is None:
        return []
    stations = list(Workstation.objects.filter(town=town).order_by("code"))
    covered = Organization.objects.filter(stations__in=stations).distinct().order_by("path")
    codes = [OpinionCode(token=secrets.token_urlsafe(12), org=org) for org in covered]
    codes += [OpinionCode(token=secrets.token_urlsafe(12), org=town, workstation=ws) for ws in stations]
    return OpinionCode.objects.bulk_create(codes)


def _opinions(rng: random.Random, villages: list[int], today: datetime.date, demo_branch) -> list[Opinion]:
    """Opinions of each village over the last half year; one in eight sent again within days (a repeat)."""
    categories = [str(c) for c in COMPLAINTS]
    weights = [22, 12, 12, 10, 8, 10, 9, 8, 9]  # roads and water first, as residents' concerns usually are
    made: list[Opinion] = []
    for org_id in villages:
        mine: list[Opinion] = []
        for _ in range(rng.randint(*(DEMO_BRANCH_OPINIONS if org_id == demo_branch else OPINIONS_PER_VILLAGE))):
            category = rng.choices(categories, weights=weights)[0]
            text = _text(rng, category)
            day = today - datetime.timedelta(days=rng.randint(0, DAYS_BACK))
            mine.append(_opinion(rng, org_id, text, day, category, today))
        for first in list(mine):
            if rng.random() < 0.125:
                day = min(today, first.date + datetime.timedelta(days=rng.randint(1, 6)))
                repeat = _opinion(
                    rng, org_id, first.text.rstrip("。") + "，好几户都有反映。", day, first.category, today
                )
                repeat.first = first  # set as `duplicate_of` once the first has its id
                mine.append(repeat)
        made += mine
    return made


def _opinion(rng, org_id, text, day, category, today) -> Opinion:
    tokens = classify.words(text)
    confirmed = rng.random() < 0.7
    suggested = classify.by_rules(text)
    replied = day < today - datetime.timedelta(days=14) and rng.random() < 0.6
    return Opinion(
        org_id=org_id,
        channel=rng.choices((Channel.QR, Channel.STAFF, Channel.IMPORT), weights=(5, 4, 1))[0],
        text=text,
        words=" ".join(tokens),
        contact=_phone(rng) if rng.random() < 0.4 else "",
        date=day,
        category=category if confirmed else suggested,
        suggested=suggested,
        confirmed=confirmed,
        reply=rng.choice(REPLIES) if replied else "",
        replied_on=day + datetime.timedelta(days=rng.randint(3, 14)) if replied else None,
    )


def _problem(rng, ancestry: Ancestry, org_id: int, day: datetime.date, today: datetime.date, events) -> Problem:
    """A problem recorded on `day` at a level drawn in the shape of [003], its status following from the dates;
    its history appended to `events` as (problem, kind, note, day)."""
    level = rng.choices(LEVEL_ORDER, weights=LEVEL_WEIGHTS)[0]
    responsible = ancestry.responsible(org_id, level)
    if responsible is None:
        level, responsible = LEVEL_ORDER[0], ancestry.responsible(org_id, LEVEL_ORDER[0]) or org_id
    deadline = day + datetime.timedelta(days=rng.randint(15, 45))
    problem = Problem(
        org_id=org_id,
        level=level,
        responsible_org_id=responsible,
        owner_name=person_name(rng, rng.random() < 0.6),
        deadline=deadline,
        recorded_on=day,
        status=ProblemStatus.OPEN,
    )
    events.append((problem, EventKind.RECORDED, f"交由{level_label(level)}一级办理，责任人 {problem.owner_name}", day))
    age = (today - day).days
    roll = rng.random()
    if age > 20 and roll < 0.78:  # solved and verified, mostly on time
        took = (
            rng.randint(5, (deadline - day).days) if rng.random() < 0.85 else (deadline - day).days + rng.randint(1, 20)
        )
        closed_on = min(today, day + datetime.timedelta(days=took))
        result = "已按要求整改到位。"
        events.append(
            (problem, EventKind.PROGRESS, "已召开专题会议研究，明确整改措施。", day + datetime.timedelta(days=2))
        )
        events.append((problem, EventKind.SUBMITTED, result, closed_on))
        opinion = rng.choice(CLOSING)
        events.append((problem, EventKind.CLOSED, f"上一级核实销号：{opinion}", closed_on))
        problem.status, problem.result, problem.closing_opinion = ProblemStatus.CLOSED, result, opinion
        problem.closed_on, problem.solved_level = closed_on, level
        problem.closed_at = problem.submitted_at = _moment(closed_on)
    elif roll < 0.86:  # reported solved, waiting for the level above
        problem.status, problem.result = ProblemStatus.SUBMITTED, "已整改，请核实。"
        problem.submitted_at = _moment(min(today, day + datetime.timedelta(days=5)))
        events.append((problem, EventKind.SUBMITTED, problem.result, min(today, day + datetime.timedelta(days=5))))
    elif roll < 0.93 and level != LEVEL_ORDER[-1]:  # cannot be solved here: raised, the level above to assign
        up = LEVEL_ORDER[LEVEL_ORDER.index(level) + 1]
        above = ancestry.responsible(org_id, up)
        if above is not None and above != responsible:
            events.append(
                (problem, EventKind.ESCALATED, "本级无法解决，需上级协调资金和政策。", day + datetime.timedelta(days=4))
            )
            problem.level, problem.responsible_org_id = up, above
            problem.status, problem.owner_name, problem.deadline = ProblemStatus.ASSIGNING, "", None
    if problem.status == ProblemStatus.OPEN and deadline < today:  # overdue: raised as the daily job would have
        late = (today - deadline).days
        problem.escalation_level = max(0, min((late - 1) // grace_days(), ancestry.by_id[responsible][2]))
    return problem
