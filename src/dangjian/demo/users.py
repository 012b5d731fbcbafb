"""The demo logins, one per level of the region, granted through the real grant service; and the station login
`demo_station`, made an account of the station that covers 青松村 through the stations service, so its grants are
exactly that station's villages."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import transaction

from dangjian.accounts.duties import Duty
from dangjian.accounts.security import mark_demo_account, set_password
from dangjian.accounts.services import assign_duty, grant_org
from dangjian.core.scope import Role
from dangjian.orgs.models import Organization, Workstation
from dangjian.stations.models import StationAccount
from dangjian.stations.services import bind_account

from .inspections import INSPECTOR_UNIT
from .region import CITY_NAME, DEMO_BRANCH_NAME, DEMO_TOWN_NAME, MOHE_NAME

DEMO_PASSWORD = "demo-2026"  # noqa: S105 - published on the demo login page on purpose
DEMO_STATION_USER = "demo_station"
DEMO_USERS = (
    # username, organization, role, description
    ("demo_city", CITY_NAME, Role.MANAGE, "市委组织部（全市）"),
    ("demo_county", MOHE_NAME, Role.MANAGE, "漠北县委组织部（全县）"),
    ("demo_town", DEMO_TOWN_NAME, Role.EDIT, "松岭镇党委（本镇）"),
    ("demo_branch", DEMO_BRANCH_NAME, Role.EDIT, "青松村党支部（本支部）"),
    ("demo_inspector", INSPECTOR_UNIT, Role.READ, "县委督导员（随机督导任务）"),
)


@transaction.atomic
def ensure_demo_users() -> list[tuple[str, str, str]]:
    """Create the demo users if missing, reset their password and make sure they hold their grant.

    Returns (username, organization name, description) for printing.
    """
    out = []
    for username, org_name, role, description in DEMO_USERS:
        org = Organization.objects.filter(name=org_name).order_by("id").first()
        if org is None:
            continue  # a database not built by the demo builder
        user = _ensure_user(username)
        if not user.grants.filter(org=org, role=role).exists():
            grant_org(user, org, role)
        out.append((username, org.name, description))
    station = _demo_station()
    if station is not None:
        out.append(station)
    out += _demo_duty_holders()
    return out


DEMO_DUTY_USERS = (
    # username, duty, description: two of the three duties (三员), as `dangjian setup-admins` makes them
    ("demo_secadmin", Duty.SECADMIN, "安全管理员（用户与授权，全市查看）"),
    ("demo_auditor", Duty.AUDITOR, "审计管理员（全部审计日志，无业务数据）"),
)


def _demo_duty_holders() -> list[tuple[str, str, str]]:
    """demo_secadmin and demo_auditor, as `dangjian setup-admins` makes the duty accounts: the security administrator
    granted the root organization for reading (it hands out every organization), the auditor no data scope (it
    reads the whole audit log and no organization's data)."""
    root = Organization.objects.filter(name=CITY_NAME, parent__isnull=True).order_by("id").first()
    if root is None:
        return []
    out = []
    for username, duty, description in DEMO_DUTY_USERS:
        user = _ensure_user(username)
        # The duty groups come from a data migration; a database emptied since (a test's flush) lacks them.
        Group.objects.get_or_create(name=duty)
        assign_duty(user, duty, actor=None)
        if duty == Duty.SECADMIN and not user.grants.filter(org=root, role=Role.READ).exists():
            grant_org(user, root, Role.READ)
        out.append((username, root.name if duty == Duty.SECADMIN else "—", description))
    return out


def _ensure_user(username: str) -> User:
    user, _ = User.objects.get_or_create(username=username)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    if not user.check_password(DEMO_PASSWORD):
        set_password(user, DEMO_PASSWORD, actor=None, reason="演示账号的公开密码")
    mark_demo_account(user)  # opens at once: no forced change, no expiry, no second factor
    return user


def _demo_station() -> tuple[str, str, str] | None:
    """demo_station: the account of the station covering 青松村 (its data scope: that station's villages)."""
    branch = Organization.objects.filter(name=DEMO_BRANCH_NAME).order_by("id").first()
    station = Workstation.objects.active().filter(villages=branch).first() if branch else None
    if station is None:
        return None
    user = _ensure_user(DEMO_STATION_USER)
    if not StationAccount.objects.filter(user=user, station=station).exists():
        StationAccount.objects.filter(user=user).delete()
        bind_account(station, user, actor=None)
    return DEMO_STATION_USER, station.name, "党建工作站（本站联系的村）"
