"""Opinion pages for staff: the list with filters and export, the figures, entering an opinion, one opinion with
its suggested category, its repeats, the answer and the step into the problem list; the QR codes and their sheet."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.params import int_param
from dangjian.core.scope import Action, acts_anywhere, path_in_scope
from dangjian.core.views import ScopedViewMixin, apply_validation_error, paged
from dangjian.members.sensitive import can_unmask
from dangjian.orgs.models import Organization, Workstation
from dangjian.problems.figures import period
from dangjian.problems.models import Problem
from dangjian.problems.services import account_named
from dangjian.sheets.export import ExportTooLarge, describe_filters, export_response, private

from . import services
from .figures import opinion_figures
from .filtersets import OpinionFilterSet
from .forms import CategoryForm, CodeForm, OpinionForm, ReplyForm, ToProblemForm
from .models import Opinion, OpinionCode

NOT_IN_SCOPE = "该组织不存在或不在您的数据范围内。"


def changes_anything(user) -> bool:
    return acts_anywhere(user, Action.CHANGE)


class OpinionListView(ScopedViewMixin, View):
    model = Opinion
    filterset_class = OpinionFilterSet

    def filtered(self) -> OpinionFilterSet:
        return self.filter_list(self.get_queryset().select_related("org", "problem").order_by("-date", "-id"))

    def get(self, request):
        filterset = self.filtered()
        return render(
            request,
            "opinions/list.html",
            {
                "filter": filterset,
                **paged(request, filterset.qs),
                "can_create": acts_anywhere(request.user, Action.CHANGE),
            },
        )


class OpinionExportView(OpinionListView):
    """The list as a sheet; the contact masked, as on the page."""

    def get(self, request):
        filterset = self.filtered()
        columns = [
            ("日期", lambda o: o.date),
            ("村（社区）", lambda o: o.org.name),
            ("组织编码", lambda o: o.org.code),
            ("意见内容", lambda o: o.text),
            ("类别", lambda o: o.get_category_display()),
            ("类别已确认", lambda o: "是" if o.confirmed else "否"),
            ("收集方式", lambda o: o.get_channel_display()),
            ("联系方式", lambda o: o.contact_masked),
            ("重复意见", lambda o: f"与第 {o.duplicate_of_id} 号重复" if o.duplicate_of_id else ""),
            ("转为问题", lambda o: o.problem_id or ""),
            ("反馈意见", lambda o: o.reply),
            ("反馈日期", lambda o: o.replied_on),
        ]
        try:
            return export_response(
                request=request,
                title="群众意见",
                columns=columns,
                rows=filterset.qs,
                filename="群众意见.xlsx",
                filters=describe_filters(filterset),
            )
        except ExportTooLarge as exc:
            messages.error(request, str(exc))
            return redirect("opinions:list")


class FiguresView(ScopedViewMixin, View):
    model = Opinion

    def get(self, request):
        year = int_param(request.GET, "year", timezone.localdate().year, minimum=2000, maximum=2100)
        quarter = int_param(request.GET, "quarter", None, minimum=1, maximum=4)
        code = (request.GET.get("org_code") or "").strip()
        opinions, org = self.get_queryset(), None
        if code:
            org = self.scoped(Organization).filter(code=code).first()
            opinions = opinions.in_subtree(org) if org else opinions.none()
        start, end = period(year, quarter)
        context = {"figures": opinion_figures(opinions, start, end), "year": year, "quarter": quarter}
        context |= {"org": org, "org_code": code, "quarters": [1, 2, 3, 4]}
        return render(request, "opinions/figures.html", context)


class OpinionCreateView(ScopedViewMixin, View):
    """Entry by station staff of an opinion heard in person, by telephone or at a meeting."""

    model = Opinion
    scope_action = Action.CHANGE

    def render_form(self, request, form, status=200):
        return render(request, "opinions/form.html", {"form": form, "title": "录入群众意见"}, status=status)

    def get(self, request):
        if not acts_anywhere(request.user, Action.CHANGE):
            raise Http404
        return self.render_form(request, OpinionForm(initial={"date": timezone.localdate()}))

    def post(self, request):
        if not acts_anywhere(request.user, Action.CHANGE):
            raise Http404
        form = OpinionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            org = self.scoped(Organization, Action.CHANGE).filter(code=data["org_code"].strip()).first()
            if org is None:
                form.add_error("org_code", NOT_IN_SCOPE)
            else:
                try:
                    opinion = services.record_opinion(
                        org,
                        text=data["text"],
                        contact=data["contact"],
                        date=data["date"],
                        category=data["category"],
                        actor=request.user,
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已录入，建议类别：{opinion.get_suggested_display()}。")
                    return redirect("opinions:detail", pk=opinion.pk)
        return self.render_form(request, form, status=400)


def detail_context(view: ScopedViewMixin, opinion: Opinion, *, clear: bool = False, **forms) -> dict:
    user = view.request.user
    root = opinion.duplicate_of_id or opinion.pk
    repeats = view.scoped(Opinion).filter(duplicate_of_id=root).exclude(pk=opinion.pk).order_by("date", "id")
    first = view.scoped(Opinion).filter(pk=opinion.duplicate_of_id).first() if opinion.duplicate_of_id else None
    problem = None
    if opinion.problem_id:
        problem = Problem.objects.restrict(user).filter(pk=opinion.problem_id).first()
    return {
        "opinion": opinion,
        "contact": opinion.contact if clear else opinion.contact_masked,
        "clear": clear,
        "can_change": path_in_scope(user, opinion.org.path, Action.CHANGE),
        "can_unmask": bool(opinion.contact) and can_unmask(user),
        "repeats": repeats,
        "first": first,
        "problem": problem,
        "category_form": forms.get("category_form") or CategoryForm(initial={"category": opinion.category}),
        "reply_form": forms.get("reply_form") or ReplyForm(initial={"reply": opinion.reply}),
        "problem_form": forms.get("problem_form")
        or ToProblemForm(initial={"category": opinion.category, "title": opinion.text[:60]}),
    }


class OpinionDetailView(ScopedViewMixin, View):
    model = Opinion

    def get(self, request, pk):
        opinion = self.get_object_or_404(pk)
        return render(request, "opinions/detail.html", detail_context(self, opinion))


class OpinionUnmaskView(ScopedViewMixin, View):
    """The detail page once more with the resident's number in clear, to call them back: the members' unmask
    permission, audited, never cached."""

    model = Opinion
    http_method_names = ["post"]

    def post(self, request, pk):
        opinion = self.get_object_or_404(pk)
        if not can_unmask(request.user):
            record(
                AuditAction.UNMASK,
                actor=request.user,
                obj=opinion,
                org=opinion.org,
                success=False,
                detail="群众意见详情页：无权查看联系方式明文",
            )
            raise PermissionDenied("您没有查看明文的权限。")
        record(
            AuditAction.UNMASK, actor=request.user, obj=opinion, org=opinion.org, detail="群众意见详情页：联系方式明文"
        )
        return private(render(request, "opinions/detail.html", detail_context(self, opinion, clear=True)))


class OpinionActionView(ScopedViewMixin, View):
    """A form on the opinion page (category, answer, into a problem), posted here; refusals on the same page."""

    model = Opinion
    http_method_names = ["post"]
    form_class = None
    form_name = ""

    def post(self, request, pk):
        opinion = self.get_object_or_404(pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                message = self.act(opinion, form.cleaned_data, request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, message)
                return redirect("opinions:detail", pk=opinion.pk)
        context = detail_context(self, opinion, **{self.form_name: form})
        context["action_errors"] = [m for errors in form.errors.values() for m in errors]
        return render(request, "opinions/detail.html", context, status=400)


class CategoryView(OpinionActionView):
    form_class, form_name = CategoryForm, "category_form"

    def act(self, opinion, data, user) -> str:
        services.confirm_category(opinion, data["category"], actor=user)
        return "已确认类别。"


class ReplyView(OpinionActionView):
    form_class, form_name = ReplyForm, "reply_form"

    def act(self, opinion, data, user) -> str:
        services.reply_opinion(opinion, reply=data["reply"], actor=user)
        return "已记录反馈。"


class ToProblemView(OpinionActionView):
    form_class, form_name = ToProblemForm, "problem_form"

    def act(self, opinion, data, user) -> str:
        problem = services.make_problem(
            opinion,
            title=data["title"],
            category=data["category"],
            level=data["level"],
            owner_name=data["owner_name"],
            owner_user=account_named(data["owner_username"]),
            deadline=data["deadline"],
            actor=user,
        )
        return f"已转为问题，交由{problem.responsible_org.name}办理。"


class CodeListView(ScopedViewMixin, View):
    """The QR codes within the user's scope, and a new one for a village or a workstation."""

    model = OpinionCode

    def render_page(self, request, form, status=200):
        codes = self.get_queryset().select_related("org", "workstation").order_by("-active", "org__path", "id")
        context = {**paged(request, codes), "form": form, "can_create": acts_anywhere(request.user, Action.CHANGE)}
        context["address_limit"] = settings.DANGJIAN_OPINION_ADDRESS_DAILY
        return render(request, "opinions/codes.html", context, status=status)

    def get(self, request):
        return self.render_page(request, CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            org_code = form.cleaned_data["org_code"].strip()
            station_code = form.cleaned_data["workstation_code"].strip()
            org = station = None
            if org_code:
                org = self.scoped(Organization, Action.CHANGE).filter(code=org_code).first()
                if org is None:
                    form.add_error("org_code", NOT_IN_SCOPE)
            else:
                station = self.scoped(Workstation, Action.CHANGE).filter(code=station_code).first()
                if station is None:
                    form.add_error("workstation_code", "该党建工作站不存在或不在您的数据范围内。")
            if org is not None or station is not None:
                try:
                    code = services.create_code(org=org, workstation=station, actor=request.user)
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已生成“{code}”的意见收集二维码。")
                    return redirect("opinions:code_sheet", pk=code.pk)
        return self.render_page(request, form, status=400)


class CodeSheetView(ScopedViewMixin, View):
    """A printable A4 poster: the QR code, the village's or station's name, and what to do."""

    model = OpinionCode

    def get(self, request, pk):
        code = self.get_object_or_404(pk)
        if not code.active:
            raise Http404
        url = request.build_absolute_uri(reverse("opinion_public", args=[code.token]))
        svg = segno.make(url, error="m").svg_inline(scale=6, dark="#000", light="#fff", omitsize=True)
        villages = services.villages_of(code)
        return render(request, "opinions/code_sheet.html", {"code": code, "url": url, "svg": svg, "villages": villages})


class CodeWithdrawView(ScopedViewMixin, View):
    model = OpinionCode
    http_method_names = ["post"]

    def post(self, request, pk):
        code = self.get_object_or_404(pk, Action.CHANGE)
        services.withdraw_code(code, actor=request.user)
        messages.success(request, f"已停用“{code}”的二维码，印出的海报不再能提交意见。")
        return redirect("opinions:codes")
