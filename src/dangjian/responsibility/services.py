"""Writes of the responsibility lists, each atomic, scope-checked and audited in the same transaction: the 党组 and
its seats, the templates a county keeps (MANAGE on the owner), duties assigned to the holders of the posts, tasks
generated per period (idempotent: a period's task is made once), and a task's completion with its evidence."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record, snapshot
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope
from dangjian.core.uploads import check_upload
from dangjian.orgs.choices import BRANCH_KINDS, OrgKind, Post
from dangjian.orgs.models import CommitteePost, Organization

from .choices import DISCIPLINE_POSTS, GROUP_POSTS, SEAT_POSTS, DutyPost, Frequency, TaskStatus
from .defaults import DEFAULTS
from .models import DutyItem, DutyTask, DutyTemplate, LeadingGroup, Seat
from .periods import periods

ALL_MEMBERS = "全体党员"
BRANCH_LIKE = set(BRANCH_KINDS) | {OrgKind.GENERAL_BRANCH}


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# ------------------------------------------------------------------------------------------------ 党组 and seats


@transaction.atomic
def create_group(*, actor, guides: Organization, name: str) -> LeadingGroup:
    """A 党组 guiding `guides` (an agency's 机关党委)."""
    ensure_in_scope(actor, guides.path, Action.MANAGE)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写党组名称。"})
    if guides.kind != OrgKind.COMMITTEE:
        raise ValidationError({"guides": f"党组指导的是机关党委，{guides.name}不是党委。"})
    group = LeadingGroup.objects.create(name=name, guides=guides)
    record(AuditAction.CREATE, actor=actor, obj=group, org=guides, after=snapshot(group))
    return group


@transaction.atomic
def add_seat(
    *, actor, org: Organization, post: str, holder_name: str, group: LeadingGroup | None = None, since=None
) -> Seat:
    """A 党组 seat (党组书记, 党组成员: `group` given, `org` its guided committee) or a 纪委 seat of `org`."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    holder_name = (holder_name or "").strip()
    errors = {}
    if post not in SEAT_POSTS:
        errors["post"] = "请选择党组书记、党组成员、纪委书记或纪委委员。"
    elif (post in GROUP_POSTS) != (group is not None):
        errors["post"] = "党组书记、党组成员登记在党组下，纪委书记、纪委委员登记在党委下。"
    if post in DISCIPLINE_POSTS and (org.kind in BRANCH_LIKE or org.kind == OrgKind.GROUP):
        errors["post"] = "纪委书记、纪委委员登记在设纪委的党委下，党支部设纪检委员（在班子成员中登记）。"
    if group is not None and group.guides_id != org.pk:
        errors["post"] = "党组成员须登记在该党组指导的机关党委下。"
    if not holder_name:
        errors["holder_name"] = "请填写姓名。"
    if post in (DutyPost.GROUP_SECRETARY, DutyPost.DISCIPLINE_SECRETARY) and not errors:
        if Seat.objects.filter(org=org, group=group, post=post).exists():
            errors["post"] = f"已有{DutyPost(post).label}，请先移除再登记。"
    if errors:
        raise ValidationError(errors)
    seat = Seat.objects.create(org=org, group=group, post=post, holder_name=holder_name, since=since)
    record(AuditAction.CREATE, actor=actor, obj=seat, org=org, after=snapshot(seat))
    return seat


@transaction.atomic
def remove_seat(seat: Seat, *, actor) -> None:
    ensure_in_scope(actor, seat.org.path, Action.CHANGE)
    record(AuditAction.DELETE, actor=actor, obj=seat, org=seat.org, before=snapshot(seat))
    seat.delete()


# ---------------------------------------------------------------------------------------------------- templates


@transaction.atomic
def seed_templates(owner: Organization, *, actor) -> int:
    """Give `owner` the default list of [000] (defaults.py) where it has none of its own yet; the number made."""
    ensure_in_scope(actor, owner.path, Action.MANAGE)
    if DutyTemplate.objects.filter(owner=owner).exists():
        return 0
    rows = [
        DutyTemplate(owner=owner, post=post, domain=domain, frequency=freq, title=title, detail=detail, order=i)
        for i, (post, domain, freq, title, detail) in enumerate(DEFAULTS)
    ]
    DutyTemplate.objects.bulk_create(rows)
    record(AuditAction.CREATE, actor=actor, org=owner, detail=f"{owner.name}：载入默认责任清单模板 {len(rows)} 条")
    return len(rows)


def _check_template(owner, post, domain, title, frequency, pk=None) -> dict[str, str]:
    errors = {}
    if post not in DutyPost.values:
        errors["post"] = "请选择岗位。"
    if frequency not in Frequency.values:
        errors["frequency"] = "请选择频次（每年、每季度、每月）。"
    if not title:
        errors["title"] = "请填写责任事项。"
    elif len(title) > 200:
        errors["title"] = "责任事项不能超过 200 字。"
    if not errors:
        same = DutyTemplate.objects.filter(owner=owner, post=post, domain=domain, title=title).exclude(pk=pk)
        if same.exists():
            errors["title"] = "同一岗位、同一党建类型下已有同名责任事项。"
    return errors


@transaction.atomic
def save_template(
    *,
    actor,
    owner: Organization,
    template: DutyTemplate | None = None,
    post: str,
    domain: str = "",
    title: str,
    detail: str = "",
    frequency: str,
    order: int = 0,
    active: bool = True,
) -> DutyTemplate:
    """Add a duty to `owner`'s list, or change one (MANAGE on the owner); audited with before and after."""
    if template is not None:
        owner = template.owner
    ensure_in_scope(actor, owner.path, Action.MANAGE)
    title = (title or "").strip()
    errors = _check_template(owner, post, domain or "", title, frequency, template.pk if template else None)
    if errors:
        raise ValidationError(errors)
    before = snapshot(template, exclude=("updated_at",)) if template else None
    item = template or DutyTemplate(owner=owner)
    item.post, item.domain, item.title, item.detail = post, domain or "", title, (detail or "").strip()
    item.frequency, item.order, item.active = frequency, order or 0, active
    item.save()
    after = snapshot(item, exclude=("updated_at",))
    action = AuditAction.UPDATE if template else AuditAction.CREATE
    record(action, actor=actor, obj=item, org=owner, before=before, after=after)
    return item


def templates_by_org(orgs: list[Organization]) -> dict[int, list[DutyTemplate]]:
    """Each organization's active templates: those of the nearest owner at or above it that keeps any (a county's
    own list replaces the city's), of the organization's domain or of every domain."""
    owners: dict[int, list[DutyTemplate]] = defaultdict(list)
    for t in DutyTemplate.objects.filter(active=True).order_by("post", "order", "id"):
        owners[t.owner_id].append(t)
    out = {}
    for org in orgs:
        chain = [*org.ancestor_ids(), org.pk]
        owner = next((pk for pk in reversed(chain) if pk in owners), None)
        out[org.pk] = [t for t in owners.get(owner, ()) if not t.domain or t.domain == org.domain]
    return out


# ------------------------------------------------------------------------------------------------------ holders


def post_of(org: Organization, post: str) -> str | None:
    """The nine-post name of a committee post: 书记 of a branch (or 总支) is its 支部书记, of a 党委 its 党委书记; the
    other seats are 委员. A 党小组 has no committee."""
    if org.kind == OrgKind.GROUP:
        return None
    secretary = post == Post.SECRETARY
    if org.kind in BRANCH_LIKE:
        return DutyPost.BRANCH_SECRETARY if secretary else DutyPost.BRANCH_MEMBER
    return DutyPost.COMMITTEE_SECRETARY if secretary else DutyPost.COMMITTEE_MEMBER


def holders(orgs: list[Organization]) -> list[dict]:
    """Everyone holding one of the nine posts in `orgs`: committee posts, 党组 and 纪委 seats, and each branch's
    members as a whole (one list for all, not one per member)."""
    by_id = {o.pk: o for o in orgs}
    rows = []
    for cp in CommitteePost.objects.filter(org_id__in=by_id).order_by("org_id", "id"):
        org = by_id[cp.org_id]
        post = post_of(org, cp.post)
        if post:
            rows.append(
                {"org": org, "post": post, "key": f"post:{cp.pk}", "name": cp.holder_name, "committee_post": cp}
            )
    for seat in Seat.objects.filter(org_id__in=by_id).order_by("org_id", "id"):
        rows.append({"org": by_id[seat.org_id], "post": seat.post, "key": f"seat:{seat.pk}", "name": seat.holder_name,
                     "seat": seat})  # fmt: skip
    for org in orgs:
        if org.kind in BRANCH_KINDS:
            rows.append({"org": org, "post": DutyPost.MEMBER, "key": "members", "name": ALL_MEMBERS})
    return rows


@transaction.atomic
def assign_duties(root: Organization, *, actor) -> dict[str, int]:
    """Put the templates' duties on the holders of the posts in `root`'s subtree: new holders get their items, an
    item whose holder has left is set aside (its done tasks stay), one whose holder is back becomes valid again.
    Assigning twice changes nothing."""
    ensure_in_scope(actor, root.path, Action.CHANGE)
    orgs = list(Organization.objects.in_subtree(root).order_by("path"))
    templates = templates_by_org(orgs)
    existing = {(i.org_id, i.holder_key, i.template_id): i for i in DutyItem.objects.in_subtree(root)}
    wanted, new, renamed = set(), [], []
    for h in holders(orgs):
        for t in templates[h["org"].pk]:
            if t.post != h["post"]:
                continue
            key = (h["org"].pk, h["key"], t.pk)
            wanted.add(key)
            item = existing.get(key)
            if item is None:
                new.append(
                    DutyItem(
                        org=h["org"],
                        post=h["post"],
                        holder_key=h["key"],
                        holder_name=h["name"],
                        committee_post=h.get("committee_post"),
                        seat=h.get("seat"),
                        template=t,
                        title=t.title,
                        detail=t.detail,
                        frequency=t.frequency,
                    )
                )
            elif item.holder_name != h["name"] or not item.active:
                item.holder_name, item.active = h["name"], True
                renamed.append(item)
    gone = [i for key, i in existing.items() if key not in wanted and i.active]
    for item in gone:
        item.active = False
    DutyItem.objects.bulk_create(new, batch_size=500)
    DutyItem.objects.bulk_update(renamed + gone, ["holder_name", "active"], batch_size=500)
    counts = {"assigned": len(new), "updated": len(renamed), "set_aside": len(gone)}
    if any(counts.values()):
        record(
            AuditAction.UPDATE,
            actor=actor,
            org=root,
            detail=f"{root.name}：责任清单分解到岗，新增 {len(new)} 条，更新 {len(renamed)} 条，停用 {len(gone)} 条",
            after=counts,
        )
    return counts


# -------------------------------------------------------------------------------------------------------- tasks


@transaction.atomic
def generate_tasks(year: int, *, actor, root: Organization | None = None, backfill: bool = False) -> int:
    """Make the dated tasks of `year` for the valid items (of `root`'s subtree, or all): one per period of the
    item's frequency. Periods that ended before the item was assigned are left out unless `backfill`. A period's
    task is made once, so running again (the monthly job) makes only what is missing; the number made."""
    if root is not None:
        ensure_in_scope(actor, root.path, Action.CHANGE)
        items = DutyItem.objects.in_subtree(root)
    else:
        items = DutyItem.objects.all()
    items = items.active().order_by("id")
    have = set(DutyTask.objects.filter(item__in=items, year=year).values_list("item_id", "period_start").order_by())
    new = []
    for item in items.only("id", "org_id", "frequency", "assigned_at").iterator(chunk_size=2000):
        since = timezone.localtime(item.assigned_at).date() if not backfill else None
        for p in periods(item.frequency, year):
            if (item.pk, p.start) in have or (since is not None and p.due < since):
                continue
            new.append(
                DutyTask(
                    item_id=item.pk, org_id=item.org_id, year=year, period_start=p.start, due_on=p.due, label=p.label
                )
            )
    DutyTask.objects.bulk_create(new, batch_size=1000)
    if new:
        where = root.name if root is not None else "全部"
        record(
            AuditAction.CREATE,
            actor=actor,
            org=root,
            detail=f"{where}：生成 {year} 年度责任任务 {len(new)} 项",
            after={"year": year, "tasks": len(new)},
        )
    return len(new)


@transaction.atomic
def complete_task(task: DutyTask, *, actor, note: str, done_on: datetime.date | None = None, evidence=None) -> DutyTask:
    """Record a task done: the day, what was done, and a file of evidence if there is one (checked by its bytes)."""
    task = DutyTask.objects.select_for_update().select_related("org").get(pk=task.pk)
    ensure_in_scope(actor, task.org.path, Action.CHANGE)
    today = timezone.localdate()
    done_on = done_on or today
    errors = {}
    if task.status == TaskStatus.DONE:
        errors["note"] = "该任务已登记完成，不能重复登记。"
    if not (note or "").strip():
        errors["note"] = "请填写完成情况。"
    if done_on > today:
        errors["done_on"] = f"完成日期 {done_on} 晚于今天（{today}），不能登记尚未完成的任务。"
    elif done_on.year < task.year:
        errors["done_on"] = f"完成日期 {done_on} 早于任务所在年度（{task.year} 年）。"
    if errors:
        raise ValidationError(errors)
    if evidence:
        check_upload(evidence, what="佐证材料")
    before = snapshot(task, exclude=("evidence",))
    task.status, task.done_on, task.note, task.done_by = TaskStatus.DONE, done_on, note.strip(), _user(actor)
    if evidence:
        task.evidence_name = (evidence.name or "")[-200:]
        task.evidence.save(evidence.name, evidence, save=False)
    task.save()
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=task,
        org=task.org,
        before=before,
        after=snapshot(task, exclude=("evidence",)),
        detail=f"责任任务完成：{task.item.title}（{task.label}）",
    )
    return task
