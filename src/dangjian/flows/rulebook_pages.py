"""The rulebook's forms that name an organization: a county's or city's override of a rule, and its withdrawal.
They look organizations up in the user's scope (orgs), which the rulebook, standing below orgs, cannot; their
routes keep the rulebook's namespace (`rulebook:override`, `rulebook:withdraw`; flows/urls.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from dangjian.core.scope import Action, acts_anywhere
from dangjian.core.services import OutOfScope
from dangjian.core.views import ScopedViewMixin, apply_validation_error
from dangjian.orgs.models import Organization
from dangjian.rulebook import services
from dangjian.rulebook.forms import OverrideForm, WithdrawForm
from dangjian.rulebook.models import Rule, RuleOverride

NOT_FOUND = "该组织不存在，或不在您的管理范围内。"


class OverrideView(ScopedViewMixin, View):
    """`rulebook:override`: change a rule's value or severity, or turn it off, for a city or county (MANAGE)."""

    model = RuleOverride
    scope_action = Action.MANAGE

    def rule(self, key) -> Rule:
        rule = Rule.objects.filter(key=key).first()
        if rule is None or not acts_anywhere(self.request.user, Action.MANAGE):
            raise Http404
        return rule

    def page(self, request, rule, form, status=200):
        return render(request, "rulebook/override.html", {"rule": rule, "form": form}, status=status)

    def get(self, request, key):
        return self.page(request, self.rule(key), OverrideForm())

    def post(self, request, key):
        rule = self.rule(key)
        form = OverrideForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            org = self.scoped(Organization, Action.MANAGE).filter(code=data["org_code"].strip()).first()
            if org is None:
                form.add_error("org_code", NOT_FOUND)
            else:
                try:
                    value = services.parse_value(rule, data["value"])
                    services.set_override(
                        rule,
                        org,
                        actor=request.user,
                        reason=data["reason"],
                        value=value,
                        severity=data["severity"],
                        disabled=data["disabled"],
                    )
                except OutOfScope:
                    form.add_error("org_code", NOT_FOUND)
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已记录“{org.name}”对“{rule.title}”的调整。")
                    return redirect("rulebook:detail", rule.key)
        return self.page(request, rule, form, status=400)


class WithdrawView(ScopedViewMixin, View):
    """`rulebook:withdraw`: withdraw an active override (MANAGE on its organization), with a reason."""

    model = RuleOverride
    scope_action = Action.MANAGE

    def page(self, request, override, form, status=200):
        return render(request, "rulebook/withdraw.html", {"override": override, "form": form}, status=status)

    def get(self, request, pk):
        return self.page(request, self.get_object_or_404(pk), WithdrawForm())

    def post(self, request, pk):
        override = self.get_object_or_404(pk)
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.withdraw_override(override, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已撤销该调整。")
                return redirect("rulebook:detail", override.rule.key)
        return self.page(request, override, form, status=400)
