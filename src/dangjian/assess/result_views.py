"""Results: ranking per group, grade distribution, the weak list with its quota arithmetic, one organization's
explanation with review adjustments, and the .xlsx export. Before publishing only the organizing department sees
them; afterwards each user sees the organizations in their scope."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from dangjian.core.jobs import JobAlreadyActive
from dangjian.core.views import ScopedViewMixin
from dangjian.rulebook.book import one_book
from dangjian.sheets.export import ColumnLayout, export_response

from . import run_jobs, services
from .access import can_manage, results_visible
from .engine import DOMAIN_LABELS, QuotaLine
from .forms import AdjustForm
from .metrics import METRICS
from .models import Assessment, Evidence, Participant, Result
from .scheme import GRADE_LABELS, GRADES, METHOD_LABELS, quota

BAR_WIDTH = 300  # px of the longest bar in the grade charts


def group_label(key: str) -> str:
    domain, _, level = key.partition(":")
    return DOMAIN_LABELS.get(domain, domain) + (f"（{level}）" if level else "")


def group_order(key: str) -> tuple[int, str]:
    """Groups in the usual order of the domains (农村, 社区, 机关, ...), levels after their domain."""
    domain = key.partition(":")[0]
    order = list(DOMAIN_LABELS)
    return (order.index(domain) if domain in order else len(order), key)


def grade_bars(counts: Counter) -> list[dict]:
    top = max(counts.values(), default=0) or 1
    return [
        {"grade": g, "label": GRADE_LABELS[g], "count": counts.get(g, 0), "y": i * 28,
         "width": round(BAR_WIDTH * counts.get(g, 0) / top)}
        for i, g in enumerate(GRADES)
    ]  # fmt: skip


def quota_lines(assessment: Assessment, results: list[Result]) -> list[QuotaLine]:
    floors = assessment.scheme.parsed().weak_floors
    by_domain: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_domain[r.participant.domain].append(r)
    lines = []
    for domain in DOMAIN_LABELS:
        members = by_domain.get(domain, [])
        share = floors.get(domain)
        if share is None and not members:
            continue
        share = share or 0
        line = QuotaLine(domain, len(members), share, quota(len(members), share), 0, 0)
        line.grade_d = sum(1 for r in members if r.grade == "D")
        line.weak = sum(1 for r in members if r.weak)
        lines.append(line)
    return lines


def metrics_of(assessment: Assessment, participant: Participant) -> dict[str, str]:
    """Indicator code → the metric its value is derived from, in the participant's group of the scheme."""
    group = assessment.scheme.parsed().group_for(participant.domain, participant.level)
    return {ind.code: ind.metric for ind in group.indicators if ind.metric} if group else {}


def records_behind(participant: Participant, line: dict, metric_of: dict[str, str]) -> list[str]:
    """For an indicator derived from party records: the records behind its value (which meetings were held, which
    months are missing), as its metric words them; nothing for the other indicators."""
    metric = METRICS.get(metric_of.get(line["code"], ""))
    if line["method"] != "derived" or metric is None or metric.detail is None:
        return []
    assessment = participant.assessment
    return metric.detail(participant, assessment.cutoff, assessment.year)


class _ResultsBase(ScopedViewMixin, View):
    model = Assessment

    def visible_results(self, assessment):
        if not results_visible(self.request.user, assessment):
            raise Http404("考核结果尚未发布。")
        return (
            self.scoped(Result)
            .filter(participant__assessment=assessment)
            .select_related("participant")
            .order_by("group", "rank", "participant__code")
        )


class ResultsView(_ResultsBase):
    def get(self, request, pk):
        assessment = self.get_object_or_404(pk)
        results = list(self.visible_results(assessment))
        groups: dict[str, list[Result]] = defaultdict(list)
        for r in results:
            groups[r.group].append(r)
        manage = can_manage(request.user, assessment)
        sections = [
            {
                "key": key,
                "label": group_label(key),
                "results": rows,
                "bars": grade_bars(Counter(r.grade for r in rows)),
                "weak": [r for r in rows if r.weak],
            }
            for key, rows in sorted(groups.items(), key=lambda item: group_order(item[0]))
        ]
        return render(
            request,
            "assess/results.html",
            {
                "assessment": assessment,
                "sections": sections,
                "manage": manage,
                "quotas": quota_lines(assessment, results) if manage else [],
                "weak_total": sum(1 for r in results if r.weak),
            },
        )


class ExplainView(ScopedViewMixin, View):
    """Why an organization got its total, grade and place: every indicator with its source and evidence."""

    model = Participant

    def get(self, request, pk, form=None, status=200):
        p = self.get_object_or_404(pk)
        assessment = p.assessment
        if not results_visible(request.user, assessment):
            raise Http404("考核结果尚未发布。")
        result = Result.objects.filter(participant=p).first()
        if result is None:
            raise Http404("尚未计算考核结果。")
        result.participant = p  # its lines are derived from the participant's records (Result.lines)
        evidence = defaultdict(list)
        for item in Evidence.objects.filter(participant=p):
            evidence[item.indicator].append(item)
        metric_of = metrics_of(assessment, p)
        with one_book():  # the explanations of meeting metrics cite the rules in force: read once for the page
            lines = [ln | {"method_label": METHOD_LABELS.get(ln["method"], ""), "metric": metric_of.get(ln["code"], ""),
                           "evidence": evidence.get(ln["code"], []), "records": records_behind(p, ln, metric_of)}
                     for ln in result.lines]  # fmt: skip
        group_size = Result.objects.filter(participant__assessment=assessment, group=result.group).count()
        manage = can_manage(request.user, assessment)
        return render(
            request,
            "assess/explain.html",
            {
                "p": p,
                "assessment": assessment,
                "result": result,
                "lines": lines,
                "group_label": group_label(result.group),
                "group_size": group_size,
                "general_evidence": evidence.get("", []),
                "adjust_form": (form or AdjustForm()) if manage and not assessment.published else None,
                "adjustments": p.adjustments.all(),
            },
            status=status,
        )

    def post(self, request, pk):
        p = self.get_object_or_404(pk)
        if not can_manage(request.user, p.assessment):
            raise Http404
        form = AdjustForm(request.POST)
        if form.is_valid():
            try:
                services.adjust(
                    p,
                    form.cleaned_data["indicator"].strip(),
                    form.cleaned_data["points"],
                    form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                return self.rerun(request, p)
        return self.get(request, pk, form=form, status=400)

    def rerun(self, request, p):
        """The adjustment is saved: the results are computed again by the worker (its job's page follows it). A run
        still queued reads the adjustment when it starts; one already running did not, and is not doubled."""
        try:
            job = run_jobs.start_run(p.assessment, actor=request.user)
        except JobAlreadyActive as exc:
            if exc.job is not None and exc.job.status == "queued":
                messages.success(request, "复核调整已保存；排队中的计算将包含本次调整。")
            else:
                messages.warning(
                    request, "复核调整已保存。另一次计算正在进行，未包含本次调整：请在它结束后到考核页重新计算。"
                )
            return redirect("assess:explain", pk=p.pk)
        messages.success(request, "复核调整已保存，结果正在后台重新计算。")
        return redirect("job", job.pk)


SCORE = ColumnLayout(width=9, number_format="0.00")  # a score always shows its two decimals: 85.50, not 85.5
# Long texts wrap within a set width and short headers wrap too, so the columns fit a landscape page's width in
# readable type (the sheet is scaled to the page's width: unwrapped, the reasons shrank it to 5-point type).
RESULTS_LAYOUT = {
    "组织名称": ColumnLayout(width=24),
    "党建类型": ColumnLayout(width=8),
    "分组": ColumnLayout(width=12),
    "总分": SCORE,
    "排名": ColumnLayout(width=6),
    "倒序名次": ColumnLayout(width=6),
    "等次": ColumnLayout(width=6),
    "软弱涣散": ColumnLayout(width=6),
    "列入原因": ColumnLayout(width=22),
    "问题类型": ColumnLayout(width=16),
    "后果": ColumnLayout(width=22),
    "综合得分（含述职评议）": SCORE,
}


class ResultsExportView(_ResultsBase):
    def get(self, request, pk):
        assessment = self.get_object_or_404(pk)
        rows = self.visible_results(assessment)
        columns = [
            ("组织编码", lambda r: r.participant.code),
            ("组织名称", lambda r: r.participant.name),
            ("党建类型", lambda r: DOMAIN_LABELS.get(r.participant.domain, r.participant.domain)),
            ("分组", lambda r: group_label(r.group)),
            ("总分", lambda r: r.total),
            ("排名", lambda r: r.rank),
            ("倒序名次", lambda r: r.reverse_rank),
            ("等次", lambda r: r.grade),
            ("软弱涣散", lambda r: "是" if r.weak else "否"),
            ("列入原因", lambda r: "；".join(r.reasons)),
            ("问题类型", lambda r: "、".join(r.problems)),
            ("后果", lambda r: "；".join(r.consequences)),
            ("综合得分（含述职评议）", lambda r: r.combined if r.combined is not None else ""),
        ]
        return export_response(
            request=request,
            title=f"{assessment.title}结果",
            columns=columns,
            layout=RESULTS_LAYOUT,
            rows=rows,
            filename=f"{assessment.title}结果.xlsx",
            filters=f"摘要值 {assessment.digest[:16]}",
            org=assessment.root,
        )
