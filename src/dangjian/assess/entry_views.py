"""Entering scores: a grid per indicator (one column of inputs, Enter goes down) and a page per organization with
all its indicators, its evidence and, once visible, its result."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views import View

from dangjian.core.views import ScopedViewMixin

from . import services
from .access import can_attach, can_manage, can_rate, rateable, results_visible
from .forms import EvidenceForm
from .models import Assessment, Entry, Evidence, Participant, Result
from .scheme import METHOD_LABELS, Method, cents_to_decimal

ENTERED = (Method.GIVEN, Method.DEDUCTION, Method.YESNO, Method.BONUS, Method.PENALTY, Method.VETO)


def shown(entry: Entry | None) -> str:
    """An entry as the user typed it."""
    if entry is None:
        return ""
    if entry.points is not None:
        return f"{entry.points.normalize():f}"
    if entry.count is not None:
        return str(entry.count)
    if entry.flag is not None:
        return "是" if entry.flag else "否"
    return ""


def unclosed_case(org_id: int, year: int) -> bool:
    """Whether the organization's rectification case of `year` is still open: it rolls into this assessment."""
    from dangjian.rectify.models import Case, CaseStatus

    return Case.objects.filter(org_id=org_id, year=year).exclude(status=CaseStatus.CLOSED).exists()


def hint(ind) -> str:
    if ind.method in (Method.GIVEN, Method.BONUS):
        return f"0～{cents_to_decimal(ind.max_cents)} 分"
    if ind.method is Method.DEDUCTION:
        return f"填次数，每次扣 {cents_to_decimal(ind.per_occurrence_cents)} 分"
    if ind.method is Method.PENALTY:
        return f"填次数，每次减 {cents_to_decimal(ind.per_occurrence_cents)} 分"
    return "填“是”或“否”"


class GridView(ScopedViewMixin, View):
    """All organizations this user rates, for one indicator."""

    model = Assessment

    def rows(self, assessment, code):
        scheme = assessment.scheme.parsed()
        rows = []
        participants = list(rateable(self.request.user, assessment).order_by("path"))
        mine = {
            e.participant_id: e
            for e in Entry.objects.filter(participant__in=participants, indicator=code, rater=self.request.user)
        }
        indicator = None
        for p in participants:
            group = scheme.group_for(p.domain, p.level)
            ind = next((i for i in group.indicators if i.code == code), None) if group else None
            if ind is None or ind.method not in ENTERED:
                continue
            indicator = indicator or ind
            rows.append({"p": p, "value": shown(mine.get(p.id)), "hint": hint(ind)})
        return indicator, rows

    def get(self, request, pk, code):
        assessment = self.get_object_or_404(pk)
        indicator, rows = self.rows(assessment, code)
        if indicator is None:
            raise Http404("没有可由您评分的该项指标。")
        return render(request, "assess/grid.html", self.context(assessment, indicator, rows, {}))

    def context(self, assessment, indicator, rows, errors):
        return {
            "assessment": assessment,
            "indicator": indicator,
            "method": METHOD_LABELS[indicator.method],
            "rows": rows,
            "errors": errors,
            "closed": assessment.published,
        }

    def post(self, request, pk, code):
        assessment = self.get_object_or_404(pk)
        indicator, rows = self.rows(assessment, code)
        if indicator is None:
            raise Http404("没有可由您评分的该项指标。")
        errors = {}
        try:
            with transaction.atomic():  # the whole column or nothing
                for row in rows:
                    p = row["p"]
                    value = request.POST.get(f"v{p.pk}", "").strip()
                    row["value"] = value
                    try:
                        services.enter(p, code, value, actor=request.user)
                    except ValidationError as exc:
                        errors[p.pk] = "；".join(exc.messages)
                if errors:
                    raise ValidationError("有错误")
        except ValidationError:
            for row in rows:
                row["error"] = errors.get(row["p"].pk, "")
            messages.error(request, f"有 {len(errors)} 处错误，本列未保存，请修改后重新提交。")
            return render(request, "assess/grid.html", self.context(assessment, indicator, rows, errors), status=400)
        messages.success(request, f"「{indicator.name}」已保存 {len(rows)} 个组织的评分。")
        return redirect("assess:grid", pk=assessment.pk, code=code)


class ParticipantView(ScopedViewMixin, View):
    """One organization in one assessment: indicators with this user's entries, evidence, result."""

    model = Participant

    def get(self, request, pk):
        p = self.get_object_or_404(pk)
        return render(request, "assess/participant.html", self.context(p, {}))

    def context(self, p, errors, typed=None):
        assessment = p.assessment
        scheme = assessment.scheme.parsed()
        group = scheme.group_for(p.domain, p.level)
        user = self.request.user
        mine = {e.indicator: e for e in Entry.objects.filter(participant=p, rater=user)}
        raters = {}
        for e in Entry.objects.filter(participant=p):
            raters[e.indicator] = raters.get(e.indicator, 0) + 1
        rows = []
        for ind in group.indicators if group else ():
            typed_value = (typed or {}).get(ind.code)
            rows.append(
                {
                    "ind": ind,
                    "method": METHOD_LABELS[ind.method],
                    "max": cents_to_decimal(ind.max_cents) if ind.max_cents else "",
                    "entered": ind.method in ENTERED,
                    "value": typed_value if typed_value is not None else shown(mine.get(ind.code)),
                    "raters": raters.get(ind.code, 0),
                    "hint": hint(ind) if ind.method in ENTERED else "自动计算",
                    "error": errors.get(ind.code, ""),
                }
            )
        result = None
        if results_visible(user, assessment):
            result = Result.objects.filter(participant=p).first()
        return {
            "p": p,
            "assessment": assessment,
            "rows": rows,
            "rate": can_rate(user, p) and not assessment.published,
            "attach": can_attach(user, p) and not assessment.published,
            "manage": can_manage(user, assessment),
            "evidence": p.evidence.all(),
            "evidence_form": EvidenceForm(),
            "result": result,
            "open_case_last_year": p.org_id is not None and unclosed_case(p.org_id, assessment.year - 1),
        }

    def post(self, request, pk):
        p = self.get_object_or_404(pk)
        if not can_rate(request.user, p):
            raise Http404
        errors, typed = {}, {}
        try:
            with transaction.atomic():
                for row in self.context(p, {})["rows"]:
                    if not row["entered"]:
                        continue
                    code = row["ind"].code
                    typed[code] = request.POST.get(f"i_{code}", "").strip()
                    try:
                        services.enter(p, code, typed[code], actor=request.user)
                    except ValidationError as exc:
                        errors[code] = "；".join(exc.messages)
                if errors:
                    raise ValidationError("有错误")
        except ValidationError:
            messages.error(request, f"有 {len(errors)} 处错误，未保存，请修改后重新提交。")
            return render(request, "assess/participant.html", self.context(p, errors, typed), status=400)
        messages.success(request, "评分已保存。")
        return redirect("assess:participant", pk=p.pk)


class EvidenceUploadView(ScopedViewMixin, View):
    model = Participant

    def post(self, request, pk):
        p = self.get_object_or_404(pk)
        if not can_attach(request.user, p):
            raise Http404
        form = EvidenceForm(request.POST, request.FILES)
        problem = ""
        if not form.is_valid():
            problem = "；".join(m for errs in form.errors.values() for m in errs)
        else:
            try:
                services.attach_evidence(
                    p,
                    form.cleaned_data["file"],
                    indicator=form.cleaned_data["indicator"].strip(),
                    description=form.cleaned_data["description"],
                    actor=request.user,
                )
            except ValidationError as exc:
                problem = "；".join(exc.messages)
        if problem:
            messages.error(request, problem)
        else:
            messages.success(request, "佐证材料已上传。")
        return redirect("assess:participant", pk=p.pk)


class EvidenceDownloadView(ScopedViewMixin, View):
    model = Evidence

    def get(self, request, pk):
        item = self.get_object_or_404(pk)
        return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.original_name)
