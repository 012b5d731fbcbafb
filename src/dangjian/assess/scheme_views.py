"""Scheme pages: read a scheme as a table, create and edit it as YAML (typed or uploaded), download, clone."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views import View

from dangjian.core.scope import Action, path_in_scope
from dangjian.core.views import ScopedViewMixin, apply_validation_error
from dangjian.orgs.models import Organization

from . import services
from .engine import DOMAIN_LABELS
from .forms import CloneForm, SchemeForm
from .metrics import METRICS
from .models import Assessment, SchemeRecord
from .scheme import GRADE_LABELS, METHOD_LABELS, PROBLEMS, Method, cents_to_decimal
from .views import org_by_code

EXAMPLE = services.example_scheme_text
METHOD_NOTES = {
    Method.GIVEN: "评分人打分，多人评分取平均",
    Method.DEDUCTION: "满分起扣，每次扣 per 分，不低于 floor 分",
    Method.DERIVED: "按系统数据（metric）完成比例得分",
    Method.SURVEY: "按群众满意度测评中满意及基本满意的比例得分",
    Method.YESNO: "是则得满分，否则不得分",
    Method.BONUS: "每次加 per 分，合计不超过加分上限",
    Method.PENALTY: "每次减 per 分，合计不超过减分上限",
    Method.VETO: "触发即定为 D（差），不论总分",
}
METHODS = [{"key": m.value, "label": METHOD_LABELS[m], "note": METHOD_NOTES[m]} for m in Method]


class SchemeReadMixin(ScopedViewMixin):
    """A scheme is read by those in its owner's scope and by those it assesses: whoever sees an assessment run by
    it, from above or as a participant (`Assessment.objects.restrict`), may read the scheme behind the results."""

    model = SchemeRecord

    def get_object_or_404(self, pk, action=None):
        user = self.request.user
        assessed_by = Assessment.objects.restrict(user).values("scheme")
        owned = SchemeRecord.objects.restrict(user).values("pk")
        record = SchemeRecord.objects.filter(Q(pk__in=owned) | Q(pk__in=assessed_by), pk=pk).first()
        if record is None:
            raise Http404("未找到该记录，或它不在您的数据范围内。")
        return record


class SchemeDetailView(SchemeReadMixin, View):
    def get(self, request, pk):
        record = self.get_object_or_404(pk)
        scheme = record.parsed()
        groups = []
        for group in scheme.groups:
            rows = [
                {
                    "ind": ind,
                    "method": METHOD_LABELS[ind.method],
                    "points": cents_to_decimal(ind.max_cents) if ind.max_cents else "",
                    "per": cents_to_decimal(ind.per_occurrence_cents) if ind.per_occurrence_cents else "",
                    "metric": METRICS[ind.metric].label if ind.metric in METRICS else ind.metric,
                    "problem": PROBLEMS.get(ind.problem, ""),
                }
                for ind in group.indicators
            ]
            lines = [(g, GRADE_LABELS[g], cents_to_decimal(c)) for g, c in zip("ABC", group.lines_cents, strict=True)]
            groups.append({"label": DOMAIN_LABELS[group.domain], "level": group.level, "rows": rows, "lines": lines})
        floors = [(DOMAIN_LABELS[d], f"{(s * 100).normalize():f}%") for d, s in scheme.weak_floors.items()]
        floor_warnings = services.weak_floor_warnings(scheme, record.owner)
        return render(
            request,
            "assess/scheme_detail.html",
            {
                "record": record,
                "scheme": scheme,
                "groups": groups,
                "floors": floors,
                "floor_warnings": floor_warnings,
                "bonus_cap": cents_to_decimal(scheme.bonus_cap_cents),
                "penalty_cap": cents_to_decimal(scheme.penalty_cap_cents),
                "can_edit": path_in_scope(request.user, record.owner.path, Action.MANAGE),
                "clone_form": CloneForm(initial={"year": scheme.year + 1}),
            },
        )


class SchemeDownloadView(SchemeReadMixin, View):
    def get(self, request, pk):
        record = self.get_object_or_404(pk)
        response = HttpResponse(record.text, content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"{record.year}-{record.name}.yaml")
        return response


class SchemeCreateView(ScopedViewMixin, View):
    model = SchemeRecord
    scope_action = Action.MANAGE
    title = "新建考核方案"

    def record(self, pk):
        return None

    def initial(self, record):
        # A scheme made from nothing starts with the rulebook's floors where the user's scope begins.
        top = self.scoped(Organization, Action.MANAGE).order_by("depth", "path").first()
        return {"text": EXAMPLE(services.default_floors(top))}

    def get(self, request, pk=None):
        record = self.record(pk)
        form = SchemeForm(initial=self.initial(record))
        return render(
            request,
            "assess/scheme_form.html",
            {"form": form, "title": self.title, "metrics": METRICS, "methods": METHODS},
        )

    def post(self, request, pk=None):
        record = self.record(pk)
        form = SchemeForm(request.POST, request.FILES)
        if form.is_valid():
            owner = org_by_code(self, form.cleaned_data["owner_code"], Action.MANAGE)
            if owner is None:
                form.add_error("owner_code", "该组织不存在或不在您的管理范围内。")
            else:
                try:
                    record = services.save_scheme(
                        actor=request.user, owner=owner, text=form.cleaned_data["text"], scheme=record
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"方案“{record.name}”已保存。")
                    for warning in services.weak_floor_warnings(record.parsed(), owner):
                        messages.warning(request, warning)
                    return redirect("assess:scheme", pk=record.pk)
        context = {"form": form, "title": self.title, "metrics": METRICS, "methods": METHODS}
        return render(request, "assess/scheme_form.html", context, status=400)


class SchemeEditView(SchemeCreateView):
    title = "修改考核方案"

    def record(self, pk):
        return self.get_object_or_404(pk)

    def initial(self, record):
        return {"text": record.text, "owner_code": record.owner.code}


class SchemeCloneView(ScopedViewMixin, View):
    model = SchemeRecord
    scope_action = Action.MANAGE

    def post(self, request, pk):
        record = self.get_object_or_404(pk)
        form = CloneForm(request.POST)
        if not form.is_valid():
            messages.error(request, "请填写正确的年度。")
            return redirect("assess:scheme", pk=record.pk)
        try:
            clone = services.clone_scheme(record, actor=request.user, year=form.cleaned_data["year"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("assess:scheme", pk=record.pk)
        messages.success(request, f"已复制为“{clone.name}”，可继续修改。")
        return redirect("assess:scheme", pk=clone.pk)
