"""The annual assessment bulletin (考核结果通报): a Word document in the official layout, written from a published
assessment's stored results, never typed in.

`bulletin_data` gathers what the bulletin says (the grade counts per domain, the quota arithmetic that decided how
many organizations are weak, the weak list with the reasons, every organization's grade) from the results the user
may see; `write_docx` lays it out after `dangjian.sheets.official`: title, 主送, the body in four sections, the
tables, the note of the attachment, the issuer and the date, then the attachment (the grade table of every
organization) on pages of its own.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone
from docx.enum.text import WD_BREAK

from dangjian.core.scope import Action
from dangjian.sheets import official
from dangjian.sheets.official import cn_date

from .engine import DOMAIN_LABELS, QuotaLine
from .models import Assessment, Result
from .result_views import group_label, group_order, quota_lines
from .scheme import GRADE_LABELS, GRADES

GRADE_HEADERS = [f"{g}（{GRADE_LABELS[g]}）" for g in GRADES]
LIST_HEADERS = ["序号", "组织名称", "上级组织", "党建类型", "总分", "等次", "列入原因"]
GRADE_TABLE_HEADERS = ["序号", "组织名称", "上级组织", "党建类型", "总分", "等次"]


@dataclass
class GroupLine:
    """One line of the grade distribution: a domain (and level) with its count of each grade."""

    label: str
    organizations: int
    grades: list[int]


@dataclass
class AssessmentBulletin:
    assessment: Assessment
    title: str
    issuer: str
    issued: datetime.date
    groups: list[GroupLine] = field(default_factory=list)
    quotas: list[QuotaLine] = field(default_factory=list)
    weak: list[Result] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    grade_counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def filename(self) -> str:
        return f"{self.assessment.root.name}{self.assessment.year}年度考核结果通报.docx"


def bulletin_title(year: int) -> str:
    return f"关于{year}年度基层党组织建设考核结果的通报"


def bulletin_data(assessment: Assessment, user) -> AssessmentBulletin:
    """The bulletin of a published assessment from the results within `user`'s scope (its managers see all)."""
    results = list(
        Result.objects.restrict(user, Action.VIEW)
        .filter(participant__assessment=assessment)
        .select_related("participant")
        .order_by("group", "rank", "participant__code")
    )
    issued = timezone.localdate(assessment.published_at) if assessment.published_at else timezone.localdate()
    data = AssessmentBulletin(
        assessment=assessment,
        title=bulletin_title(assessment.year),
        issuer=official.issuing_body(assessment.root),
        issued=issued,
        results=results,
        quotas=quota_lines(assessment, results),
        grade_counts=Counter(r.grade for r in results),
    )
    by_group: dict[str, list[Result]] = {}
    for result in results:
        by_group.setdefault(result.group, []).append(result)
    for key in sorted(by_group, key=group_order):
        counts = Counter(r.grade for r in by_group[key])
        data.groups.append(GroupLine(group_label(key), len(by_group[key]), [counts.get(g, 0) for g in GRADES]))
    # The weak list worst first within each group, as the reverse ranking reads.
    data.weak = sorted(
        (r for r in results if r.weak), key=lambda r: (group_order(r.group), r.reverse_rank, r.participant.code)
    )
    return data


def _domain(result: Result) -> str:
    return group_label(result.group)


def grade_text(data: AssessmentBulletin) -> str:
    counts = "，".join(f"{g}（{GRADE_LABELS[g]}）{data.grade_counts.get(g, 0)}个" for g in GRADES)
    return f"全{official.area_word(data.assessment.root)}{data.total}个基层党组织中，评定为{counts}。"


def weak_rule_text(data: AssessmentBulletin) -> str:
    area = official.area_word(data.assessment.root)
    arithmetic = "；".join(f"{q.text}个" for q in data.quotas if q.organizations)
    return (
        "按照考核方案，等次为D（较差）的组织全部列为软弱涣散基层党组织；各党建类型再按总分由低到高补足至比例线"
        f"（参评组织数乘以比例，向上取整），与比例线上的组织总分相同者一并列入。比例线测算为：{arithmetic}。"
        f"经测算，全{area}共确定软弱涣散基层党组织{len(data.weak)}个（见表2、表3）。"
    )


def consequence_text(data: AssessmentBulletin) -> list[str]:
    lines = []
    for result in data.weak:
        if result.consequences:
            lines.append(f"{result.participant.name}：{'；'.join(result.consequences)}。")
    return lines


REQUIREMENTS = [
    "（一）抓好整顿。列入软弱涣散的基层党组织，所在乡镇党委和主管党（工）委要逐个分析原因，制定“一村一策”整顿方案，"
    "落实包扶责任，整改措施和进展录入整改台账，成熟一个、销号一个。",
    "（二）严格问责。连续两年被列为软弱涣散的，按规定撤换党组织书记；二级党支部连续两年被列为软弱涣散的，"
    "同时撤换上级党组织书记。",
    "（三）对标提升。各基层党组织要对照考核中扣分的指标和问题类型逐项整改，评定为C（一般）的组织要防止滑入后进。",
]


def write_docx(data: AssessmentBulletin, out) -> None:
    """The bulletin as a Word document, to a path or a binary file object."""
    assessment = data.assessment
    area = official.area_word(assessment.root)
    doc = official.new_document(data.title, data.issuer)
    official.title(doc, data.title, break_at=data.title.index("考核"))  # 关于…建设 / 考核结果的通报
    official.paragraph(doc, f"{official.addressees(assessment.root)}：", indent=False)
    official.paragraph(
        doc,
        f"根据《{assessment.scheme.name}》，{official.issuing_body(assessment.root)}对全{area}{data.total}个"
        f"基层党组织开展了{assessment.year}年度考核（参评组织按{cn_date(assessment.cutoff)}的组织设置确定）。"
        "经评分、系统计算和复核，考核结果已经确定，现通报如下：",
    )

    official.heading(doc, "一、考核等次情况")
    official.paragraph(doc, grade_text(data))
    official.caption(doc, "表1  各党建类型考核等次分布")
    rows = [[g.label, g.organizations, *g.grades] for g in data.groups]
    rows.append(["合计", data.total, *[data.grade_counts.get(g, 0) for g in GRADES]])
    official.table(doc, ["党建类型", "参评组织（个）", *GRADE_HEADERS], rows, [3.6, 2.4, 2.4, 2.4, 2.4, 2.4])

    official.heading(doc, "二、软弱涣散基层党组织的确定")
    official.paragraph(doc, weak_rule_text(data))
    official.caption(doc, "表2  软弱涣散基层党组织比例线测算")
    quota_rows = [
        [
            DOMAIN_LABELS.get(q.domain, q.domain),
            q.organizations,
            f"{(q.share * 100).normalize():f}%",
            q.floor,
            q.grade_d,
            q.weak,
        ]
        for q in data.quotas
    ]
    headers = ["党建类型", "参评组织（个）", "比例", "比例线（个）", "其中D等次（个）", "确定（个）"]
    official.table(doc, headers, quota_rows, [3.1, 2.5, 2, 2.5, 2.9, 2.6])

    official.heading(doc, "三、软弱涣散基层党组织名单")
    if data.weak:
        official.caption(doc, "表3  软弱涣散基层党组织名单")
        weak_rows = [
            [i, r.participant.name, r.participant.parent_name, _domain(r), r.total, r.grade, "；".join(r.reasons)]
            for i, r in enumerate(data.weak, start=1)
        ]
        official.table(doc, LIST_HEADERS, weak_rows, [1.3, 3.4, 2.8, 1.9, 1.6, 1.2, 3.4])
        for text in consequence_text(data):
            official.paragraph(doc, text)
    else:
        official.paragraph(doc, f"本年度全{area}未确定软弱涣散基层党组织。")

    official.heading(doc, "四、有关要求")
    for text in REQUIREMENTS:
        official.paragraph(doc, text)
    annex = f"附件：{assessment.year}年度各基层党组织考核等次表"
    last = official.paragraph(doc, annex)
    official.sign_off(doc, last, data.issuer, data.issued)

    # The attachment on pages of its own.
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    official.paragraph(doc, "附件", font=official.HEAD_FONT, indent=False)
    official.title(doc, f"{assessment.year}年度各基层党组织考核等次表")
    grade_rows = [
        [i, r.participant.name, r.participant.parent_name, _domain(r), r.total, r.grade]
        for i, r in enumerate(sorted(data.results, key=lambda r: (group_order(r.group), r.rank)), start=1)
    ]
    official.table(doc, GRADE_TABLE_HEADERS, grade_rows, [1.2, 4.6, 3.6, 2.4, 1.8, 1.4])
    doc.save(out)
