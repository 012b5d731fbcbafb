"""Writes to workstations: create, change, retire; their people; their accounts and the grants that follow the
coverage. Each function is atomic, asks `stations.rules`, re-checks the actor's scope inside the transaction and
writes the audit record in it.

Who may do what:
- create, change (name, code, coverage) and retire a station, register its people: MANAGE on its town;
- make an account a station account, or release it: the security administrator (安全管理员) whose reach holds the
  account and the town, as for any grant (`accounts.services`).

A station account's data scope is its grants of the covered villages (role 编辑), nothing else and no second
mechanism: when the coverage changes, or the station is retired, `_follow_coverage` adds and removes those grants,
each one audited (授权 / 撤销授权) with the actor who changed the coverage.
"""

from __future__ import annotations

import datetime
import re

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.accounts.duties import Duty, has_duty
from dangjian.accounts.models import OrgGrant
from dangjian.accounts.services import manageable_users
from dangjian.core.audit import record, snapshot
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action, Role, clear_scope_cache, path_in_scope
from dangjian.core.services import OutOfScope, ensure_in_scope
from dangjian.orgs.models import Organization, Workstation

from .choices import StaffPost, StaffSource
from .models import StationAccount, StationStaff
from .rollups import town_kept
from .rules import coverage_problems, town_problem

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
STATION_ROLE = Role.EDIT  # a station reports for its villages and relays to them; it manages none of them


def _refuse(problems: list[str], field: str | None = None) -> None:
    problems = [p for p in problems if p]
    if problems:
        raise ValidationError({field: problems} if field else problems)


def _state(station: Workstation) -> dict:
    """The station as its audit records show it: its fields and the codes of the villages it covers."""
    data = snapshot(station)
    data["villages"] = sorted(station.villages.values_list("code", flat=True))
    return data


def _check_fields(name: str, code: str, station: Workstation | None = None) -> tuple[str, str]:
    name, code = (name or "").strip(), (code or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["请填写工作站名称。"]
    elif len(name) > 100:
        errors["name"] = ["工作站名称最多 100 个字。"]
    if not code:
        errors["code"] = ["请填写工作站编码。"]
    elif not CODE_RE.match(code):
        errors["code"] = ["工作站编码只能由字母、数字、短横线和下划线组成，最多 40 个字符。"]
    else:
        clash = Workstation.objects.filter(code=code)
        if station is not None:
            clash = clash.exclude(pk=station.pk)
        if clash.exists():
            errors["code"] = [f"工作站编码“{code}”已被使用。"]
    if errors:
        raise ValidationError(errors)
    return name, code


@transaction.atomic
def create_station(*, actor, town: Organization, name: str, code: str, villages) -> Workstation:
    """Set up a station under `town` covering `villages` (3–5 expected; see rules.coverage_warnings)."""
    ensure_in_scope(actor, town.path, Action.MANAGE)
    _refuse([town_problem(town)])
    name, code = _check_fields(name, code)
    villages = list(villages)
    _refuse(coverage_problems(town, villages), "villages")
    with town_kept(town):
        station = Workstation.objects.create(
            name=name, code=code, town=town, chief_name="", fulltime_staff=0, parttime_staff=0
        )
        station.villages.set(villages)
        record(AuditAction.CREATE, actor=actor, obj=station, org=town, after=_state(station))
    return station


@transaction.atomic
def update_station(station: Workstation, *, actor, name: str, code: str, villages) -> Workstation:
    """Change a working station's name, code and coverage; its accounts' grants follow the coverage."""
    ensure_in_scope(actor, station.town.path, Action.MANAGE)
    station = Workstation.objects.select_for_update().select_related("town").get(pk=station.pk)
    if station.retired_on:
        raise ValidationError(f"该工作站已于 {station.retired_on:%Y-%m-%d} 撤销，不能再修改。")
    before = _state(station)
    name, code = _check_fields(name, code, station)
    villages = list(villages)
    _refuse(coverage_problems(station.town, villages, station), "villages")
    with town_kept(station.town):
        station.name, station.code = name, code
        station.save(update_fields=["name", "code"])
        station.villages.set(villages)
        after = _state(station)
        if after != before:
            record(AuditAction.UPDATE, actor=actor, obj=station, org=station.town, before=before, after=after)
    if after["villages"] != before["villages"]:
        _follow_coverage(station, actor=actor)
    return station


@transaction.atomic
def retire_station(station: Workstation, *, actor, on: datetime.date, reason: str) -> Workstation:
    """Retire (撤销) a station: it keeps its history (coverage, weekly papers, ratings) but covers nobody from now
    on, so its villages may join another station, and its accounts lose their grants."""
    ensure_in_scope(actor, station.town.path, Action.MANAGE)
    station = Workstation.objects.select_for_update().select_related("town").get(pk=station.pk)
    if station.retired_on:
        raise ValidationError(f"该工作站已于 {station.retired_on:%Y-%m-%d} 撤销。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请写明撤销原因。"})
    before = _state(station)
    with town_kept(station.town):
        station.retired_on = on
        station.save(update_fields=["retired_on"])
        record(
            AuditAction.UPDATE,
            actor=actor,
            obj=station,
            org=station.town,
            before=before,
            after=_state(station),
            detail=f"撤销工作站：{reason[:200]}",
        )
    _follow_coverage(station, actor=actor)
    return station


# ---------------------------------------------------------------------------------------------------- people


def _summarize(station: Workstation) -> None:
    """Keep the station's chief and staff counts (read by the town and county pages and by the accountability of
    station chiefs) in step with its people."""
    staff = list(station.staff.all())
    chief = next((s.name for s in staff if s.post == StaffPost.CHIEF), "")
    Workstation.objects.filter(pk=station.pk).update(
        chief_name=chief,
        fulltime_staff=sum(1 for s in staff if s.full_time),
        parttime_staff=sum(1 for s in staff if not s.full_time),
    )


@transaction.atomic
def add_staff(
    station: Workstation,
    *,
    actor,
    name: str,
    post: str = StaffPost.STAFF,
    full_time: bool = False,
    source: str = "",
    since: datetime.date | None = None,
) -> StationStaff:
    """Register a person of the station. One chief per station: a new chief comes after the old one is removed."""
    ensure_in_scope(actor, station.town.path, Action.MANAGE)
    if station.retired_on:
        raise ValidationError("该工作站已撤销，不能再登记人员。")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写姓名。"})
    if post not in StaffPost.values:
        raise ValidationError({"post": f"未知的职务：{post}"})
    if source and source not in StaffSource.values:
        raise ValidationError({"source": f"未知的人员来源：{source}"})
    chief = station.staff.filter(post=StaffPost.CHIEF).first()
    if post == StaffPost.CHIEF and chief is not None:
        raise ValidationError({"post": f"本站已有站长“{chief.name}”，请先移除再登记新站长。"})
    person = StationStaff(station=station, name=name, post=post, full_time=full_time, source=source, since=since)
    person.full_clean()
    with town_kept(station.town):
        person.save()
        _summarize(station)
        record(AuditAction.CREATE, actor=actor, obj=person, org=station.town, after=snapshot(person))
    return person


@transaction.atomic
def remove_staff(person: StationStaff, *, actor) -> None:
    station = person.station
    ensure_in_scope(actor, station.town.path, Action.MANAGE)
    with town_kept(station.town):
        record(AuditAction.DELETE, actor=actor, obj=person, org=station.town, before=snapshot(person))
        person.delete()
        _summarize(station)


@transaction.atomic
def replace_staff(station: Workstation, people: list[dict], *, actor) -> bool:
    """Make the station's people exactly `people` (dicts of add_staff's fields), for the import, which names the
    chief and the full-time and part-time staff. A person already registered stays untouched when the list has the
    same name, chief or not, full-time or not (so a 副站长 registered on the page stays one). Returns whether
    anything changed."""

    def key(name: str, post: str, full_time: bool) -> tuple:
        return name, post == StaffPost.CHIEF, full_time

    wanted = {key(p["name"], p["post"], p["full_time"]): p for p in people}
    changed = False
    for person in list(station.staff.all()):
        if wanted.pop(key(person.name, person.post, person.full_time), None) is None:
            remove_staff(person, actor=actor)
            changed = True
    for p in sorted(wanted.values(), key=lambda p: p["post"] != StaffPost.CHIEF):
        add_staff(station, actor=actor, **p)
        changed = True
    return changed


# ---------------------------------------------------------------------------------------------------- accounts

NOT_SECADMIN = "只有安全管理员可以设定工作站账号。"


def _ensure_may_bind(actor, station: Workstation, user: User) -> None:
    if actor is None:
        return
    if not has_duty(actor, Duty.SECADMIN):
        raise OutOfScope(NOT_SECADMIN)
    if not path_in_scope(actor, station.town.path, Action.VIEW):
        raise OutOfScope("不在您的数据范围内。")
    if actor.pk == user.pk:
        raise ValidationError("不能把自己的账号设为工作站账号；请由另一名安全管理员办理。")
    if not manageable_users(actor).filter(pk=user.pk).exists():
        raise ValidationError(f"账号“{user.username}”不存在或不在您的管理范围内。")


@transaction.atomic
def bind_account(station: Workstation, user: User, *, actor) -> StationAccount:
    """Make `user` an account of `station`: from now on its grants are exactly the covered villages."""
    _ensure_may_bind(actor, station, user)
    if station.retired_on:
        raise ValidationError("该工作站已撤销，不能再设定账号。")
    if user.is_superuser or user.groups.filter(name__in=Duty.values).exists():
        raise ValidationError("三员账号和超级用户不能兼作工作站账号。")
    existing = StationAccount.objects.filter(user=user).select_related("station").first()
    if existing is not None:
        if existing.station_id == station.pk:
            raise ValidationError(f"账号“{user.username}”已是本站账号。")
        raise ValidationError(f"账号“{user.username}”已是{existing.station.name}的账号，请先解除。")
    account = StationAccount.objects.create(station=station, user=user)
    record(
        AuditAction.GRANT,
        actor=actor,
        obj=account,
        org=station.town,
        after={"user": user.username, "station": station.code},
        detail=f"设为{station.name}的工作站账号",
    )
    _set_grants(user, _coverage(station), actor=actor, why=f"设为{station.name}的工作站账号")
    return account


@transaction.atomic
def unbind_account(account: StationAccount, *, actor) -> None:
    """Release an account from its station: it keeps no grant of the station's villages."""
    station, user = account.station, account.user
    _ensure_may_bind(actor, station, user)
    record(
        AuditAction.REVOKE,
        actor=actor,
        obj=account,
        org=station.town,
        before={"user": user.username, "station": station.code},
        detail=f"解除{station.name}的工作站账号",
    )
    account.delete()
    _set_grants(user, [], actor=actor, why=f"解除{station.name}的工作站账号")


def _coverage(station: Workstation) -> list[Organization]:
    return [] if station.retired_on else list(station.villages.all())


def _follow_coverage(station: Workstation, *, actor) -> None:
    why = f"{station.name}{'撤销' if station.retired_on else '联系范围调整'}，工作站账号授权随之调整"
    for account in StationAccount.objects.filter(station=station).select_related("user"):
        _set_grants(account.user, _coverage(station), actor=actor, why=why)


def _set_grants(user: User, villages: list[Organization], *, actor, why: str) -> None:
    """Make `user`'s grants exactly `villages` with the station role, each change audited."""
    wanted = {v.pk: v for v in villages}
    for grant in OrgGrant.objects.filter(user=user).select_related("org"):
        if grant.org_id in wanted and grant.role == STATION_ROLE:
            wanted.pop(grant.org_id)
            continue
        if grant.org_id in wanted:
            continue  # another role on a covered village: replaced below
        record(
            AuditAction.REVOKE,
            actor=actor,
            obj=grant,
            org=grant.org,
            before={"user": user.username, "role": grant.role},
            detail=why,
        )
        grant.delete()
    for org in wanted.values():
        before = OrgGrant.objects.filter(user=user, org=org).values("role").first()
        grant, _ = OrgGrant.objects.update_or_create(user=user, org=org, defaults={"role": STATION_ROLE})
        record(
            AuditAction.GRANT,
            actor=actor,
            obj=grant,
            org=org,
            before=before,
            after={"user": user.username, "role": STATION_ROLE},
            detail=why,
        )
    clear_scope_cache(user)
