"""Draw pages: the list, setting one up, one draw (its population, commitment, beacon, the draw and reveal, the
targets), its verification and its export for a third party.

Visibility follows the models' rule: the organizers see everything of a draw, anyone else only the targets
`DrawTarget.restrict` gives them, and the secret, seed and full list once the visit window has closed.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action, acts_anywhere, path_in_scope
from dangjian.core.views import ScopedViewMixin, apply_validation_error, paged
from dangjian.orgs.models import Organization
from dangjian.sheets.export import private

from . import services
from .choices import DrawStatus
from .filtersets import DrawFilterSet
from .forms import BeaconForm, DrawForm, ExcludeForm
from .models import Draw, DrawTarget
from .verify import export_data, verify_draw

PAGE = 50


def visible_targets(user, draw: Draw):
    """The targets of `draw` the user may see: all of them for those who may see every target, else by the rule."""
    qs = DrawTarget.objects.filter(draw=draw)
    if not draw.fully_visible_to(user):
        qs = qs.restrict(user)
    return qs.select_related("org", "visit").prefetch_related("team").order_by("position")


def visible_targets_of(user, draws) -> dict[int, list[DrawTarget]]:
    """`visible_targets` of several draws at once, by draw: one query however many draws a page lists (every target
    of the draws the user sees whole, the rule's targets of the others)."""
    whole = [d.pk for d in draws if d.fully_visible_to(user)]
    ruled = DrawTarget.objects.filter(draw__in=[d.pk for d in draws if d.pk not in whole]).restrict(user)
    rows = DrawTarget.objects.filter(Q(draw__in=whole) | Q(pk__in=ruled.values("pk")))
    by_draw: dict[int, list[DrawTarget]] = {d.pk: [] for d in draws}
    for target in rows.select_related("org", "visit", "case").prefetch_related("team").order_by("draw", "position"):
        by_draw[target.draw_id].append(target)
    return by_draw


class DrawListView(ScopedViewMixin, View):
    model = Draw
    filterset_class = DrawFilterSet

    def get(self, request):
        draws = self.filter_list(self.get_queryset().select_related("org")).qs.order_by("-draw_at", "-id")
        context = paged(request, draws, PAGE)
        return render(
            request,
            "inspections/list.html",
            {
                **context,
                "draws": context["page"].object_list,
                "can_create": acts_anywhere(request.user, Action.MANAGE),
            },
        )


class DrawCreateView(ScopedViewMixin, View):
    model = Draw
    scope_action = Action.MANAGE

    def render_form(self, request, form, status=200):
        return render(request, "inspections/form.html", {"form": form, "title": "设立随机抽取"}, status=status)

    def get(self, request):
        if not acts_anywhere(request.user, Action.MANAGE):
            raise Http404
        return self.render_form(request, DrawForm())

    def post(self, request):
        if not acts_anywhere(request.user, Action.MANAGE):
            raise Http404
        form = DrawForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            org = self.scoped(Organization, Action.MANAGE).filter(code=data["org_code"].strip()).first()
            if org is None:
                form.add_error("org_code", "该组织不存在，或您不是它的管理单位。")
            else:
                try:
                    draw = services.setup_draw(
                        org,
                        actor=request.user,
                        title=data["title"],
                        population_kind=data["population_kind"],
                        stratify_by=data["stratify_by"],
                        quota_default=data["quota_default"],
                        quota_overrides=data["quota_overrides"],
                        exclude_months=data["exclude_months"],
                        team_size=data["team_size"],
                        draw_at=data["draw_at"],
                        visit_until=data["visit_until"],
                        beacon_required=data["beacon_required"],
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, "已设立抽取。请核对总体名单，确认后承诺。")
                    return redirect("inspections:detail", draw.pk)
        return self.render_form(request, form, status=400)


class DrawDetailView(ScopedViewMixin, View):
    model = Draw

    def get(self, request, pk):
        draw = self.get_object_or_404(pk)
        user = request.user
        organizer = path_in_scope(user, draw.org.path, Action.MANAGE)
        everything = draw.fully_visible_to(user)
        sizes = services.strata_sizes(draw.eligible()) if everything else {}
        return render(
            request,
            "inspections/detail.html",
            {
                "draw": draw,
                "organizer": organizer,
                "everything": everything,
                "members": draw.population if everything else [],
                "sizes": [(s, n, draw.quotas.get(s, "")) for s, n in sizes.items()],
                "targets": visible_targets(user, draw),
                "can_beacon": draw.status == DrawStatus.COMMITTED
                and not draw.beacon
                and path_in_scope(user, draw.org.path, Action.CHANGE)
                and user.pk != draw.created_by_id,
                "due": draw.status == DrawStatus.COMMITTED and timezone.now() >= draw.draw_at,
                "beacon_form": BeaconForm(),
            },
        )


class _DrawAction(ScopedViewMixin, View):
    """A POST on one draw by its organizers; a refusal is shown as a message on the draw's page."""

    model = Draw
    scope_action = Action.MANAGE

    def act(self, request, draw):
        raise NotImplementedError

    def post(self, request, pk):
        draw = self.get_object_or_404(pk)
        try:
            note = self.act(request, draw)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, note)
        return redirect("inspections:detail", draw.pk)


class ExcludeView(_DrawAction):
    def act(self, request, draw):
        form = ExcludeForm(request.POST)
        if not form.is_valid():
            raise ValidationError("请选择对象。")
        data = form.cleaned_data
        services.set_member_excluded(
            draw, data["key"], actor=request.user, excluded=not data["include"], reason=data["reason"]
        )
        return "已恢复该对象。" if data["include"] else "已将该对象排除出本次抽取。"


class CommitView(_DrawAction):
    def act(self, request, draw):
        draw = services.commit_draw(draw, actor=request.user)
        return f"已承诺：总体摘要值 {draw.population_digest}，承诺值 {draw.commitment}。"


class DrawNowView(_DrawAction):
    def act(self, request, draw):
        draw = services.make_draw(draw, actor=request.user)
        return f"已抽取 {draw.targets.count()} 个对象，并揭示了随机秘密。"


class BeaconView(_DrawAction):
    scope_action = Action.CHANGE

    def act(self, request, draw):
        form = BeaconForm(request.POST)
        value = form.data.get("value", "")
        services.enter_beacon(draw, actor=request.user, value=value)
        return "已录入公开随机数。"


class VerifyView(ScopedViewMixin, View):
    """Re-run the draw against what is stored (for those who may see every target)."""

    model = Draw

    def get(self, request, pk):
        draw = self.get_object_or_404(pk)
        if not draw.fully_visible_to(request.user):
            raise Http404
        checks = verify_draw(draw)
        return render(
            request, "inspections/verify.html", {"draw": draw, "checks": checks, "ok": all(c.ok for c in checks)}
        )


class ExportView(ScopedViewMixin, View):
    """The draw's file for a third party: the manifest, commitment, reveal and list (docs/inspections.md)."""

    model = Draw

    def get(self, request, pk):
        draw = self.get_object_or_404(pk)
        if not draw.fully_visible_to(request.user) or draw.status == DrawStatus.DRAFT:
            raise Http404
        body = json.dumps(export_data(draw), ensure_ascii=False, indent=1)
        record(AuditAction.EXPORT, actor=request.user, obj=draw, org=draw.org, detail=f"导出抽取复核文件：{draw.title}")
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f"attachment; filename=draw-{draw.pk}.json"
        return private(response)
