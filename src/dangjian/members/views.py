"""Member pages: filtered list with pagination, detail, create, edit, transfer, delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views import View
from django_filters.constants import EMPTY_VALUES

from dangjian.core.changesets import imports_of
from dangjian.core.paging import CappedPaginator, page_of
from dangjian.core.params import BIGINT_MIN, int_param
from dangjian.core.scope import ALL, Action, path_in_scope, scope_paths
from dangjian.core.security import no_store
from dangjian.core.views import ScopedViewMixin, apply_validation_error
from dangjian.orgs import tally
from dangjian.orgs.models import Organization

from . import services
from .filtersets import MemberFilterSet
from .forms import MemberCreateForm, MemberForm, TransferForm
from .models import Member
from .sensitive import can_unmask, record_unmask, record_unmask_refused

PAGE_SIZE = 50
# What a row shows (members/jinja2/members/rows.html): a member has 21 columns and its organization 25, and building
# 100 model instances of all of them was a tenth of the page.
ROW_FIELDS = ("name", "gender", "birth_date", "status", "join_date", "id_number", "is_mobile", "org__name")


def unfiltered_size(filterset: MemberFilterSet) -> int | None:
    """How many members the user's scope holds, from the roll-ups, when no filter narrows the list (None otherwise).

    Counting them took the database 4 ms at a county and, for a station's three to five villages, 45 ms: the planner
    guesses tens of organizations for each village's path and scans the organization table. The roll-ups are kept in
    the same transaction as every member write, so their sum is the count, exact beyond the list's cap too."""
    if not filterset.is_valid() or any(value not in EMPTY_VALUES for value in filterset.form.cleaned_data.values()):
        return None
    paths = scope_paths(filterset.request.user)  # raw paths: the roll-ups are read by the scope's roots
    if paths is ALL:
        return None  # no scope to read (a superuser, who does not use the pages)
    return tally.totals(paths)[tally.MEMBERS]


class MemberListView(ScopedViewMixin, View):
    model = Member
    filterset_class = MemberFilterSet

    def get(self, request):
        # Only what the rows show: the phone is not (decrypting it for every row was wasted). In the tree's
        # order: the path's own index gives the scope and the order together, so a page stops after 50 rows at any
        # scope (ordered by the organization's key, a branch's page walked the whole organization table).
        qs = self.get_queryset().select_related("org").only(*ROW_FIELDS).order_by("org__path", "id")
        filterset = self.filter_list(qs)
        # One character (a surname) finds tens of thousands at a province, and the name index hands all of them over
        # before anything is counted: its count cost ten times its page. Such a search is paged without a total.
        q = (filterset.form.cleaned_data.get("q") or "").strip() if filterset.is_valid() else ""
        paginator = CappedPaginator(filterset.qs, PAGE_SIZE, uncounted=len(q) == 1, known=unfiltered_size(filterset))
        page = page_of(paginator, request)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "members/list.html",
            {
                "filter": filterset,
                "page": page,
                "query": query.urlencode(),
            },
        )


def detail_context(request, member: Member, *, clear: bool = False) -> dict:
    return {
        "member": member,
        "transfers": member.transfers.all()[:50],
        "imports": imports_of(member),  # bulk imports that wrote this member (their audit is one change set)
        "can_change": path_in_scope(request.user, member.org.path, Action.CHANGE),
        "can_unmask": can_unmask(request.user),
        "clear": clear,
    }


class MemberDetailView(ScopedViewMixin, View):
    model = Member

    def get(self, request, pk):
        member = self.get_object_or_404(pk)
        return render(request, "members/detail.html", detail_context(request, member))


class MemberUnmaskView(ScopedViewMixin, View):
    """“显示明文”: the detail page once more with the clear ID number and phone, audited, never cached.

    Needs the unmask permission and view scope on the member; out of scope is 404 like missing, no permission 403."""

    model = Member
    http_method_names = ["post"]

    def post(self, request, pk):
        member = self.get_object_or_404(pk)
        if not can_unmask(request.user):
            record_unmask_refused(actor=request.user, channel="党员详情页", member=member)
            raise PermissionDenied("您没有查看明文的权限。")
        record_unmask([member], actor=request.user, channel="党员详情页")
        return no_store(render(request, "members/detail.html", detail_context(request, member, clear=True)))


class MemberCreateView(ScopedViewMixin, View):
    model = Member
    scope_action = Action.CHANGE

    def get(self, request):
        initial = {}
        org_id = int_param(request.GET, "org", minimum=BIGINT_MIN)
        if org_id is not None:
            org = self.scoped(Organization, Action.CHANGE).filter(pk=org_id).first()
            if org:
                initial["org"] = org.code
        form = MemberCreateForm(user=request.user, initial=initial)
        return render(request, "members/form.html", {"form": form, "title": "新增党员"})

    def post(self, request):
        form = MemberCreateForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            org = data.pop("org")
            try:
                member = services.create_member(actor=request.user, org=org, **data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"已新增党员“{member.name}”。")
                return redirect("members:detail", member.pk)
        return render(request, "members/form.html", {"form": form, "title": "新增党员"}, status=400)


SENSITIVE_FIELDS = {"id_number": "id_number_masked", "phone": "phone_masked"}


def hide_sensitive_values(form, member: Member) -> None:
    """The edit form never carries the clear ID number or phone: the fields start empty, show the masked value
    as a hint, and an empty field keeps what is stored (see `kept_sensitive_values`)."""
    for field, masked in SENSITIVE_FIELDS.items():
        form.initial[field] = ""
        shown = getattr(member, masked)
        if shown:
            form.fields[field].widget.attrs["placeholder"] = f"已登记 {shown}"
            form.fields[field].help_text = "出于保密不显示原值；留空则不修改，填写则替换。"


def kept_sensitive_values(cleaned_data: dict) -> dict:
    return {name: value for name, value in cleaned_data.items() if not (name in SENSITIVE_FIELDS and value == "")}


class MemberEditView(ScopedViewMixin, View):
    model = Member
    scope_action = Action.CHANGE

    def get(self, request, pk):
        member = self.get_object_or_404(pk)
        form = MemberForm(instance=member, user=request.user)
        hide_sensitive_values(form, member)
        return render(request, "members/form.html", {"form": form, "member": member, "title": f"编辑：{member.name}"})

    def post(self, request, pk):
        member = self.get_object_or_404(pk)
        form = MemberForm(request.POST, instance=Member.objects.get(pk=member.pk), user=request.user)
        hide_sensitive_values(form, member)
        if form.is_valid():
            try:
                services.update_member(member, actor=request.user, **kept_sensitive_values(form.cleaned_data))
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已保存。")
                return redirect("members:detail", member.pk)
        return render(
            request, "members/form.html", {"form": form, "member": member, "title": f"编辑：{member.name}"}, status=400
        )


class MemberTransferView(ScopedViewMixin, View):
    model = Member
    scope_action = Action.CHANGE

    def get(self, request, pk):
        member = self.get_object_or_404(pk)
        return render(request, "members/transfer.html", {"form": TransferForm(user=request.user), "member": member})

    def post(self, request, pk):
        member = self.get_object_or_404(pk)
        form = TransferForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.transfer_member(
                    member,
                    form.cleaned_data["to_org"],
                    actor=request.user,
                    date=form.cleaned_data["date"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已办理组织关系转接。")
                return redirect("members:detail", member.pk)
        return render(request, "members/transfer.html", {"form": form, "member": member}, status=400)


class MemberDeleteView(ScopedViewMixin, View):
    model = Member
    scope_action = Action.CHANGE

    def get(self, request, pk):
        return render(request, "members/delete.html", {"member": self.get_object_or_404(pk)})

    def post(self, request, pk):
        member = self.get_object_or_404(pk)
        org_id = member.org_id
        services.delete_member(member, actor=request.user)
        messages.success(request, f"已删除党员“{member.name}”。")
        return redirect("orgs:detail", org_id)
