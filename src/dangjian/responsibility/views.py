"""Pages of the responsibility lists "三层九岗": the tasks and the duty items with filters and export, recording a
task done with evidence, the templates a county keeps, the 党组 and their seats, one organization's list by
holder, a secretary's duties for the 述职评议, and a vertical system's "四层衔接、三级贯通"."""

from __future__ import annotations

import mimetypes
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from dangjian.core.params import int_param
from dangjian.core.scope import Action, acts_anywhere
from dangjian.core.views import ScopedListView, ScopedViewMixin, apply_validation_error
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization, VerticalSystem
from dangjian.sheets.export import ExportTooLarge, describe_filters, export_response

from . import services
from .chain import chain_links
from .choices import GROUP_POSTS, DutyPost, TaskStatus
from .filtersets import DutyItemFilterSet, DutyTaskFilterSet
from .forms import CompleteForm, GroupForm, SeatForm, TemplateForm
from .models import DutyItem, DutyTask, DutyTemplate, LeadingGroup, Seat
from .review import holder_duties, secretary_key

NOT_IN_SCOPE = "该组织不存在或不在您的管理范围内。"


def year_of(request) -> int:
    return int_param(request.GET, "year", timezone.localdate().year, minimum=2000, maximum=2100)


def scoped_org(view: ScopedViewMixin, code: str, action: str) -> Organization | None:
    code = (code or "").strip()
    return view.scoped(Organization, action).filter(code=code).first() if code else None


# ------------------------------------------------------------------------------------------------ tasks and items


class TaskListView(ScopedListView):
    """责任任务: every task in scope, filtered by organization, post, year, status, overdue and holder."""

    model = DutyTask
    filterset_class = DutyTaskFilterSet
    template_name = "responsibility/tasks.html"

    def list_rows(self):
        return self.get_queryset().select_related("org", "item").order_by("due_on", "org__path", "id")

    def get_context_data(self, **context):
        context["today"] = timezone.localdate()
        return context


class ItemListView(ScopedListView):
    """责任清单: the duty items assigned to the holders of the posts."""

    model = DutyItem
    filterset_class = DutyItemFilterSet
    template_name = "responsibility/items.html"

    def list_rows(self):
        return self.get_queryset().active().select_related("org").order_by("org__path", "post", "holder_key", "id")


class ItemExportView(ItemListView):
    """A person's or an organization's duty list as a workbook: each item with the year's tasks due and done."""

    def get(self, request):
        filterset = self.filtered()
        year = year_of(request)
        today = timezone.localdate()
        rows = list(filterset.qs)
        tallies: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        tasks = DutyTask.objects.filter(item__in=[r.pk for r in rows], year=year).values_list(
            "item_id", "status", "due_on"
        )
        for item_id, status, due_on in tasks.order_by().iterator(chunk_size=5000):
            t = tallies[item_id]
            t[0] += 1
            t[1] += due_on <= today
            t[2] += status == TaskStatus.DONE
            t[3] += status == TaskStatus.OPEN and due_on < today
        columns = [
            ("组织编码", lambda i: i.org.code),
            ("党组织", lambda i: i.org.name),
            ("岗位", lambda i: i.get_post_display()),
            ("责任人", lambda i: i.holder_name),
            ("责任事项", lambda i: i.title),
            ("具体要求", lambda i: i.detail),
            ("频次", lambda i: i.get_frequency_display()),
            (f"{year}年任务数", lambda i: tallies[i.pk][0]),
            ("已到期", lambda i: tallies[i.pk][1]),
            ("已完成", lambda i: tallies[i.pk][2]),
            ("逾期未完成", lambda i: tallies[i.pk][3]),
        ]
        filters = describe_filters(filterset)
        try:
            return export_response(
                request=request,
                title=f"{year}年度责任清单",
                columns=columns,
                rows=rows,
                filename=f"{year}年度责任清单.xlsx",
                filters=f"{filters}；年度 {year}" if filters else f"年度 {year}",
            )
        except ExportTooLarge as exc:
            messages.error(request, str(exc))
            return redirect("responsibility:items")


class TaskView(ScopedViewMixin, View):
    """One task: its duty, period and deadline; the completion form for whoever may change its organization."""

    model = DutyTask

    def page(self, request, task, form=None, status=200):
        can_change = self.scoped(DutyTask, Action.CHANGE).filter(pk=task.pk).exists()
        if can_change and task.status == TaskStatus.OPEN and form is None:
            form = CompleteForm(initial={"done_on": timezone.localdate()})
        context = {
            "task": task,
            "item": task.item,
            "overdue": task.is_overdue(),
            "form": form if can_change and task.status == TaskStatus.OPEN else None,
        }
        return render(request, "responsibility/task.html", context, status=status)

    def get(self, request, pk):
        task = self.get_object_or_404(pk)
        return self.page(request, task)

    def post(self, request, pk):
        task = self.get_object_or_404(pk, Action.CHANGE)
        form = CompleteForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.complete_task(
                    task, actor=request.user, note=data["note"], done_on=data["done_on"], evidence=data["evidence"]
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已登记完成。")
                return redirect("responsibility:task", pk=task.pk)
        return self.page(request, task, form=form, status=400)


class EvidenceView(ScopedViewMixin, View):
    model = DutyTask

    def get(self, request, pk):
        task = self.get_object_or_404(pk)
        if not task.evidence:
            raise Http404("该任务没有佐证材料。")
        try:
            handle = task.evidence.open("rb")
        except FileNotFoundError as exc:
            raise Http404("文件已不存在。") from exc
        kind = mimetypes.guess_type(task.evidence_name)[0] or "application/octet-stream"
        return FileResponse(handle, content_type=kind, filename=task.evidence_name or "佐证材料")


# ---------------------------------------------------------------------------------------------------- templates


class TemplateListView(ScopedListView):
    """The templates of the owners in scope; a manager edits them and loads the default list for an owner."""

    model = DutyTemplate
    template_name = "responsibility/templates.html"

    def list_rows(self):
        return self.get_queryset().select_related("owner").order_by("owner__path", "post", "order", "id")

    def get_context_data(self, **context):
        context["can_manage"] = acts_anywhere(self.request.user, Action.MANAGE)
        return context


class TemplateSeedView(ScopedViewMixin, View):
    """Load the default list of [000] for an owner that has none (POST, MANAGE on the owner)."""

    model = DutyTemplate

    def post(self, request):
        owner = scoped_org(self, request.POST.get("owner"), Action.MANAGE)
        if owner is None:
            messages.error(request, NOT_IN_SCOPE)
            return redirect("responsibility:templates")
        made = services.seed_templates(owner, actor=request.user)
        if made:
            messages.success(request, f"已为{owner.name}载入默认责任清单模板 {made} 条。")
        else:
            messages.error(request, f"{owner.name}已有责任清单模板，未重复载入。")
        return redirect("responsibility:templates")


class TemplateEditView(ScopedViewMixin, View):
    """Add a duty to an owner's list (`new/?owner=CODE`) or change one (MANAGE on the owner)."""

    model = DutyTemplate
    scope_action = Action.MANAGE

    def target(self, request, pk):
        if pk is not None:
            template = self.get_object_or_404(pk)
            return template, template.owner
        owner = scoped_org(self, request.GET.get("owner") or request.POST.get("owner"), Action.MANAGE)
        if owner is None:
            raise Http404(NOT_IN_SCOPE)
        return None, owner

    def get(self, request, pk=None):
        template, owner = self.target(request, pk)
        initial = {"active": True}
        if template is not None:
            initial = {f: getattr(template, f) for f in ("post", "domain", "title", "detail", "frequency", "order")}
            initial["active"] = template.active
        form = TemplateForm(initial=initial)
        return render(
            request, "responsibility/template_form.html", {"form": form, "template": template, "owner": owner}
        )

    def post(self, request, pk=None):
        template, owner = self.target(request, pk)
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                services.save_template(actor=request.user, owner=owner, template=template, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "责任清单模板已保存。")
                return redirect("responsibility:templates")
        context = {"form": form, "template": template, "owner": owner}
        return render(request, "responsibility/template_form.html", context, status=400)


# -------------------------------------------------------------------------------------------------- 党组, seats


class GroupListView(ScopedListView):
    model = LeadingGroup
    template_name = "responsibility/groups.html"

    def list_rows(self):
        return self.get_queryset().select_related("guides").order_by("guides__path", "name")

    def get_context_data(self, **context):
        if acts_anywhere(self.request.user, Action.MANAGE):
            context["form"] = context.get("form") or GroupForm()
        return context

    def post(self, request):
        form = GroupForm(request.POST)
        if form.is_valid():
            guides = scoped_org(self, form.cleaned_data["guides"], Action.MANAGE)
            if guides is None:
                form.add_error("guides", NOT_IN_SCOPE)
            else:
                try:
                    group = services.create_group(actor=request.user, guides=guides, name=form.cleaned_data["name"])
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已登记{group.name}。")
                    return redirect("responsibility:group", pk=group.pk)
        return self.render_list(request, status=400, form=form)


class GroupView(ScopedViewMixin, View):
    """A 党组: the committee it guides and its seats; adding a 党组书记 or 党组成员."""

    model = LeadingGroup

    def page(self, request, group, form=None, status=200):
        can_change = self.scoped(LeadingGroup, Action.CHANGE).filter(pk=group.pk).exists()
        if can_change and form is None:
            form = SeatForm()
            form.fields["post"].choices = [(p.value, p.label) for p in GROUP_POSTS]
        context = {"group": group, "seats": group.seats.all(), "form": form if can_change else None}
        return render(request, "responsibility/group.html", context, status=status)

    def get(self, request, pk):
        return self.page(request, self.get_object_or_404(pk))

    def post(self, request, pk):
        group = self.get_object_or_404(pk, Action.CHANGE)
        form = SeatForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_seat(
                    actor=request.user,
                    org=group.guides,
                    group=group,
                    post=data["post"],
                    holder_name=data["holder_name"],
                    since=data["since"],
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已登记党组成员。")
                return redirect("responsibility:group", pk=group.pk)
        return self.page(request, group, form=form, status=400)


class SeatRemoveView(ScopedViewMixin, View):
    model = Seat
    scope_action = Action.CHANGE

    def post(self, request, pk):
        seat = self.get_object_or_404(pk)
        group_id, org_id = seat.group_id, seat.org_id
        services.remove_seat(seat, actor=request.user)
        messages.success(request, f"已移除{seat}。")
        return redirect("responsibility:group", pk=group_id) if group_id else redirect("responsibility:org", pk=org_id)


# ------------------------------------------------------------------------------------------ one organization


class OrgDutiesView(ScopedViewMixin, View):
    """One organization's responsibility list for a year, by holder: each duty with its tasks, done or not, and
    overdue ones flagged; assigning the templates' duties and generating the year's tasks; its 纪委 seats."""

    model = Organization

    def page(self, request, org, form=None, status=200):
        year = year_of(request)
        today = timezone.localdate()
        items = list(DutyItem.objects.filter(org=org).active().order_by("post", "holder_key", "id"))
        tasks = defaultdict(list)
        for t in DutyTask.objects.filter(item__in=items, year=year).order_by("period_start"):
            tasks[t.item_id].append(t)
        rows = [{"item": i, "tasks": tasks[i.pk]} for i in items]
        all_tasks = [t for ts in tasks.values() for t in ts]
        can_change = self.scoped(Organization, Action.CHANGE).filter(pk=org.pk).exists()
        with_discipline = org.kind not in services.BRANCH_LIKE and org.kind != OrgKind.GROUP
        if can_change and with_discipline and form is None:
            form = SeatForm()
            form.fields["post"].choices = [
                (p.value, p.label) for p in (DutyPost.DISCIPLINE_SECRETARY, DutyPost.DISCIPLINE_MEMBER)
            ]
        context = {
            "org": org,
            "year": year,
            "today": today,
            "rows": rows,
            "groups": LeadingGroup.objects.filter(guides=org),
            "seats": Seat.objects.filter(org=org, group__isnull=True),
            "due": sum(t.due_on <= today for t in all_tasks),
            "done": sum(t.status == TaskStatus.DONE for t in all_tasks),
            "overdue": sum(t.is_overdue(today) for t in all_tasks),
            "can_change": can_change,
            "form": form if can_change and with_discipline else None,
            "with_discipline": with_discipline,
        }
        return render(request, "responsibility/org.html", context, status=status)

    def get(self, request, pk):
        return self.page(request, self.get_object_or_404(pk))

    def post(self, request, pk):
        """A 纪委书记 or 纪委委员 of this organization."""
        org = self.get_object_or_404(pk, Action.CHANGE)
        form = SeatForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_seat(
                    actor=request.user, org=org, post=data["post"], holder_name=data["holder_name"], since=data["since"]
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已登记纪委成员。")
                return redirect("responsibility:org", pk=org.pk)
        return self.page(request, org, form=form, status=400)


class AssignView(ScopedViewMixin, View):
    """Assign the duties in the organization's subtree and make the year's tasks (POST, CHANGE)."""

    model = Organization
    scope_action = Action.CHANGE

    def post(self, request, pk):
        org = self.get_object_or_404(pk)
        year = int_param(request.POST, "year", timezone.localdate().year, minimum=2000, maximum=2100)
        counts = services.assign_duties(org, actor=request.user)
        made = services.generate_tasks(year, actor=request.user, root=org)
        messages.success(
            request,
            f"责任清单已分解到岗：新增 {counts['assigned']} 条、停用 {counts['set_aside']} 条；"
            f"生成 {year} 年度任务 {made} 项。",
        )
        return redirect(f"{reverse('responsibility:org', args=[org.pk])}?year={year}")


class ReviewView(ScopedViewMixin, View):
    """A post holder's duties for a year beside the 述职评议: done and not done. Without `holder`, the
    organization's secretary (党委书记 or 支部书记)."""

    model = Organization

    def get(self, request, pk):
        org = self.get_object_or_404(pk)
        year = year_of(request)
        keys = list(
            DutyItem.objects.filter(org=org)
            .order_by("post", "holder_key")
            .values_list("holder_key", "holder_name", "post")
            .distinct()
        )
        people = []
        for key, name, post in keys:
            if key not in {p["key"] for p in people}:
                people.append({"key": key, "name": name, "post": DutyPost(post).label})
        wanted = request.GET.get("holder") or secretary_key(org) or (keys[0][0] if keys else "")
        duties = holder_duties(org, wanted, year) if wanted else None
        context = {"org": org, "year": year, "people": people, "holder": wanted, "duties": duties}
        return render(request, "responsibility/review.html", context)


class ChainView(ScopedViewMixin, View):
    """四层衔接、三级贯通 of one vertical system."""

    model = VerticalSystem

    def get(self, request, pk):
        system = self.get_object_or_404(pk)
        units = list(
            self.scoped(Organization).filter(system=system).select_related("parent").order_by("system_tier", "code")
        )
        links = chain_links(units)
        context = {"system": system, "links": links, "broken": sum(link.broken for link in links)}
        return render(request, "responsibility/chain.html", context)
