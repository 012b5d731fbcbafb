"""What draws and visits need set up first: the checklists (per owner, domain and year; edited while unused, copied
to a new year) and the inspector pool of each organizer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from dangjian.core.scope import Action, acts_anywhere, path_in_scope
from dangjian.core.views import ScopedViewMixin, apply_validation_error
from dangjian.orgs.models import Organization

from . import checklists, services
from .forms import ChecklistEditForm, ChecklistForm, CopyForm, InspectorForm
from .models import Checklist, Inspector

NOT_MANAGED = "该组织不存在，或您不是它的管理单位。"


class ChecklistListView(ScopedViewMixin, View):
    model = Checklist

    def get(self, request):
        lists = self.get_queryset().select_related("owner").order_by("-year", "owner__path", "code")
        return render(
            request,
            "inspections/checklists.html",
            {"checklists": lists, "can_create": acts_anywhere(request.user, Action.MANAGE)},
        )


class ChecklistCreateView(ScopedViewMixin, View):
    model = Checklist
    scope_action = Action.MANAGE

    def render_form(self, request, form, status=200):
        return render(request, "inspections/form.html", {"form": form, "title": "新建检查清单"}, status=status)

    def get(self, request):
        if not acts_anywhere(request.user, Action.MANAGE):
            raise Http404
        return self.render_form(request, ChecklistForm())

    def post(self, request):
        if not acts_anywhere(request.user, Action.MANAGE):
            raise Http404
        form = ChecklistForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            owner = self.scoped(Organization, Action.MANAGE).filter(code=data["owner_code"].strip()).first()
            if owner is None:
                form.add_error("owner_code", NOT_MANAGED)
            else:
                try:
                    checklist = checklists.create_checklist(
                        owner,
                        actor=request.user,
                        year=data["year"],
                        code=data["code"],
                        name=data["name"],
                        domains=data["domains"],
                        items=data["items"],
                        source=data["source"],
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, "已新建检查清单。")
                    return redirect("inspections:checklist", checklist.pk)
        return self.render_form(request, form, status=400)


class ChecklistDetailView(ScopedViewMixin, View):
    model = Checklist
    queryset = Checklist.objects.select_related("owner")

    def get(self, request, pk):
        checklist = self.get_object_or_404(pk)
        manage = path_in_scope(request.user, checklist.owner.path, Action.MANAGE)
        return render(
            request,
            "inspections/checklist.html",
            {
                "checklist": checklist,
                "items": checklist.items.all(),
                "domains": [checklists.DOMAINS.get(d, d) for d in checklist.domains],
                "used": checklists.is_used(checklist),
                "can_manage": manage,
                "copy_form": CopyForm(initial={"year": checklist.year + 1}),
            },
        )


class ChecklistEditView(ScopedViewMixin, View):
    model = Checklist
    scope_action = Action.MANAGE

    def render_form(self, request, checklist, form, status=200):
        title = f"修改检查清单：{checklist}"
        return render(request, "inspections/form.html", {"form": form, "title": title}, status=status)

    def get(self, request, pk):
        checklist = self.get_object_or_404(pk)
        initial = {
            "name": checklist.name,
            "domains": checklist.domains,
            "items": checklists.items_text(checklist),
            "source": checklist.source,
        }
        return self.render_form(request, checklist, ChecklistEditForm(initial=initial))

    def post(self, request, pk):
        checklist = self.get_object_or_404(pk)
        form = ChecklistEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                checklists.update_checklist(
                    checklist,
                    actor=request.user,
                    name=data["name"],
                    domains=data["domains"],
                    items=data["items"],
                    source=data["source"],
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已保存检查清单。")
                return redirect("inspections:checklist", checklist.pk)
        return self.render_form(request, checklist, form, status=400)


class ChecklistCopyView(ScopedViewMixin, View):
    model = Checklist
    scope_action = Action.MANAGE

    def post(self, request, pk):
        checklist = self.get_object_or_404(pk)
        form = CopyForm(request.POST)
        if not form.is_valid():
            messages.error(request, "请填写 2000 到 2100 之间的年度。")
            return redirect("inspections:checklist", checklist.pk)
        try:
            copy = checklists.copy_checklist(checklist, actor=request.user, year=form.cleaned_data["year"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("inspections:checklist", checklist.pk)
        messages.success(request, f"已复制为 {copy.year} 年度版本。")
        return redirect("inspections:checklist", copy.pk)


class InspectorListView(ScopedViewMixin, View):
    """The inspector pools in scope, and adding a person to one (MANAGE on the pool's organization)."""

    model = Inspector

    def render_page(self, request, form, status=200):
        inspectors = (
            self.get_queryset().select_related("owner", "unit", "user").order_by("owner__path", "-active", "name")
        )
        return render(
            request,
            "inspections/inspectors.html",
            {"inspectors": inspectors, "form": form, "can_manage": acts_anywhere(request.user, Action.MANAGE)},
            status=status,
        )

    def get(self, request):
        return self.render_page(request, InspectorForm())

    def post(self, request):
        if not acts_anywhere(request.user, Action.MANAGE):
            raise Http404
        form = InspectorForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            owner = self.scoped(Organization, Action.MANAGE).filter(code=data["owner_code"].strip()).first()
            unit = self.scoped(Organization).filter(code=data["unit_code"].strip()).first()
            user = User.objects.filter(username=data["username"].strip(), is_active=True).first()
            if owner is None:
                form.add_error("owner_code", NOT_MANAGED)
            if unit is None:
                form.add_error("unit_code", "工作单位不存在，或不在您的数据范围内。")
            if user is None:
                form.add_error("username", "该账号不存在或已停用。")
            if not form.errors:
                try:
                    services.add_inspector(owner, actor=request.user, user=user, unit=unit, name=data["name"])
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已将 {user.get_username()} 加入督导人员库。")
                    return redirect("inspections:inspectors")
        return self.render_page(request, form, status=400)


class InspectorRemoveView(ScopedViewMixin, View):
    model = Inspector
    scope_action = Action.MANAGE

    def post(self, request, pk):
        inspector = self.get_object_or_404(pk)
        try:
            services.remove_inspector(inspector, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"已将 {inspector.name} 移出督导人员库。")
        return redirect("inspections:inspectors")
