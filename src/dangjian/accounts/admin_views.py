"""The security administrator's user pages (安全管理员: users, roles, data scopes). Everyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from dangjian.core.paging import CappedPaginator, page_of
from dangjian.core.scope import Action, Role, paths_q
from dangjian.core.services import OutOfScope
from dangjian.core.views import apply_validation_error
from dangjian.orgs.models import Organization

from . import services
from .admin_forms import DutyForm, GrantForm, PasswordResetForm, RevokeForm, SwitchForm, UserCreateForm, UserFilterForm
from .duties import Duty, has_duty
from .models import OrgGrant

PAGE_SIZE = 50


class SecurityAdminMixin(LoginRequiredMixin):
    """Pages of the security administrator duty: anyone else, and anything out of reach, answers 404."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        # A method the page does not take answers 405 before anything is looked up, as on every other page.
        if request.method.lower() not in self.http_method_names or not hasattr(self, request.method.lower()):
            return self.http_method_not_allowed(request, *args, **kwargs)
        if not has_duty(request.user, Duty.SECADMIN):
            raise Http404("页面不存在。")
        try:
            return super().dispatch(request, *args, **kwargs)
        except OutOfScope as exc:
            raise Http404("未找到该用户，或该用户不在您的管理范围内。") from exc


def _with_details(users):
    duty_groups = Prefetch("groups", queryset=Group.objects.filter(name__in=Duty.values), to_attr="duty_list")
    grants = Prefetch("grants", queryset=OrgGrant.objects.select_related("org").order_by("org__path"))
    return users.prefetch_related(duty_groups, grants)


class UserListView(SecurityAdminMixin, View):
    def get(self, request):
        form = UserFilterForm(request.GET)
        users = services.manageable_users(request.user)
        if form.is_valid():
            users = self._filter(users, form.cleaned_data)
        paginator = CappedPaginator(_with_details(users).order_by("username"), PAGE_SIZE)
        page = page_of(paginator, request)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "accounts/users/list.html",
            {
                "form": form,
                "page": page,
                "query": query.urlencode(),
                "locked": services.locked_usernames(u.username for u in page),
            },
        )

    def _filter(self, users, data):
        if q := data["q"].strip():
            users = users.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q))
        if data["duty"] == "none":
            users = users.exclude(groups__name__in=Duty.values)
        elif data["duty"]:
            users = users.filter(groups__name=data["duty"])
        if code := data["org_code"].strip().split(" ")[0]:
            org = Organization.objects.restrict(self.request.user, Action.VIEW).filter(code=code).first()
            users = users.filter(paths_q([org.path], "grants__org__path")).distinct() if org else users.none()
        return users


class UserCreateView(SecurityAdminMixin, View):
    title = "新建用户"

    def get(self, request):
        form = UserCreateForm(user=request.user)
        return render(request, "accounts/users/create.html", {"form": form, "title": self.title})

    def post(self, request):
        form = UserCreateForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.create_user(
                    data["username"],
                    data["password"],
                    actor=request.user,
                    name=data["name"],
                    org=data["org"],
                    role=data["role"],
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"已新建用户“{user.username}”，首次登录时须修改初始密码。")
                return redirect("users:detail", user.pk)
        return render(request, "accounts/users/create.html", {"form": form, "title": self.title}, status=400)


def _detail(request, target: User, status: int = 200, **forms):
    target = _with_details(User.objects.filter(pk=target.pk)).get()
    duties = {g.name for g in target.duty_list}
    context = {
        "target": target,
        "target_duties": [d for d in Duty.values if d in duties],
        "locked": bool(services.locked_usernames([target.username])),
        "unmask": services.holds_unmask(target),
        "token_count": target.api_tokens.count(),
        "is_self": target.pk == request.user.pk,
        "may_assign_duties": services.has_root_scope(request.user),
        "duty_choices": Duty.choices,
        "role_choices": Role.choices,
        "password_form": forms.get("password_form") or PasswordResetForm(),
        "grant_form": forms.get("grant_form") or GrantForm(user=request.user),
    }
    return render(request, "accounts/users/detail.html", context, status=status)


class UserDetailView(SecurityAdminMixin, View):
    def get(self, request, pk):
        return _detail(request, services.get_user_for_admin(request.user, pk))


class UserActionView(SecurityAdminMixin, View):
    """A POST that changes one thing about a user, then back to the user's page (400 with the reason if refused)."""

    form_class = None
    form_name = ""

    def act(self, target: User, data: dict) -> str:
        raise NotImplementedError

    def make_form(self):
        form_class = self.form_class
        if issubclass(form_class, (GrantForm, RevokeForm)):
            return form_class(self.request.POST, user=self.request.user)
        return form_class(self.request.POST)

    def post(self, request, pk):
        target = services.get_user_for_admin(request.user, pk)
        form = self.make_form()
        if form.is_valid():
            try:
                done = self.act(target, form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, done)
                return redirect("users:detail", target.pk)
        for error in [*form.non_field_errors(), *(e for f in form for e in f.errors)]:
            messages.error(request, error)
        return _detail(request, target, status=400, **({self.form_name: form} if self.form_name else {}))


class PasswordResetView(UserActionView):
    form_class = PasswordResetForm
    form_name = "password_form"

    def act(self, target, data):
        services.reset_password(target, data["password"], actor=self.request.user)
        return f"已重置“{target.username}”的密码，该用户下次登录时须修改。"


class ActiveView(UserActionView):
    form_class = SwitchForm

    def act(self, target, data):
        services.set_active(target, data["on"], actor=self.request.user)
        return f"已{'启用' if data['on'] else '停用'}账号“{target.username}”。"


class UnlockView(UserActionView):
    form_class = SwitchForm

    def make_form(self):
        return SwitchForm({"on": "1"})

    def act(self, target, data):
        services.unlock_user(target, actor=self.request.user)
        return f"已解除“{target.username}”的登录锁定。"


class GrantAddView(UserActionView):
    form_class = GrantForm
    form_name = "grant_form"

    def act(self, target, data):
        services.grant_org(target, data["org"], data["role"], actor=self.request.user)
        return f"已授予“{target.username}”：{data['org'].name}（{Role(data['role']).label}）。"


class GrantRemoveView(UserActionView):
    form_class = RevokeForm

    def act(self, target, data):
        services.revoke_org(target, data["org"], actor=self.request.user)
        return f"已撤销“{target.username}”对“{data['org'].name}”的授权。"


class DutyView(UserActionView):
    form_class = DutyForm

    def act(self, target, data):
        if data["op"] == "assign":
            services.assign_duty(target, data["duty"], actor=self.request.user)
            return f"已将“{target.username}”设为{data['duty']}。"
        services.remove_duty(target, data["duty"], actor=self.request.user)
        return f"已取消“{target.username}”的{data['duty']}职责。"


class UnmaskView(UserActionView):
    form_class = SwitchForm

    def act(self, target, data):
        if data["on"]:
            services.grant_unmask(target, actor=self.request.user)
            return f"已授予“{target.username}”查看敏感信息明文的权限。"
        services.revoke_unmask(target, actor=self.request.user)
        return f"已收回“{target.username}”查看敏感信息明文的权限。"


class TokensRevokeView(UserActionView):
    """Revoke every API token of the user (they stay able to fetch new ones unless deactivated)."""

    form_class = SwitchForm

    def make_form(self):
        return SwitchForm({"on": "1"})

    def act(self, target, data):
        count = services.revoke_tokens_of(target, actor=self.request.user)
        return f"已撤销“{target.username}”的接口令牌 {count} 个。"
