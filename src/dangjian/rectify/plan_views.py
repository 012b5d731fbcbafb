"""The forms that change a case: its kind and deadline, measures, a measure done, ledger entries with evidence, the
five supporters, funds, the town's check, closure and reopening. Each page answers 404 to whoever may not use it,
like an object out of scope; the services check the same rules again inside their transaction."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from dangjian.core.scope import Action, scope_q
from dangjian.core.views import ScopedViewMixin, apply_validation_error

from . import services
from .forms import (
    CaseEditForm,
    EntryForm,
    FundForm,
    MeasureDoneForm,
    MeasureForm,
    OpinionForm,
    ReopenForm,
    SupportersForm,
)
from .models import Case, Measure
from .pairing import AGENCY_KIND_LABELS, suggest_agencies


def find_user(username: str, case: Case, actor):
    """An account named on a case: it must hold a grant on the case's organization, one of its ancestors (the county
    leader, the organization department) or an organization the actor sees (a paired agency). None if not found."""
    username = (username or "").strip()
    if not username:
        return None
    ancestors = [part + "." for part in _prefixes(case.org.path)]
    near = Q(grants__org__path__in=ancestors) | scope_q(actor, "grants__org__path", Action.VIEW)
    return get_user_model().objects.filter(near, username=username, is_active=True).distinct().first()


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.split(".") if p]
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


class _CaseForm(ScopedViewMixin, View):
    """A form page about one case. Subclasses name the form, who may use it and what it does."""

    model = Case
    form_class = None
    title = ""
    done = ""

    def case_of(self, obj) -> Case:
        return obj

    def allowed(self, user, case: Case) -> bool:
        raise NotImplementedError

    def make_form(self, obj, data=None, files=None):
        return self.form_class(data, files)

    def act(self, obj, form):
        raise NotImplementedError

    def context_extra(self, obj, form) -> dict:
        return {}

    def lookup(self, pk):
        obj = self.get_object_or_404(pk)
        if not self.allowed(self.request.user, self.case_of(obj)):
            raise Http404("未找到该记录，或它不在您的数据范围内。")
        return obj

    def render_form(self, obj, form, status=200):
        case = self.case_of(obj)
        context = {
            "form": form,
            "title": f"{self.title} · {case.org.name}",
            "case": case,
            **self.context_extra(obj, form),
        }
        return render(self.request, "rectify/form.html", context, status=status)

    def get(self, request, pk):
        obj = self.lookup(pk)
        return self.render_form(obj, self.make_form(obj))

    def post(self, request, pk):
        obj = self.lookup(pk)
        form = self.make_form(obj, request.POST, request.FILES)
        if form.is_valid():
            try:
                self.act(obj, form)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, self.done)
                return redirect("rectify:detail", pk=self.case_of(obj).pk)
        return self.render_form(obj, form, status=400)


class CaseEditView(_CaseForm):
    form_class = CaseEditForm
    title = "软弱类型和整改期限"
    done = "已保存。"

    def allowed(self, user, case):
        return services.can_support(user, case)

    def make_form(self, obj, data=None, files=None):
        return CaseEditForm(data, initial={"kind": obj.kind, "deadline": obj.deadline})

    def act(self, obj, form):
        services.update_case(obj, actor=self.request.user, **form.cleaned_data)


class MeasureAddView(_CaseForm):
    form_class = MeasureForm
    title = "新增整改措施"
    done = "整改措施已加入方案。"

    def allowed(self, user, case):
        return services.can_plan(user, case)

    def act(self, obj, form):
        data = form.cleaned_data
        user = None
        if data["responsible_username"].strip():
            user = find_user(data["responsible_username"], obj, self.request.user)
            if user is None:
                raise ValidationError({"responsible_username": "未找到该账号，或该账号与本组织无关。"})
        services.add_measure(
            obj,
            actor=self.request.user,
            problem=data["problem"],
            action=data["action"],
            responsible=data["responsible"],
            deadline=data["deadline"],
            responsible_user=user,
        )

    def context_extra(self, obj, form):
        return {"problems": obj.problems}


class MeasureDoneView(_CaseForm):
    model = Measure
    form_class = MeasureDoneForm
    title = "标记措施完成"
    done = "措施已标记完成。"

    def case_of(self, obj):
        return obj.case

    def allowed(self, user, case):
        return services.can_plan(user, case)

    def act(self, obj, form):
        services.complete_measure(obj, actor=self.request.user, date=form.cleaned_data["date"])

    def context_extra(self, obj, form):
        return {"measure": obj}


class EntryAddView(_CaseForm):
    model = Measure
    form_class = EntryForm
    title = "填写整改台账"
    done = "台账已记录。"

    def case_of(self, obj):
        return obj.case

    def allowed(self, user, case):
        return services.can_plan(user, case)

    def act(self, obj, form):
        data = form.cleaned_data
        services.add_entry(
            obj, actor=self.request.user, date=data["date"], content=data["content"], files=data["files"]
        )

    def context_extra(self, obj, form):
        return {"measure": obj}


class SupportersView(_CaseForm):
    title = "五级包扶责任人"
    done = "包扶责任人已保存；有账号的责任人将收到通知。"

    def allowed(self, user, case):
        return services.can_support(user, case)

    def make_form(self, obj, data=None, files=None):
        current = {s.role: s for s in obj.supporters.select_related("user")}
        return SupportersForm(data, current=current, roles=services.supporter_roles(obj))

    def act(self, obj, form):
        data = form.cleaned_data
        errors = {}
        accounts = {}
        roles = [role for role, _ in form.role_choices]
        for role in roles:
            username = data[f"{role}_username"].strip()
            if username:
                accounts[role] = find_user(username, obj, self.request.user)
                if accounts[role] is None:
                    errors[f"{role}_username"] = "未找到该账号，或该账号与本组织无关。"
        if errors:
            raise ValidationError(errors)
        with transaction.atomic():  # the five together or none
            for role in roles:
                try:
                    services.set_supporter(
                        obj,
                        role,
                        actor=self.request.user,
                        name=data[f"{role}_name"],
                        unit=data[f"{role}_unit"],
                        user=accounts.get(role),
                    )
                except ValidationError as exc:
                    raise ValidationError({f"{role}_name": exc.messages}) from None

    def context_extra(self, obj, form):
        return {
            "supporters_form": True,
            "agency_kind": AGENCY_KIND_LABELS.get(obj.kind, ""),
            "agencies": suggest_agencies(obj, self.request.user),
        }


class FundAddView(_CaseForm):
    form_class = FundForm
    title = "登记专项资金"
    done = "专项资金已登记。"

    def allowed(self, user, case):
        return services.can_support(user, case)

    def act(self, obj, form):
        services.add_fund(obj, actor=self.request.user, **form.cleaned_data)

    def context_extra(self, obj, form):
        return {"progress": services.case_progress(obj)}


class TownCheckView(_CaseForm):
    form_class = OpinionForm
    title = "乡镇初验"
    done = "已初验，待销号单位验收。"

    def allowed(self, user, case):
        return services.can_support(user, case)

    def act(self, obj, form):
        services.town_check(obj, actor=self.request.user, opinion=form.cleaned_data["opinion"])

    def context_extra(self, obj, form):
        return {"progress": services.case_progress(obj)}


class CloseView(_CaseForm):
    form_class = OpinionForm
    title = "验收销号"
    done = "已验收销号。"

    def allowed(self, user, case):
        return services.can_close(user, case)

    def act(self, obj, form):
        services.close_case(obj, actor=self.request.user, opinion=form.cleaned_data["opinion"])

    def context_extra(self, obj, form):
        return {"progress": services.case_progress(obj)}


class ReopenView(_CaseForm):
    form_class = ReopenForm
    title = "重新打开"
    done = "案件已重新打开，继续整改。"

    def allowed(self, user, case):
        return services.can_close(user, case)

    def act(self, obj, form):
        services.reopen_case(obj, actor=self.request.user, reason=form.cleaned_data["reason"])
