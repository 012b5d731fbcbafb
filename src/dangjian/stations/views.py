"""Station pages: the list (with its export in the import's columns), one station with its coverage, people and
accounts, and the forms to create, change and retire a station and to register its people and accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from dangjian.accounts.duties import Duty, has_duty
from dangjian.core.paging import CappedPaginator, page_of
from dangjian.core.params import BIGINT_MIN, int_param
from dangjian.core.scope import Action, path_in_scope
from dangjian.core.views import ScopedViewMixin, apply_validation_error
from dangjian.orgs.choices import Level
from dangjian.orgs.models import Organization, Workstation
from dangjian.orgs.rules import station_warnings
from dangjian.sheets.export import ExportTooLarge, describe_filters, export_response

from . import services
from .filtersets import StationFilterSet
from .forms import AccountForm, RetireForm, StaffForm, StationForm
from .models import StationAccount, StationStaff

PAGE_SIZE = 50


def _join(values) -> str:
    return "、".join(values)


# The import's columns (stations/import_stations.py), so an exported list can be edited and read back.
EXPORT_COLUMNS = [
    ("工作站编码", lambda s: s.code),
    ("工作站名称", lambda s: s.name),
    ("所属乡镇党委编码", lambda s: s.town.code),
    ("联系村（社区）组织编码", lambda s: _join(v.code for v in s.villages.all())),
    ("站长", lambda s: s.chief_name),
    ("站长专职", lambda s: next(("是" if p.full_time else "否" for p in s.staff.all() if p.post == "chief"), "")),
    ("专职工作人员", lambda s: _join(p.name for p in s.staff.all() if p.full_time and p.post != "chief")),
    ("兼职工作人员", lambda s: _join(p.name for p in s.staff.all() if not p.full_time and p.post != "chief")),
    ("撤销日期", lambda s: s.retired_on),
    ("撤销原因", lambda s: ""),
]


class StationListView(ScopedViewMixin, View):
    model = Workstation
    filterset_class = StationFilterSet

    def filtered(self):
        qs = (
            self.get_queryset()
            .select_related("town")
            .prefetch_related("villages", "staff")
            .order_by("town__path", "code")
        )
        return self.filter_list(qs)

    def get(self, request):
        filterset = self.filtered()
        page = page_of(CappedPaginator(filterset.qs, PAGE_SIZE), request)
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "stations/list.html", {"filter": filterset, "page": page, "query": query.urlencode()})


class StationExportView(StationListView):
    def get(self, request):
        filterset = self.filtered()
        try:
            return export_response(
                request=request,
                title="党建工作站",
                columns=EXPORT_COLUMNS,
                rows=filterset.qs,
                filename="党建工作站.xlsx",
                filters=describe_filters(filterset),
            )
        except ExportTooLarge as exc:
            messages.error(request, str(exc))
            return redirect("stations:list")


class StationDetailView(ScopedViewMixin, View):
    model = Workstation

    def get(self, request, pk):
        station = self.get_object_or_404(pk)
        can_manage = path_in_scope(request.user, station.town.path, Action.MANAGE)
        secadmin = has_duty(request.user, Duty.SECADMIN)
        context = {
            "station": station,
            "town_visible": path_in_scope(request.user, station.town.path),
            "villages": station.villages.order_by("code"),
            "staff": station.staff.all(),
            "accounts": StationAccount.objects.filter(station=station).select_related("user"),
            "warnings": station_warnings(station),
            "can_manage": can_manage and not station.retired_on,
            "can_bind": secadmin and not station.retired_on,
            "staff_form": StaffForm(),
            "account_form": AccountForm(),
        }
        return render(request, "stations/detail.html", context)


def _village_choices(view: ScopedViewMixin, town: Organization):
    """The town's village-level organizations the user sees, and which other working station covers each."""
    villages = (view.scoped(Organization).in_subtree(town).filter(level=Level.VILLAGE).exclude(pk=town.pk)).order_by(
        "path"
    )
    covered_by = {}
    for station in Workstation.objects.active().filter(town=town).prefetch_related("villages"):
        for village in station.villages.all():
            covered_by[village.pk] = station.name
    return villages, covered_by


class StationCreateView(ScopedViewMixin, View):
    model = Organization
    scope_action = Action.MANAGE

    def town(self, request):
        pk = int_param(request.GET, "town", minimum=BIGINT_MIN)
        if pk is None:
            raise Http404("请从乡镇党委的页面新建工作站。")
        return self.get_object_or_404(pk)

    def form(self, town, data=None):
        villages, covered_by = _village_choices(self, town)
        return StationForm(data, villages=villages, covered_by=covered_by)

    def get(self, request):
        town = self.town(request)
        return render(request, "stations/form.html", {"form": self.form(town), "town": town, "title": "新建党建工作站"})

    def post(self, request):
        town = self.town(request)
        form = self.form(town, request.POST)
        if form.is_valid():
            try:
                station = services.create_station(actor=request.user, town=town, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"已新建“{station.name}”。")
                for warning in station_warnings(station):
                    messages.warning(request, warning)
                return redirect("stations:detail", station.pk)
        context = {"form": form, "town": town, "title": "新建党建工作站"}
        return render(request, "stations/form.html", context, status=400)


class StationEditView(ScopedViewMixin, View):
    model = Workstation
    scope_action = Action.MANAGE

    def form(self, station, data=None):
        villages, covered_by = _village_choices(self, station.town)
        covered_by = {pk: name for pk, name in covered_by.items() if name != station.name}
        initial = {"name": station.name, "code": station.code, "villages": list(station.villages.all())}
        return StationForm(data, initial=initial, villages=villages, covered_by=covered_by)

    def page(self, request, station, form, status=200):
        context = {"form": form, "town": station.town, "station": station, "title": f"修改：{station.name}"}
        return render(request, "stations/form.html", context, status=status)

    def get(self, request, pk):
        station = self.get_object_or_404(pk)
        return self.page(request, station, self.form(station))

    def post(self, request, pk):
        station = self.get_object_or_404(pk)
        form = self.form(station, request.POST)
        if form.is_valid():
            try:
                services.update_station(station, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已保存；工作站账号的授权已随联系范围调整。")
                station.refresh_from_db()
                for warning in station_warnings(station):
                    messages.warning(request, warning)
                return redirect("stations:detail", station.pk)
        return self.page(request, station, form, status=400)


class StationRetireView(ScopedViewMixin, View):
    model = Workstation
    scope_action = Action.MANAGE

    def get(self, request, pk):
        station = self.get_object_or_404(pk)
        return render(request, "stations/retire.html", {"station": station, "form": RetireForm()})

    def post(self, request, pk):
        station = self.get_object_or_404(pk)
        form = RetireForm(request.POST)
        if form.is_valid():
            try:
                services.retire_station(station, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"已撤销“{station.name}”。")
                return redirect("orgs:detail", station.town_id)
        return render(request, "stations/retire.html", {"station": station, "form": form}, status=400)


class StaffAddView(ScopedViewMixin, View):
    model = Workstation
    scope_action = Action.MANAGE

    def post(self, request, pk):
        station = self.get_object_or_404(pk)
        form = StaffForm(request.POST)
        if form.is_valid():
            try:
                services.add_staff(station, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(request, "已登记工作站人员。")
        else:
            messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items()))
        return redirect("stations:detail", station.pk)


class StaffRemoveView(ScopedViewMixin, View):
    model = StationStaff
    scope_action = Action.MANAGE

    def post(self, request, pk):
        person = self.get_object_or_404(pk)
        station_id = person.station_id
        services.remove_staff(person, actor=request.user)
        messages.success(request, "已移除工作站人员。")
        return redirect("stations:detail", station_id)


class AccountAddView(ScopedViewMixin, View):
    """The security administrator makes an account a station account (its grants become the covered villages)."""

    model = Workstation

    def post(self, request, pk):
        station = self.get_object_or_404(pk)
        if not has_duty(request.user, Duty.SECADMIN):
            raise Http404("未找到该记录，或它不在您的数据范围内。")
        form = AccountForm(request.POST)
        if form.is_valid():
            user = User.objects.filter(username=form.cleaned_data["username"].strip()).first()
            try:
                if user is None:
                    raise ValidationError(f"账号“{form.cleaned_data['username'].strip()}”不存在或不在您的管理范围内。")
                services.bind_account(station, user, actor=request.user)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(request, f"已把“{user.username}”设为本站账号，其数据范围为本站联系的村（社区）。")
        return redirect("stations:detail", station.pk)


class AccountRemoveView(ScopedViewMixin, View):
    model = StationAccount

    def post(self, request, pk):
        account = self.get_object_or_404(pk)
        if not has_duty(request.user, Duty.SECADMIN):
            raise Http404("未找到该记录，或它不在您的数据范围内。")
        station_id = account.station_id
        try:
            services.unbind_account(account, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已解除工作站账号，其对本站联系村（社区）的授权已撤销。")
        return redirect("stations:detail", station_id)
