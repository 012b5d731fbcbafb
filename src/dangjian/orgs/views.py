"""Organization pages: tree, search, detail, create, edit, move, delete, committee and vertical systems."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from dangjian.core.params import BIGINT_MIN, int_param
from dangjian.core.scope import Action, scope_paths
from dangjian.core.views import ScopedViewMixin, apply_validation_error

from . import services
from .forms import OrgCreateForm, OrgForm, OrgMoveForm, PostForm
from .models import CommitteePost, Organization, VerticalSystem
from .search import search

TREE_PAGE = 200  # children shown per click; more are fetched on demand
SEARCH_LIMIT = 50


def _node(org: Organization) -> dict:
    return {
        "id": org.pk,
        "name": org.name,
        "code": org.code,
        "kind": org.get_kind_display(),
        "has_children": getattr(org, "has_children", False),
        "url": reverse("orgs:detail", args=[org.pk]),
    }


class OrgTreeView(ScopedViewMixin, View):
    """The tree browser: roots are the user's granted organizations; children load lazily."""

    model = Organization

    def get(self, request):
        roots = self.get_queryset().filter(path__in=_root_paths(request.user)).with_has_children()
        return render(request, "orgs/tree.html", {"roots": [_node(o) for o in roots]})


def _root_paths(user) -> list[str]:
    paths = scope_paths(user)  # raw paths: the tree opens on the granted organizations themselves
    if paths is None:
        return list(Organization.objects.filter(parent__isnull=True).values_list("path", flat=True))
    return paths


class OrgChildrenView(ScopedViewMixin, View):
    """JSON: one page of children of an organization, for the lazy tree."""

    model = Organization

    def get(self, request, pk):
        parent = self.get_object_or_404(pk)
        offset = int_param(request.GET, "offset", 0)
        qs = self.get_queryset().filter(parent=parent).with_has_children().order_by("code")
        page = list(qs[offset : offset + TREE_PAGE + 1])
        more = len(page) > TREE_PAGE
        return JsonResponse(
            {
                "nodes": [_node(o) for o in page[:TREE_PAGE]],
                "more": more,
                "next_offset": offset + TREE_PAGE if more else None,
            }
        )


class OrgSearchView(ScopedViewMixin, View):
    """Search by name or code within scope; JSON for the tree and autocomplete, HTML otherwise."""

    model = Organization

    def get(self, request):
        q = request.GET.get("q", "").strip()[:100]
        results = []
        if q:
            results = search(self.get_queryset(), q, SEARCH_LIMIT)  # code prefix first (orgs/search.py)
        if request.GET.get("format") == "json":
            return JsonResponse({"results": [_node(o) for o in results]})
        return render(request, "orgs/search.html", {"q": q, "results": results, "limit": SEARCH_LIMIT})


class OrgCreateView(ScopedViewMixin, View):
    model = Organization
    scope_action = Action.MANAGE

    def get(self, request):
        initial = {}
        parent = int_param(request.GET, "parent", minimum=BIGINT_MIN)
        if parent is not None:
            p = self.get_queryset().filter(pk=parent).first()
            if p:
                initial = {"parent": p.code, "domain": p.domain, "level": p.level}
        return render(
            request,
            "orgs/form.html",
            {"form": OrgCreateForm(user=request.user, initial=initial), "title": "新建党组织"},
        )

    def post(self, request):
        form = OrgCreateForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            parent = data.pop("parent")
            try:
                org = services.create_org(actor=request.user, parent=parent, **data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"已新建“{org.name}”。")
                return redirect("orgs:detail", org.pk)
        return render(request, "orgs/form.html", {"form": form, "title": "新建党组织"}, status=400)


class OrgEditView(ScopedViewMixin, View):
    model = Organization
    scope_action = Action.CHANGE

    def get(self, request, pk):
        org = self.get_object_or_404(pk)
        return render(
            request,
            "orgs/form.html",
            {"form": OrgForm(instance=org, user=request.user), "org": org, "title": f"编辑：{org.name}"},
        )

    def post(self, request, pk):
        org = self.get_object_or_404(pk)
        form = OrgForm(request.POST, instance=Organization.objects.get(pk=org.pk), user=request.user)
        if form.is_valid():
            try:
                services.update_org(org, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已保存。")
                return redirect("orgs:detail", org.pk)
        return render(request, "orgs/form.html", {"form": form, "org": org, "title": f"编辑：{org.name}"}, status=400)


class OrgMoveView(ScopedViewMixin, View):
    model = Organization
    scope_action = Action.MANAGE

    def get(self, request, pk):
        org = self.get_object_or_404(pk)
        return render(request, "orgs/move.html", {"form": OrgMoveForm(user=request.user), "org": org})

    def post(self, request, pk):
        org = self.get_object_or_404(pk)
        form = OrgMoveForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.move_org(org, form.cleaned_data["new_parent"], actor=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已调整隶属关系。")
                return redirect("orgs:detail", org.pk)
        return render(request, "orgs/move.html", {"form": form, "org": org}, status=400)


class OrgDeleteView(ScopedViewMixin, View):
    model = Organization
    scope_action = Action.MANAGE

    def get(self, request, pk):
        return render(request, "orgs/delete.html", {"org": self.get_object_or_404(pk)})

    def post(self, request, pk):
        org = self.get_object_or_404(pk)
        parent_id = org.parent_id
        try:
            services.delete_org(org, actor=request.user)
        except ValidationError as exc:
            return render(request, "orgs/delete.html", {"org": org, "errors": exc.messages}, status=400)
        messages.success(request, f"已删除“{org.name}”。")
        return redirect("orgs:detail", parent_id) if parent_id else redirect("orgs:tree")


class PostAddView(ScopedViewMixin, View):
    model = Organization
    scope_action = Action.CHANGE

    def post(self, request, pk):
        org = self.get_object_or_404(pk)
        form = PostForm(request.POST)
        if form.is_valid():
            try:
                services.set_post(org, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(request, "已添加班子成员。")
        else:
            messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items()))
        return redirect("orgs:detail", org.pk)


class PostRemoveView(ScopedViewMixin, View):
    model = CommitteePost
    scope_action = Action.CHANGE

    def post(self, request, pk):
        item = self.get_object_or_404(pk)
        org_id = item.org_id
        services.remove_post(item, actor=request.user)
        messages.success(request, "已移除班子成员。")
        return redirect("orgs:detail", org_id)


class SystemListView(ScopedViewMixin, View):
    model = VerticalSystem

    def get(self, request):
        return render(request, "orgs/systems.html", {"systems": self.get_queryset()})


class SystemChainView(ScopedViewMixin, View):
    """A vertical system's chain (条) beside party affiliation (块), showing where the chain breaks [000]."""

    model = VerticalSystem

    def get(self, request, pk):
        system = self.get_object_or_404(pk)
        units = (
            self.scoped(Organization)
            .filter(system=system)
            .select_related("parent", "system_parent")
            .order_by("system_tier", "code")
        )
        visible = set(
            self.scoped(Organization)
            .filter(pk__in={u.parent_id for u in units} | {u.system_parent_id for u in units})
            .values_list("pk", flat=True)
        )
        rows = []
        for unit in units:
            broken = unit.system_chain_broken()
            if broken:
                link = "断层"
            elif unit.system_parent_id and unit.parent_id != unit.system_parent_id:
                link = "属地管理"
            else:
                link = "贯通"
            rows.append(
                {
                    "unit": unit,
                    "broken": broken,
                    "link": link,
                    "party_parent": unit.parent.name if unit.parent_id in visible else "（数据范围外）",
                    "line_parent": unit.system_parent.name
                    if unit.system_parent_id in visible
                    else ("（数据范围外）" if unit.system_parent_id else "—"),
                }
            )
        context = {"system": system, "rows": rows, "broken_count": sum(r["broken"] for r in rows)}
        return render(request, "orgs/system_chain.html", context)
