"""The rulebook's pages: every rule with its source, severity, domains and overrides (list with filters), one rule
with the trail of its overrides. Rules are the same for everyone; overrides are shown within the user's scope.
The override and withdrawal forms sit in `flows.rulebook_pages`, which may look organizations up."""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.views import View

from dangjian.core.scope import Action, acts_anywhere
from dangjian.core.views import ScopedViewMixin, paged

from .book import Book
from .catalog import DOMAINS
from .choices import Severity
from .models import Rule, RuleOverride


def rule_domains(rule: Rule) -> str:
    return "、".join(DOMAINS.get(d, d) for d in rule.domains or ()) or "各类型"


class RuleListView(ScopedViewMixin, View):
    """`rulebook:list`: the rules, filtered by domain (a rule of every domain shows under each), category and
    severity; each with its source and how many overrides stand within the user's scope."""

    model = RuleOverride

    def get(self, request):
        domain = request.GET.get("domain", "")
        category = request.GET.get("category", "")
        severity = request.GET.get("severity", "")
        rules = list(Rule.objects.all())
        categories = sorted({r.category for r in rules})
        if domain:
            rules = [r for r in rules if not r.domains or domain in r.domains]
        if category:
            rules = [r for r in rules if r.category == category]
        if severity:
            rules = [r for r in rules if r.severity == severity]
        counts = dict(
            self.scoped(RuleOverride)
            .filter(withdrawn_at__isnull=True)
            .values("rule_id")
            .annotate(n=Count("id"))
            .values_list("rule_id", "n")
        )
        for rule in rules:
            rule.domain_words = rule_domains(rule)
            rule.override_count = counts.get(rule.pk, 0)
        context = {
            "domains": DOMAINS,
            "categories": categories,
            "severities": Severity.choices,
            "domain": domain,
            "category": category,
            "severity": severity,
            "total": len(rules),
            **paged(request, rules, per_page=50),
        }
        return render(request, "rulebook/list.html", context)


class RuleDetailView(ScopedViewMixin, View):
    """`rulebook:detail`: one rule, its source, where the code applies it, and its overrides (active and withdrawn,
    who, when, why) within the user's scope."""

    model = RuleOverride

    def get(self, request, key):
        rule = Rule.objects.filter(key=key).first()
        if rule is None:
            raise Http404
        overrides = (
            self.scoped(RuleOverride)
            .filter(rule=rule)
            .select_related("org", "created_by", "withdrawn_by")
            .order_by("-created_at", "-id")
        )
        context = {
            "rule": rule,
            "domain_words": rule_domains(rule),
            "effective": Book([rule], []).rule(rule.key),
            "can_override": acts_anywhere(request.user, Action.MANAGE),
            **paged(request, overrides, per_page=50),
        }
        return render(request, "rulebook/detail.html", context)
