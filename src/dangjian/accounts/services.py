"""User, grant, duty and permission writes, audited.

The security administrator (安全管理员) manages users through these services; commands call them with
`actor=None` (the system itself), which skips the who-may-do-this checks but never the separation rules.

Rules of separation of duties (三员分立), each refused with a Chinese message before anything is written:
- one duty per account: the three duties are held by different people, so no two are combined on one account;
- an auditor holds no edit or manage grant and no permission to see sensitive fields in clear;
- nobody changes their own account here (duties, grants, permissions, password, active state);
- a security administrator manages only users whose grants all lie inside their own granted organizations
  (users without any grant are seen by every security administrator) and grants only inside them;
- duty holders are managed, and duties assigned, only by a security administrator with the root scope;
- superusers are kept out of these pages altogether: they are for command-line maintenance.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action, Role, clear_scope_cache, has_root_scope, path_in_scope, scope_q
from dangjian.core.services import OutOfScope

from .duties import Duty, clear_duty_cache, has_duty
from .models import OrgGrant
from .security import set_password
from .tokens import revoke_user_tokens

UNMASK_APP, UNMASK_CODENAME = "members", "unmask_member"
AUDITOR_ROLES = {Role.READ}

NOT_SECADMIN = "只有安全管理员可以管理用户。"
NOT_ROOT = "只有授权范围为根党组织的安全管理员可以分配管理职责或管理三员账号。"
NOT_SELF = "不能修改自己的管理职责、授权、权限或账号状态；请由另一名安全管理员办理。"


# ---------------------------------------------------------------- who may manage whom


def manageable_users(actor) -> QuerySet[User]:
    """The users `actor` may see and manage as a security administrator; empty for anyone else.

    A user is in reach when every one of their grants lies inside the actor's own scope (any role);
    users with no grant are in everyone's reach. Duty holders only for a root-scope administrator.
    """
    if not has_duty(actor, Duty.SECADMIN):
        return User.objects.none()
    # A grant outside the actor's scope puts its user out of reach (none is outside ALL, all are outside []).
    outside = OrgGrant.objects.exclude(scope_q(actor, "org__path", Action.VIEW))
    users = User.objects.filter(is_superuser=False).exclude(pk__in=outside.values("user_id"))
    if not has_root_scope(actor):
        users = users.exclude(groups__name__in=Duty.values)
    return users


def get_user_for_admin(actor, pk) -> User:
    """One user in the actor's reach; out of reach answers like missing (OutOfScope → 404)."""
    try:
        return manageable_users(actor).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise OutOfScope("未找到该用户，或该用户不在您的管理范围内。") from exc


def _ensure_may_manage(actor, user: User) -> None:
    """Refuse unless `actor` may manage `user`. `actor=None` is the system (commands) and may."""
    if actor is None:
        return
    if not has_duty(actor, Duty.SECADMIN):
        raise OutOfScope(NOT_SECADMIN)
    if actor.pk == user.pk:
        raise ValidationError(NOT_SELF)
    if not manageable_users(actor).filter(pk=user.pk).exists():
        raise OutOfScope("未找到该用户，或该用户不在您的管理范围内。")


def _ensure_org_in_reach(actor, org) -> None:
    if actor is not None and not path_in_scope(actor, org.path, Action.VIEW):
        raise ValidationError(f"“{org.name}”不在您的授权范围内，不能授予。")


# ---------------------------------------------------------------- separation rules


def holds_unmask(user: User) -> bool:
    """Whether the user holds the unmask permission directly or through a group (fresh from the database)."""
    perm = Q(content_type__app_label=UNMASK_APP, codename=UNMASK_CODENAME)
    return Permission.objects.filter(perm).filter(Q(user=user) | Q(group__user=user)).exists()


def _duties_now(user: User) -> set[str]:
    return set(user.groups.filter(name__in=Duty.values).values_list("name", flat=True))


def _ensure_role_allowed(user: User, role: str) -> None:
    if Duty.AUDITOR in _duties_now(user) and role not in AUDITOR_ROLES:
        raise ValidationError("审计管理员只能被授予“查看”角色，不能持有编辑或管理授权。")


# ---------------------------------------------------------------- users


def _validated_password(raw: str, user: User) -> str:
    try:
        validate_password(raw, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    return raw


@transaction.atomic
def create_user(username: str, password: str, *, actor, name: str = "", org=None, role: str = Role.READ) -> User:
    """Create a user who must change the initial password at first login, optionally granting one organization."""
    if actor is not None and not has_duty(actor, Duty.SECADMIN):
        raise OutOfScope(NOT_SECADMIN)
    username = (username or "").strip()
    user = User(username=username, first_name=(name or "").strip())
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = ["请填写用户名。"]
    else:
        try:
            user.clean_fields(exclude=["password", "first_name", "last_name", "email"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if User.objects.filter(username__iexact=username).exists():
            errors["username"] = [f"用户名“{username}”已被使用。"]
    try:
        _validated_password(password, user)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if org is not None:
        try:
            _ensure_org_in_reach(actor, org)
        except ValidationError as exc:
            errors["org"] = exc.messages
    if errors:
        raise ValidationError(errors)

    user.set_unusable_password()
    user.save()
    # Set by someone other than the user, so it must be changed at the first login (and is audited as such).
    set_password(user, password, actor=actor, reason="新建账号的初始密码，首次登录须修改")
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=user,
        org=org,
        after={"username": user.username, "name": user.first_name},
    )
    if org is not None:
        grant_org(user, org, role, actor=actor)
    return user


@transaction.atomic
def reset_password(user: User, raw: str, *, actor) -> None:
    """Give the user a new temporary password; they must change it at the next login."""
    _ensure_may_manage(actor, user)
    _validated_password(raw, user)
    # Audited there as PASSWORD_RESET; a password set by someone else must be changed at the next login.
    set_password(user, raw, actor=actor, reason="安全管理员重置密码，下次登录须修改")


@transaction.atomic
def set_active(user: User, active: bool, *, actor) -> None:
    """Activate or deactivate an account; a deactivated account can neither log in nor use the API (its tokens
    are revoked, so activating it again brings none back)."""
    _ensure_may_manage(actor, user)
    if user.is_active == active:
        return
    before = {"is_active": user.is_active}
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(AuditAction.UPDATE, actor=actor, obj=user, before=before, after={"is_active": active})
    if not active:
        revoke_user_tokens(user, actor=actor, reason="账号已停用")


@transaction.atomic
def revoke_tokens_of(user: User, *, actor) -> int:
    """The security administrator revokes every API token of a user in reach (a lost laptop, a leaked script)."""
    _ensure_may_manage(actor, user)
    count = revoke_user_tokens(user, actor=actor, reason="安全管理员撤销")
    if not count:
        raise ValidationError("该用户没有有效的接口令牌。")
    return count


def lockout_threshold():
    return timezone.now() - settings.AXES_COOLOFF_TIME


def locked_usernames(usernames) -> set[str]:
    """Which of these accounts are locked out now (django-axes: failures within the cool-off period)."""
    rows = (
        AccessAttempt.objects.filter(username__in=list(usernames), attempt_time__gte=lockout_threshold())
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"] for row in rows}


@transaction.atomic
def unlock_user(user: User, *, actor) -> int:
    """Clear the failed-login record of an account so it may log in again at once. Returns the records cleared."""
    _ensure_may_manage(actor, user)
    if not locked_usernames([user.username]):
        raise ValidationError("该账号当前未被锁定。")
    cleared = reset(username=user.username)
    record(AuditAction.UPDATE, actor=actor, obj=user, detail=f"解除登录锁定（清除失败记录 {cleared} 条）")
    return cleared


# ---------------------------------------------------------------- grants


@transaction.atomic
def grant_org(user: User, org, role: str = Role.READ, *, actor=None) -> OrgGrant:
    """Give `user` the organization `org` (and its subtree) with `role`, replacing an earlier role on it."""
    _ensure_may_manage(actor, user)
    _ensure_org_in_reach(actor, org)
    _ensure_role_allowed(user, role)
    before = OrgGrant.objects.filter(user=user, org=org).values("role").first()
    grant, _ = OrgGrant.objects.update_or_create(user=user, org=org, defaults={"role": role})
    clear_scope_cache(user)
    record(
        AuditAction.GRANT, actor=actor, obj=grant, org=org, before=before, after={"user": user.username, "role": role}
    )
    return grant


@transaction.atomic
def revoke_org(user: User, org, *, actor) -> None:
    """Take an organization away from a user."""
    _ensure_may_manage(actor, user)
    _ensure_org_in_reach(actor, org)
    grant = OrgGrant.objects.filter(user=user, org=org).first()
    if grant is None:
        raise ValidationError(f"该用户没有“{org.name}”的授权。")
    before = {"user": user.username, "role": grant.role}
    record(AuditAction.REVOKE, actor=actor, obj=grant, org=org, before=before)
    grant.delete()
    clear_scope_cache(user)


# ---------------------------------------------------------------- duties


def _ensure_may_assign_duties(actor, user: User) -> None:
    _ensure_may_manage(actor, user)
    if actor is not None and not has_root_scope(actor):
        raise ValidationError(NOT_ROOT)


@transaction.atomic
def assign_duty(user: User, duty: str, *, actor) -> None:
    """Make `user` a system administrator, security administrator or auditor (one duty per account)."""
    if duty not in Duty.values:
        raise ValidationError("未知的管理职责。")
    _ensure_may_assign_duties(actor, user)
    held = _duties_now(user)
    if duty in held:
        return
    if held:
        raise ValidationError(
            f"三员分立：一个账号只能承担一项管理职责，“{user.username}”已是{'、'.join(sorted(held))}。"
        )
    if duty == Duty.AUDITOR:
        if user.grants.exclude(role__in=AUDITOR_ROLES).exists():
            raise ValidationError("审计管理员不能持有编辑或管理授权；请先撤销或改为“查看”。")
        if holds_unmask(user):
            raise ValidationError("审计管理员不能查看敏感信息明文；请先收回该权限。")
    user.groups.add(Group.objects.get(name=duty))
    clear_duty_cache(user)
    record(AuditAction.DUTY, actor=actor, obj=user, before={"duties": sorted(held)}, after={"duties": [duty]})


@transaction.atomic
def remove_duty(user: User, duty: str, *, actor) -> None:
    """Take a duty away from `user`."""
    if duty not in Duty.values:
        raise ValidationError("未知的管理职责。")
    _ensure_may_assign_duties(actor, user)
    held = _duties_now(user)
    if duty not in held:
        raise ValidationError(f"“{user.username}”不是{duty}。")
    user.groups.remove(Group.objects.get(name=duty))
    clear_duty_cache(user)
    record(AuditAction.DUTY, actor=actor, obj=user, before={"duties": sorted(held)}, after={"duties": []})


# ---------------------------------------------------------------- permission to see sensitive fields in clear


def _unmask_permission() -> Permission:
    return Permission.objects.get(content_type__app_label=UNMASK_APP, codename=UNMASK_CODENAME)


def _forget_permissions(user: User) -> None:
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


@transaction.atomic
def grant_unmask(user: User, *, actor) -> None:
    """Allow `user` to see members' ID numbers and phones in clear (each clear view is audited where shown)."""
    _ensure_may_manage(actor, user)
    if Duty.AUDITOR in _duties_now(user):
        raise ValidationError("审计管理员不能查看敏感信息明文。")
    if holds_unmask(user):
        return
    user.user_permissions.add(_unmask_permission())
    _forget_permissions(user)
    record(AuditAction.GRANT, actor=actor, obj=user, after={"permission": "查看敏感信息明文"})


@transaction.atomic
def revoke_unmask(user: User, *, actor) -> None:
    _ensure_may_manage(actor, user)
    if not user.user_permissions.filter(pk=_unmask_permission().pk).exists():
        raise ValidationError("该用户没有查看敏感信息明文的权限。")
    user.user_permissions.remove(_unmask_permission())
    _forget_permissions(user)
    record(AuditAction.REVOKE, actor=actor, obj=user, before={"permission": "查看敏感信息明文"})
