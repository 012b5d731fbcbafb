"""The what-if page: the assessment's managers change weights, grade lines or weak floors in a copy of the scheme
and see the ranks and the weak list beside the scheme as it is (`whatif.py`). A GET form: it saves nothing, so the
address of a comparison can be passed on."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views import View

from dangjian.core.views import ScopedViewMixin, paged

from . import whatif
from .access import can_manage
from .models import Assessment
from .scheme import METHOD_LABELS, cents_to_decimal

ROWS_PAGE = 100  # organizations per page of the comparison


class WhatIfView(ScopedViewMixin, View):
    model = Assessment

    def get(self, request, pk):
        assessment = self.get_object_or_404(pk)
        if not can_manage(request.user, assessment):
            raise Http404("未找到该记录，或它不在您的数据范围内。")
        scheme = assessment.scheme.parsed()
        data = request.GET
        asked = "go" in data
        changes, errors = whatif.parse_changes(scheme, data) if asked else (whatif.Changes(), [])
        comparison = rows = None
        if asked and not errors:
            try:
                comparison = whatif.what_if(assessment, changes)
            except ValidationError as exc:
                errors = exc.messages
            else:
                rows = paged(request, comparison.rows, ROWS_PAGE)
        context = {
            "assessment": assessment,
            "indicators": [
                {
                    "ind": ind,
                    "method": METHOD_LABELS[ind.method],
                    "points": cents_to_decimal(ind.max_cents),
                    "value": data.get(f"w-{ind.code}", "") if asked else "",
                }
                for ind in whatif.weighted_indicators(scheme)
            ],  # fmt: skip
            "groups": [
                {
                    "key": g.key,
                    "label": whatif.group_label(g.key),
                    "lines": [
                        (letter, cents_to_decimal(c), data.get(f"{letter}-{g.key}", "") if asked else "")
                        for letter, c in zip("abc", g.lines_cents, strict=True)
                    ],
                }
                for g in scheme.groups
            ],  # fmt: skip
            "floors": [
                {
                    "domain": d,
                    "label": whatif.DOMAIN_LABELS.get(d, d),
                    "percent": _percent(scheme.weak_floors.get(d, Decimal(0))),
                    "value": data.get(f"f-{d}", "") if asked else "",
                }
                for d in whatif.floor_domains(scheme)
            ],  # fmt: skip
            "asked": asked,
            "changes": changes,
            "errors": errors,
            "comparison": comparison,
            "rows": rows["page"] if rows else None,
            "query": rows["query"] if rows else "",
        }
        return render(request, "assess/whatif.html", context, status=400 if errors else 200)


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}"
