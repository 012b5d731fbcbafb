"""The rules of the development pipeline (《中国共产党发展党员工作细则》, 2014; RULES-SOURCES §6), in one place
the services, the pages and the tests ask: `step_findings` says, in Chinese with the rule cited, why a step cannot
be recorded on a date, or may be only with a warning; `earliest` says from which day a timed step is allowed.

Order: 申请 → 入党积极分子 (支委会) → 发展对象 (a year or more later) → 集中培训 → 预备党员 (支部大会, approved by the
level above) → 正式党员 (a year after the 支部大会, or 6–12 months more once extended), or the probation cancelled.

The time rules are the rulebook's `development.*` as they stand for the applicant's organization (`TimeRules.at`):
the age of application, the talk within a month of it (谈话, 第七条), the year as activist, the hours of training
and the length of probation; a county's override changes them for its organizations. Each rule is one function
returning a `Breach`, asked both when a step is recorded (`step_findings`) and when the recorded steps are shown
(`recorded_breaches`). A breach refuses the step where the rule is 必须 there, cited with the region whose override
it is; where it is 警告 or 提示 the step is saved and the breach shown as a warning naming the override (who, when,
why). A rule turned off there is not checked; the probation, which the Party Constitution fixes, keeps its length
even then.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from dangjian.members.choices import MemberStatus
from dangjian.rulebook.book import Book, Effective, catalog_book

from .choices import Stage, StepKind

RULES = "《中国共产党发展党员工作细则》"
CHARTER = "《中国共产党章程》"


@dataclass(frozen=True)
class TimeRules:
    """The development time rules in force for one organization; None where a rule is turned off there."""

    age: Effective | None  # development.age: years of age to apply (第五条)
    talk: Effective | None  # development.talk: months after the application within which the talk is held (第七条)
    activist: Effective | None  # development.activist_year: months as activist before candidate (第十三条)
    training: Effective | None  # development.training: hours of the candidates' training (第十七条)
    probation: Effective  # development.probation: months of probation (第三十二条)

    @classmethod
    def at(cls, book: Book | None, org) -> TimeRules:
        """The rules as `book` has them for `org` (the catalog's without a book)."""
        book = book or catalog_book()
        return cls(
            book.applies("development.age", org),
            book.applies("development.talk", org),
            book.applies("development.activist_year", org),
            book.applies("development.training", org),
            book.rule("development.probation", org),
        )

    @property
    def age_years(self) -> int:
        return int(self.age.value) if self.age is not None else 0

    @property
    def talk_months(self) -> int:
        return int(self.talk.value) if self.talk is not None else 0

    @property
    def activist_months(self) -> int:
        return int(self.activist.value) if self.activist is not None else 0

    @property
    def training_hours(self) -> int:
        return int(self.training.value) if self.training is not None else 0

    @property
    def probation_months(self) -> int:
        return int(self.probation.value)


def months_words(months: int) -> str:
    """12 → "一年", 6 → "6个月": how a period of the rules reads in a message."""
    return "一年" if months == 12 else f"{months}个月"


# The stage a step is taken from, and the stage it leads to (None: the stage stays).
FROM_STAGE = {
    StepKind.TALK: Stage.APPLICANT,
    StepKind.ACTIVIST: Stage.APPLICANT,
    StepKind.CANDIDATE: Stage.ACTIVIST,
    StepKind.TRAINING: Stage.CANDIDATE,
    StepKind.ADMIT: Stage.CANDIDATE,
    StepKind.EXTEND: Stage.PROBATIONARY,
    StepKind.FULL: Stage.PROBATIONARY,
    StepKind.CANCEL: Stage.PROBATIONARY,
}
TO_STAGE = {
    StepKind.ACTIVIST: Stage.ACTIVIST,
    StepKind.CANDIDATE: Stage.CANDIDATE,
    StepKind.ADMIT: Stage.PROBATIONARY,
    StepKind.FULL: Stage.FULL,
    StepKind.CANCEL: Stage.CANCELLED,
}
# Steps recorded after the application (the application itself is the applicant's record).
NEXT_STEPS = {
    Stage.APPLICANT: (StepKind.TALK, StepKind.ACTIVIST),
    Stage.ACTIVIST: (StepKind.CANDIDATE,),
    Stage.CANDIDATE: (StepKind.TRAINING, StepKind.ADMIT),
    Stage.PROBATIONARY: (StepKind.FULL, StepKind.EXTEND, StepKind.CANCEL),
}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved on by whole months; a day the month lacks (31 April) becomes its last day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def of_age_on(birth: datetime.date, years: int = 18) -> datetime.date:
    """The day a person born on `birth` turns `years` old (29 February: 1 March)."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return datetime.date(birth.year + years, 3, 1)


def eighteen_on(birth: datetime.date) -> datetime.date:
    """The day a person born on `birth` turns eighteen (the demo's applicants, who follow the catalog's rule)."""
    return of_age_on(birth, 18)


def probation_end(admitted_on: datetime.date, extended_months: int = 0, months: int = 12) -> datetime.date:
    """The day the probation is over: `months` (a year) from the 支部大会's vote, plus any extension."""
    return add_months(admitted_on, months + extended_months)


def next_steps(applicant) -> tuple[str, ...]:
    """The steps that may be recorded next: the stage's, the talk only while none is recorded."""
    steps = NEXT_STEPS.get(applicant.stage, ())
    return tuple(s for s in steps if not (s == StepKind.TALK and applicant.talked_on))


@dataclass(frozen=True)
class Breach:
    """A time rule of the rulebook broken by a step: the rule in force, the step it concerns, and what is wrong.
    Whether it refuses the step is the rule's severity where the applicant's organization stands."""

    rule: Effective
    kind: str  # the step (StepKind) the breach concerns
    message: str  # without the citation

    @property
    def refuses(self) -> bool:
        return self.rule.refuses

    @property
    def text(self) -> str:
        """A refusal names the rule and its source; a warning names the override in force as well."""
        return self.rule.cite(self.message) if self.refuses else self.rule.warn(self.message)

    @property
    def severity_label(self) -> str:
        return self.rule.severity_label


@dataclass
class Findings:
    """What a step's check found, in the order it found it: problems that always refuse (order, dates, people)
    as words, and breaches of the time rules, which refuse only where their rule is 必须."""

    items: list[str | Breach] = field(default_factory=list)

    def add(self, item: str | Breach | None) -> None:
        if item is not None:
            self.items.append(item)

    @property
    def refusals(self) -> list[str]:
        return [i if isinstance(i, str) else i.text for i in self.items if isinstance(i, str) or i.refuses]

    @property
    def warnings(self) -> list[Breach]:
        return [i for i in self.items if isinstance(i, Breach) and not i.refuses]


# ------------------------------------------------------------------------------ the time rules, one function each
def age_breach(rules: TimeRules, name: str, birth: datetime.date | None, applied_on: datetime.date):
    """development.age (第五条): eighteen (or the region's age) on the day of the application."""
    if rules.age is None or birth is None:
        return None
    years = rules.age_years
    of_age = of_age_on(birth, years)
    if applied_on >= of_age:
        return None
    return Breach(
        rules.age,
        StepKind.APPLY,
        f"申请入党须年满{years}岁：{name}于 {applied_on} 递交申请时未满{years}岁"
        f"（{birth} 出生，{of_age} 年满{years}岁）",
    )


def talk_deadline(applied_on: datetime.date, rules: TimeRules) -> datetime.date | None:
    """The last day of the talk (development.talk), None where the rule is off."""
    return add_months(applied_on, rules.talk_months) if rules.talk is not None else None


def _talk_words(rules: TimeRules) -> str:
    months = rules.talk_months
    return "一个月" if months == 1 else months_words(months)


def talk_late(rules: TimeRules, name: str, applied_on: datetime.date, day: datetime.date):
    """development.talk (第七条): the talk within a month of the application."""
    deadline = talk_deadline(applied_on, rules)
    if deadline is None or day <= deadline:
        return None
    return Breach(
        rules.talk,
        StepKind.TALK,
        f"党组织收到入党申请书后，应当在{_talk_words(rules)}内派人同入党申请人谈话：{name}于 {applied_on} 递交申请，"
        f"应于 {deadline} 前谈话，登记的谈话日期为 {day}",
    )


def talk_missing(rules: TimeRules, name: str, applied_on: datetime.date):
    """development.talk (第七条), when the activist is named with no talk recorded."""
    if rules.talk is None:
        return None
    return Breach(
        rules.talk,
        StepKind.ACTIVIST,
        f"党组织收到入党申请书后，应当在{_talk_words(rules)}内派人同入党申请人谈话：{name}于 {applied_on} 递交申请，"
        "确定为入党积极分子时尚未登记谈话",
    )


def activist_breach(rules: TimeRules, name: str, activist_on: datetime.date, day: datetime.date):
    """development.activist_year (第十三条): a year (or the region's months) as activist before candidate."""
    if rules.activist is None:
        return None
    first = add_months(activist_on, rules.activist_months)
    if day >= first:
        return None
    return Breach(
        rules.activist,
        StepKind.CANDIDATE,
        f"确定为发展对象须经过{months_words(rules.activist_months)}以上的培养教育和考察："
        f"{name}于 {activist_on} 确定为入党积极分子，最早 {first} 可确定为发展对象",
    )


def training_breach(rules: TimeRules, name: str, hours: int):
    """development.training (第十七条): 24 hours (or the region's) of training before admission."""
    if rules.training is None or hours >= rules.training_hours:
        return None
    least = "三天或二十四个学时" if rules.training_hours == 24 else f"{rules.training_hours}个学时"
    return Breach(
        rules.training,
        StepKind.ADMIT,
        f"发展对象须经过集中培训，一般不少于{least}：{name}已登记 {hours} 学时",
    )


def probation_breach(rules: TimeRules, applicant, day: datetime.date):
    """development.probation (第三十二条): full membership once the probation (and any extension) is over."""
    end = earliest(applicant, StepKind.FULL, rules)
    if end is None or day >= end:
        return None
    extended = f"，已延长 {applicant.extended_months} 个月" if applicant.extended_months else ""
    return Breach(
        rules.probation,
        StepKind.FULL,
        f"预备党员的预备期为{months_words(rules.probation_months)}{extended}：{applicant.name}于 "
        f"{applicant.admitted_on} 接收为预备党员，预备期 {end} 期满，期满后方可讨论转为正式党员",
    )


def recorded_breaches(applicant, rules: TimeRules | None = None) -> list[Breach]:
    """The time rules the applicant's recorded steps broke, as the rules stand now — what the development page
    shows under the steps, and, for the step just saved, the warning after saving."""
    rules = rules or TimeRules.at(None, None)
    found = [age_breach(rules, applicant.name, applicant.birth_date, applicant.applied_on)]
    if applicant.talked_on:
        found.append(talk_late(rules, applicant.name, applicant.applied_on, applicant.talked_on))
    elif applicant.activist_on:
        found.append(talk_missing(rules, applicant.name, applicant.applied_on))
    if applicant.activist_on and applicant.candidate_on:
        found.append(activist_breach(rules, applicant.name, applicant.activist_on, applicant.candidate_on))
    if applicant.admitted_on:
        found.append(training_breach(rules, applicant.name, applicant.training_hours))
    if applicant.full_on:
        found.append(probation_breach(rules, applicant, applicant.full_on))
    return [b for b in found if b is not None]


# ------------------------------------------------------------------------------ the checks of a write
def application_findings(
    name: str, birth: datetime.date | None, applied_on: datetime.date, *, today, rules: TimeRules | None = None
) -> Findings:
    rules = rules or TimeRules.at(None, None)
    found = Findings()
    if applied_on > today:
        found.add(f"申请日期 {applied_on} 晚于今天（{today}），不能登记尚未发生的环节。")
    found.add(age_breach(rules, name, birth, applied_on))
    return found


def earliest(applicant, kind: str, rules: TimeRules | None = None) -> datetime.date | None:
    """From which day a timed step may be recorded under `rules`; None for a step without a waiting time."""
    rules = rules or TimeRules.at(None, None)
    if kind == StepKind.CANDIDATE and applicant.activist_on and rules.activist is not None:
        return add_months(applicant.activist_on, rules.activist_months)
    if kind == StepKind.FULL and applicant.admitted_on:
        return probation_end(applicant.admitted_on, applicant.extended_months, rules.probation_months)
    if kind == StepKind.EXTEND and applicant.admitted_on:
        return probation_end(applicant.admitted_on, months=rules.probation_months)
    return None


def _last_date(applicant) -> datetime.date:
    dates = (applicant.applied_on, applicant.talked_on, applicant.activist_on, applicant.candidate_on,
             applicant.admitted_on)  # fmt: skip
    return max(d for d in dates if d is not None)


def _full_members(people: Sequence, org_path: str, what: str) -> list[str]:
    """What is wrong with the people named as contacts or introducers: not of the organization, not full members."""
    problems = []
    outside = [p.name for p in people if not p.org.path.startswith(org_path)]
    if outside:
        problems.append(f"{what}须是本组织的党员：{'、'.join(outside)} 不是。")
    probationary = [p.name for p in people if p.status != MemberStatus.FULL and p.name not in outside]
    if probationary:
        problems.append(f"{what}须是正式党员：{'、'.join(probationary)} 不是正式党员。")
    return problems


def step_findings(
    applicant,
    kind: str,
    day: datetime.date,
    *,
    today: datetime.date,
    org_path: str,
    contacts: Sequence = (),
    introducers: Sequence = (),
    hours: int | None = None,
    months: int | None = None,
    approved_on: datetime.date | None = None,
    talker: str = "",
    rules: TimeRules | None = None,
) -> Findings:
    """Every reason `kind` cannot be recorded for `applicant` on `day`, or may be only with a warning, in Chinese
    with the rule cited. Contacts and introducers are members (with `.org` and `.status`); `rules` are the time rules
    in force for the applicant's organization (the catalog's when not given)."""
    rules = rules or TimeRules.at(None, None)
    found = Findings()
    name = applicant.name
    step = StepKind(kind).label
    needed = FROM_STAGE.get(kind)
    if needed is None:
        found.add(f"环节“{step}”不能在此登记。")
        return found
    if applicant.stage != needed:
        found.add(
            f"{name}目前是“{Stage(applicant.stage).label}”，“{step}”须在“{needed.label}”阶段进行"
            f"（{RULES}规定的发展程序不能跳过或颠倒）。"
        )
        return found
    if day > today:
        found.add(f"日期 {day} 晚于今天（{today}），不能登记尚未发生的环节。")
    last = _last_date(applicant)
    if day < last:
        found.add(f"日期 {day} 早于上一环节的日期 {last}，请按发展程序的先后登记。")
    if kind == StepKind.TALK:
        if applicant.talked_on:
            found.add(f"{name}的入党谈话已于 {applicant.talked_on} 登记，不能重复登记。")
        if not talker.strip():
            found.add(f"请填写谈话人（党组织派去同入党申请人谈话的党员，{RULES}第七条）。")
        found.add(talk_late(rules, name, applicant.applied_on, day))
    elif kind == StepKind.ACTIVIST:
        if not 1 <= len(contacts) <= 2:
            found.add(f"须指定一至两名正式党员作培养联系人（{RULES}第十条），现为 {len(contacts)} 名。")
        for problem in _full_members(contacts, org_path, "培养联系人"):
            found.add(problem)
        if not applicant.talked_on:
            found.add(talk_missing(rules, name, applicant.applied_on))
    elif kind == StepKind.CANDIDATE:
        if applicant.activist_on:
            found.add(activist_breach(rules, name, applicant.activist_on, day))
    elif kind == StepKind.TRAINING:
        if not hours or hours < 1:
            found.add("请填写本次培训的学时（正整数）。")
    elif kind == StepKind.ADMIT:
        found.add(training_breach(rules, name, applicant.training_hours))
        if len(introducers) != 2:
            found.add(f"须有两名正式党员作入党介绍人（{CHARTER}第五条），现为 {len(introducers)} 名。")
        for problem in _full_members(introducers, org_path, "入党介绍人"):
            found.add(problem)
        if approved_on is None:
            found.add(f"接收预备党员须经上级党委审批（{RULES}第四章），请填写审批日期。")
        elif approved_on < day:
            found.add(f"上级党委审批日期 {approved_on} 不能早于支部大会讨论日期 {day}。")
        elif approved_on > today:
            found.add(f"审批日期 {approved_on} 晚于今天（{today}），不能登记尚未发生的环节。")
    elif kind == StepKind.EXTEND:
        if applicant.extended_months:
            found.add(
                f"预备期只能延长一次（{RULES}第三十二条）：{name}的预备期已延长 {applicant.extended_months} 个月。"
            )
        if months is None or not 6 <= months <= 12:
            found.add(f"延长预备期须为六个月至一年（{RULES}第三十二条），填写的是 {months or 0} 个月。")
        end = earliest(applicant, kind, rules)
        if not applicant.extended_months and day < end:
            found.add(f"延长预备期在预备期满时讨论决定（{RULES}第三十二条）：{name}的预备期 {end} 期满。")
    elif kind == StepKind.FULL:
        found.add(probation_breach(rules, applicant, day))
    return found
