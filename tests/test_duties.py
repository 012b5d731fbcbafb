"""Separation of duties (三员分立): the rules of the user services, each refused in Chinese with nothing written."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from dangjian.accounts import services
from dangjian.accounts.duties import Duty, duties_of, refuse_superuser_login
from dangjian.accounts.models import AccountSecurity, OrgGrant
from dangjian.core.models import AuditAction, AuditLog
from dangjian.core.scope import Role
from dangjian.core.services import OutOfScope

from conftest import PASSWORD

NEW_PASSWORD = "Temp-Pass-2026"


def duty_account(username: str, duty: str, org=None) -> User:
    """A duty holder built the way `setup-admins` builds one: through the services, as the system."""
    user = services.create_user(username, PASSWORD, actor=None)
    services.assign_duty(user, duty, actor=None)
    if org is not None:
        services.grant_org(user, org, Role.READ, actor=None)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def root_secadmin(region):
    return duty_account("root_secadmin", Duty.SECADMIN, region.city)


@pytest.fixture
def north_secadmin(region):
    """Security administrator of 漠北县 only."""
    return duty_account("north_secadmin", Duty.SECADMIN, region.north)


@pytest.fixture
def auditor(region):
    return duty_account("auditor", Duty.AUDITOR)


def state():
    """Everything these services may write, to show that a refusal wrote nothing."""
    return (
        sorted(User.groups.through.objects.values_list("user_id", "group__name")),
        sorted(OrgGrant.objects.values_list("user_id", "org_id", "role")),
        sorted(User.user_permissions.through.objects.values_list("user_id", "permission_id")),
        sorted(User.objects.values_list("pk", "username", "is_active", "password")),
        AuditLog.objects.count(),
    )


def refused(call, message: str, exception=ValidationError):
    before = state()
    with pytest.raises(exception) as info:
        call()
    assert message in " ".join(getattr(info.value, "messages", [str(info.value)]))
    assert state() == before


def give_unmask(user):
    user.user_permissions.add(Permission.objects.get(codename="unmask_member"))


# ---------------------------------------------------------------- one duty per account


def test_an_account_holds_one_duty_only_so_never_all_three(root_secadmin, county_user):
    services.assign_duty(county_user, Duty.SYSADMIN, actor=root_secadmin)
    for other in (Duty.SECADMIN, Duty.AUDITOR):
        refused(
            lambda other=other: services.assign_duty(county_user, other, actor=root_secadmin),
            "一个账号只能承担一项管理职责，“county_user”已是系统管理员",
        )
    assert duties_of(User.objects.get(pk=county_user.pk)) == {Duty.SYSADMIN}


def test_the_one_duty_rule_holds_for_commands_too(auditor):
    refused(lambda: services.assign_duty(auditor, Duty.SYSADMIN, actor=None), "一个账号只能承担一项管理职责")


def test_duty_assignment_and_removal_are_audited_with_the_actor(root_secadmin, town_user):
    services.assign_duty(town_user, Duty.SYSADMIN, actor=root_secadmin)
    services.remove_duty(town_user, Duty.SYSADMIN, actor=root_secadmin)
    entries = list(
        AuditLog.objects.filter(action=AuditAction.DUTY, object_type="user", object_id=str(town_user.pk)).order_by("id")
    )
    assert [(e.username, e.before, e.after) for e in entries] == [
        ("root_secadmin", {"duties": []}, {"duties": ["系统管理员"]}),
        ("root_secadmin", {"duties": ["系统管理员"]}, {"duties": []}),
    ]
    assert duties_of(User.objects.get(pk=town_user.pk)) == set()


# ---------------------------------------------------------------- the auditor changes nothing


def test_an_auditor_is_given_no_edit_or_manage_grant_even_from_the_command_line(root_secadmin, auditor, region):
    for role in (Role.EDIT, Role.MANAGE):
        refused(
            lambda role=role: services.grant_org(auditor, region.north, role, actor=root_secadmin),
            "审计管理员只能被授予“查看”角色",
        )
        refused(lambda role=role: services.grant_org(auditor, region.north, role), "审计管理员只能被授予“查看”角色")
    services.grant_org(auditor, region.north, Role.READ, actor=root_secadmin)
    assert list(auditor.grants.values_list("role", flat=True)) == [Role.READ]


def test_an_auditor_is_refused_the_permission_to_see_sensitive_fields_in_clear(root_secadmin, auditor):
    refused(lambda: services.grant_unmask(auditor, actor=root_secadmin), "审计管理员不能查看敏感信息明文")


def test_a_user_who_edits_data_or_sees_clear_values_cannot_become_auditor(root_secadmin, county_user, reader):
    refused(
        lambda: services.assign_duty(county_user, Duty.AUDITOR, actor=root_secadmin), "审计管理员不能持有编辑或管理授权"
    )
    give_unmask(reader)
    refused(lambda: services.assign_duty(reader, Duty.AUDITOR, actor=root_secadmin), "请先收回该权限")


# ---------------------------------------------------------------- nobody changes their own account


def test_a_security_administrator_changes_nothing_of_their_own(root_secadmin, region):
    me = root_secadmin
    for call in (
        lambda: services.assign_duty(me, Duty.SYSADMIN, actor=me),
        lambda: services.remove_duty(me, Duty.SECADMIN, actor=me),
        lambda: services.grant_org(me, region.north, Role.MANAGE, actor=me),
        lambda: services.revoke_org(me, region.city, actor=me),
        lambda: services.grant_unmask(me, actor=me),
        lambda: services.set_active(me, False, actor=me),
        lambda: services.reset_password(me, NEW_PASSWORD, actor=me),
    ):
        refused(call, "不能修改自己的管理职责、授权、权限或账号状态")


# ---------------------------------------------------------------- a security administrator's reach


def test_a_county_security_administrator_reaches_only_users_of_the_county(
    north_secadmin, root_secadmin, county_user, town_user, outsider, city_admin
):
    newcomer = User.objects.create_user("newcomer")  # no grant at all: every security administrator sees them
    reach = set(services.manageable_users(north_secadmin).values_list("username", flat=True))
    assert reach == {"county_user", "town_user", newcomer.username}  # duty holders only for the root
    # The root administrator reaches everyone but superusers.
    User.objects.create_superuser("root", password=PASSWORD)
    everyone = set(services.manageable_users(root_secadmin).values_list("username", flat=True))
    assert {"outsider", "city_admin", "north_secadmin", "county_user"} <= everyone
    assert "root" not in everyone


def test_a_user_with_any_grant_outside_the_county_is_out_of_reach(north_secadmin, county_user, region):
    services.grant_org(county_user, region.south_village, Role.READ)  # one grant outside is enough
    assert not services.manageable_users(north_secadmin).filter(pk=county_user.pk).exists()
    refused(lambda: services.set_active(county_user, False, actor=north_secadmin), "不在您的管理范围内", OutOfScope)


def test_a_county_security_administrator_cannot_touch_a_user_of_another_county(north_secadmin, outsider, region):
    for call in (
        lambda: services.grant_org(outsider, region.town, Role.READ, actor=north_secadmin),
        lambda: services.revoke_org(outsider, region.south, actor=north_secadmin),
        lambda: services.reset_password(outsider, NEW_PASSWORD, actor=north_secadmin),
        lambda: services.set_active(outsider, False, actor=north_secadmin),
        lambda: services.grant_unmask(outsider, actor=north_secadmin),
    ):
        refused(call, "不在您的管理范围内", OutOfScope)
    with pytest.raises(OutOfScope):
        services.get_user_for_admin(north_secadmin, outsider.pk)


def test_a_county_security_administrator_grants_only_inside_the_county(north_secadmin, town_user, region):
    refused(
        lambda: services.grant_org(town_user, region.south, Role.READ, actor=north_secadmin),
        "“南岭县委”不在您的授权范围内，不能授予",
    )
    refused(
        lambda: services.create_user("south_clerk", NEW_PASSWORD, actor=north_secadmin, org=region.south),
        "“南岭县委”不在您的授权范围内",
    )
    # Inside the county any role may be handed out, though the administrator itself only reads.
    services.grant_org(town_user, region.birch, Role.MANAGE, actor=north_secadmin)
    assert OrgGrant.objects.filter(user=town_user, org=region.birch, role=Role.MANAGE).exists()


def test_only_a_root_scope_security_administrator_assigns_duties_or_manages_duty_holders(
    north_secadmin, root_secadmin, town_user, region
):
    refused(lambda: services.assign_duty(town_user, Duty.SYSADMIN, actor=north_secadmin), "根党组织的安全管理员")
    sysadmin = duty_account("sysadmin", Duty.SYSADMIN)
    # A duty holder without grants is out of a county administrator's reach: no resetting the sysadmin's password.
    refused(lambda: services.reset_password(sysadmin, NEW_PASSWORD, actor=north_secadmin), "不在", OutOfScope)
    services.reset_password(sysadmin, NEW_PASSWORD, actor=root_secadmin)


def test_someone_without_the_duty_manages_nobody(county_user, town_user, auditor):
    for actor in (county_user, auditor):
        assert not services.manageable_users(actor).exists()
        refused(lambda actor=actor: services.set_active(town_user, False, actor=actor), "只有安全管理员", OutOfScope)
        refused(
            lambda actor=actor: services.create_user("x_user", NEW_PASSWORD, actor=actor), "只有安全管理员", OutOfScope
        )


# ---------------------------------------------------------------- users, passwords, lockout


def test_a_new_user_must_change_the_initial_password_and_creation_is_audited(north_secadmin, region):
    user = services.create_user("li_si", NEW_PASSWORD, actor=north_secadmin, name="李四", org=region.town)
    assert user.check_password(NEW_PASSWORD)
    assert AccountSecurity.objects.get(user=user).must_change_password
    assert OrgGrant.objects.filter(user=user, org=region.town, role=Role.READ).exists()
    created = AuditLog.objects.get(action=AuditAction.CREATE, object_type="user", object_id=str(user.pk))
    assert created.username == "north_secadmin"


def test_a_weak_password_or_a_taken_username_creates_nothing(north_secadmin, county_user):
    refused(lambda: services.create_user("wang_wu", "short", actor=north_secadmin), "密码太短")
    refused(lambda: services.create_user("wang_wu", "wang_wu-2026A", actor=north_secadmin), "密码")
    refused(lambda: services.create_user("County_User", NEW_PASSWORD, actor=north_secadmin), "已被使用")


def test_a_reset_password_must_be_changed_at_the_next_login(north_secadmin, town_user):
    AccountSecurity.objects.update_or_create(user=town_user, defaults={"must_change_password": False})
    services.reset_password(town_user, NEW_PASSWORD, actor=north_secadmin)
    town_user.refresh_from_db()
    assert town_user.check_password(NEW_PASSWORD)
    assert AccountSecurity.objects.get(user=town_user).must_change_password
    assert AuditLog.objects.filter(
        action=AuditAction.PASSWORD_RESET, object_type="user", object_id=str(town_user.pk)
    ).exists()
    refused(lambda: services.reset_password(town_user, "abc", actor=north_secadmin), "密码太短")


def test_a_deactivated_account_cannot_log_in_and_it_is_audited(north_secadmin, town_user):
    services.set_active(town_user, False, actor=north_secadmin)
    client = Client()
    client.post("/accounts/login/", {"username": "town_user", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    entry = AuditLog.objects.get(action=AuditAction.UPDATE, object_type="user", object_id=str(town_user.pk))
    assert (entry.before, entry.after) == ({"is_active": True}, {"is_active": False})


def lock_out(username: str) -> None:
    client = Client()
    for i in range(5):
        client.post("/accounts/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=f"10.7.0.{i + 1}")


def logs_in(username: str) -> bool:
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": PASSWORD}, REMOTE_ADDR="10.7.1.1")
    return "_auth_user_id" in client.session


def test_unlocking_a_locked_out_account_lets_it_log_in_at_once(north_secadmin, town_user):
    refused(lambda: services.unlock_user(town_user, actor=north_secadmin), "该账号当前未被锁定")
    lock_out("town_user")
    assert services.locked_usernames(["town_user", "county_user"]) == {"town_user"}
    assert not logs_in("town_user")

    services.unlock_user(town_user, actor=north_secadmin)
    assert services.locked_usernames(["town_user"]) == set()
    assert logs_in("town_user")
    assert AuditLog.objects.filter(action=AuditAction.UPDATE, detail__startswith="解除登录锁定").count() == 1


# ---------------------------------------------------------------- the unmask permission


def test_the_unmask_permission_is_granted_and_revoked_audited(north_secadmin, town_user):
    services.grant_unmask(town_user, actor=north_secadmin)
    assert User.objects.get(pk=town_user.pk).has_perm("members.unmask_member")
    services.revoke_unmask(town_user, actor=north_secadmin)
    assert not User.objects.get(pk=town_user.pk).has_perm("members.unmask_member")
    actions = list(
        AuditLog.objects.filter(object_type="user", object_id=str(town_user.pk)).values_list("action", flat=True)
    )
    assert AuditAction.GRANT in actions and AuditAction.REVOKE in actions
    refused(lambda: services.revoke_unmask(town_user, actor=north_secadmin), "没有查看敏感信息明文的权限")


# ---------------------------------------------------------------- superuser and the setup-admins command


def test_a_superuser_is_refused_for_daily_work_and_others_are_not(county_user):
    root = User.objects.create_superuser("root", password=PASSWORD)
    assert refuse_superuser_login(root) == "超级用户仅用于命令行维护，日常工作请使用三员账号或业务账号"
    assert refuse_superuser_login(county_user) is None


def test_the_web_login_refuses_a_superuser_with_the_reason(db):
    User.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    response = client.post("/accounts/login/", {"username": "root", "password": PASSWORD})
    assert "超级用户仅用于命令行维护，日常工作请使用三员账号或业务账号" in response.content.decode()
    assert "_auth_user_id" not in client.session


ADMIN_ENV = {
    "DANGJIAN_SYSADMIN_PASSWORD": "Sys-Admin-2026",
    "DANGJIAN_SECADMIN_PASSWORD": "Sec-Admin-2026",
    "DANGJIAN_AUDITOR_PASSWORD": "Audit-Or-2026",
}
ADMIN_NAMES = ["--sysadmin", "xitong", "--secadmin", "anquan", "--auditor", "shenji"]


def test_setup_admins_creates_the_three_accounts_one_duty_each(region, monkeypatch, capsys):
    for name, value in ADMIN_ENV.items():
        monkeypatch.setenv(name, value)
    call_command("setup_admins", *ADMIN_NAMES)
    out = capsys.readouterr().out
    assert "已新建安全管理员：anquan" in out and "示范市委（查看）" in out
    for username, duty, password in (
        ("xitong", Duty.SYSADMIN, "Sys-Admin-2026"),
        ("anquan", Duty.SECADMIN, "Sec-Admin-2026"),
        ("shenji", Duty.AUDITOR, "Audit-Or-2026"),
    ):
        user = User.objects.get(username=username)
        assert duties_of(user) == {duty}
        assert user.check_password(password) and not user.is_superuser
        assert AccountSecurity.objects.get(user=user).must_change_password
    assert list(OrgGrant.objects.filter(user__username="anquan").values_list("org__code", "role")) == [
        ("T-CITY", Role.READ)
    ]
    assert not OrgGrant.objects.filter(user__username__in=["xitong", "shenji"]).exists()
    # The security administrator so made reaches every user and may assign duties.
    assert services.has_root_scope(User.objects.get(username="anquan"))


def test_setup_admins_refuses_shared_or_taken_names_weak_passwords_and_an_empty_tree(region, county_user, monkeypatch):
    for name, value in ADMIN_ENV.items():
        monkeypatch.setenv(name, value)
    before = state()
    with pytest.raises(CommandError, match="三个不同的账号"):
        call_command("setup_admins", "--sysadmin", "a1", "--secadmin", "a1", "--auditor", "a2")
    with pytest.raises(CommandError, match="用户“county_user”已存在"):
        call_command("setup_admins", "--sysadmin", "county_user", "--secadmin", "a1", "--auditor", "a2")
    monkeypatch.setenv("DANGJIAN_AUDITOR_PASSWORD", "short")
    with pytest.raises(CommandError, match="审计管理员 shenji：.*密码太短"):
        call_command("setup_admins", *ADMIN_NAMES)
    assert state() == before


def test_setup_admins_needs_an_organization_tree(db, monkeypatch):
    for name, value in ADMIN_ENV.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(CommandError, match="尚无根党组织"):
        call_command("setup_admins", *ADMIN_NAMES)
    assert not User.objects.exists()


def test_the_grant_command_gives_an_auditor_no_edit_role(auditor, capsys):
    with pytest.raises(CommandError, match="审计管理员只能被授予“查看”角色"):
        call_command("grant", "auditor", "T-NORTH", "--role", "edit")
    assert not OrgGrant.objects.filter(user=auditor).exists()


def test_the_console_command_accepts_setup_admins_with_a_hyphen(monkeypatch):
    import django.core.management

    from dangjian import cli

    seen = []
    monkeypatch.setattr(django.core.management, "execute_from_command_line", seen.append)
    monkeypatch.setattr("sys.argv", ["dangjian", "setup-admins", "--sysadmin", "a-b"])
    cli.main()
    assert seen == [["dangjian", "setup_admins", "--sysadmin", "a-b"]]


def test_emptied_duty_groups_come_back_with_migrate_and_a_duty_can_be_given_again(region, reader):
    """The groups are the duties' labels: `migrate` (and a test's flush, which emits the same signal) makes them
    again, so a database emptied of them does not refuse every duty afterwards."""
    from django.contrib.auth.models import Group

    Group.objects.filter(name__in=Duty.values).delete()
    with pytest.raises(Group.DoesNotExist):
        services.assign_duty(reader, Duty.AUDITOR, actor=None)
    call_command("migrate", verbosity=0)
    assert set(Group.objects.filter(name__in=Duty.values).values_list("name", flat=True)) == set(Duty.values)
    services.assign_duty(reader, Duty.AUDITOR, actor=None)
    assert duties_of(User.objects.get(pk=reader.pk)) == {Duty.AUDITOR}
