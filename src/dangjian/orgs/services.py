"""Writes to the organization register. Each function is atomic, checks scope and writes the audit record, and asks
the rules of `orgs.rules` first: the form, the API and the import all write through here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from dangjian.core.audit import record, snapshot
from dangjian.core.models import AuditAction
from dangjian.core.rules import error_dict
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope
from dangjian.rulebook.book import Book

from . import tally
from .choices import default_term_years
from .models import CommitteePost, Organization, path_segment
from .rules import REQUIRED_FIELDS, check_parent, code_problem, org_problems

TERM_RULE = "org.term"

# What apps above keep of where an organization sits (a problem's verifier, the level above it) is worked out again
# after a move, in the move's transaction: each registers a function of the moved organization (`follow_moves`).
MOVE_FOLLOWERS: list[Callable[[Organization], None]] = []


def follow_moves(follower: Callable[[Organization], None]) -> None:
    """Call `follower(org)` after `org` and its subtree moved under a new parent (from an AppConfig's ready())."""
    if follower not in MOVE_FOLLOWERS:
        MOVE_FOLLOWERS.append(follower)


ORG_FIELDS = (
    "name",
    "code",
    "kind",
    "domain",
    "level",
    "established",
    "term_start",
    "term_years",
    "committee_seats",
    "staff_total",
    "party_staff_fulltime",
    "party_staff_parttime",
    "unit_count",
    "has_discipline_committee",
    "activity_funds",
    "address",
    "system",
    "system_tier",
    "system_parent",
)


def _refuse(problems: list) -> None:
    """Raise the problems found (None stands for none) as one ValidationError."""
    problems = [problem for problem in problems if problem is not None]
    if problems:
        raise ValidationError(error_dict(problems))


def _assign_path(org: Organization) -> None:
    prefix = org.parent.path if org.parent_id else ""
    org.path = prefix + path_segment(org.pk)
    org.depth = org.path.count(".") - 1


@transaction.atomic
def create_org(*, actor, parent: Organization | None, book: Book | None = None, **fields) -> Organization:
    """Create an organization under `parent` (None for a root, which only the system may do). Without a term, its
    term is the rulebook's `org.term` where it stands (`book`: the rules already read, as an import of many rows
    passes them; else read here)."""
    _refuse(org_problems({name: fields.get(name, "") for name in REQUIRED_FIELDS}))
    kind = fields["kind"]
    check_parent(kind, parent)
    if not fields.get("term_years"):
        # The rulebook's `org.term` as it stands where the organization is created (a county may set its own);
        # turned off there, no term is set by default.
        term = (book or Book.load()).rule(TERM_RULE, parent)
        if term.enabled:
            fields["term_years"] = default_term_years(kind, fields.get("domain", ""), term.value)
    _refuse([code_problem(fields["code"])])
    # A unique temporary path lets the row be inserted before its id, and so its real path, is known.
    extra = tally.extra_before(parent)  # a new 党小组 changes its branch's counts
    org = Organization(parent=parent, path=f"tmp-{id(fields)}-{fields['code']}"[:255], **fields)
    org.full_clean(exclude=["path"])
    org.save()
    _assign_path(org)
    org.save(update_fields=["path", "depth"])
    ensure_in_scope(actor, org.path, Action.MANAGE)
    record(AuditAction.CREATE, actor=actor, obj=org, org=org, after=snapshot(org))
    tally.apply(org.path, tally.keys_of(org))
    tally.extra_after({**extra, org.pk: Counter()})  # a new organization counted nothing before
    return org


@transaction.atomic
def update_org(org: Organization, *, actor, **changes) -> Organization:
    """Change an organization's own fields (not its place in the tree: see move_org)."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    before = snapshot(org)
    counted_before = tally.keys_of(org)
    extra = tally.extra_before(org)
    for name, value in changes.items():
        if name not in ORG_FIELDS:
            raise ValueError(f"unknown organization field {name}")
        setattr(org, name, value)
    _refuse(org_problems({name: getattr(org, name) for name in REQUIRED_FIELDS}))
    if "kind" in changes:
        check_parent(org.kind, org.parent, org)
    _refuse([code_problem(org.code, org.pk)])
    org.full_clean()
    org.save()
    ensure_in_scope(actor, org.path, Action.CHANGE)
    record(AuditAction.UPDATE, actor=actor, obj=org, org=org, before=before, after=snapshot(org))
    tally.apply(org.path, tally.difference(tally.keys_of(org), counted_before))
    tally.extra_after(extra)
    return org


@transaction.atomic
def move_org(org: Organization, new_parent: Organization, *, actor) -> Organization:
    """Put an organization and its whole subtree under a new parent (调整隶属关系)."""
    ensure_in_scope(actor, org.path, Action.MANAGE)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    check_parent(org.kind, new_parent, org)
    old_path = org.path
    new_path = new_parent.path + path_segment(org.pk)
    before = snapshot(org)
    extra = tally.extra_before(org, new_parent)
    # One UPDATE rewrites the prefix of every path in the subtree, however large.
    Organization.objects.in_subtree(old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + (new_path.count(".") - old_path.count(".")),
    )
    Organization.objects.filter(pk=org.pk).update(parent=new_parent)
    org.refresh_from_db()
    ensure_in_scope(actor, org.path, Action.MANAGE)
    record(
        AuditAction.MOVE,
        actor=actor,
        obj=org,
        org=org,
        before=before,
        after=snapshot(org),
        detail=f"由“{org_name(before['parent_id'])}”调整到“{new_parent.name}”",
    )
    tally.moved(org, old_path, org.path)
    tally.extra_after(extra)
    for follower in MOVE_FOLLOWERS:
        follower(org)
    return org


def org_name(pk: int | None) -> str:
    if pk is None:
        return "（无）"
    return Organization.objects.filter(pk=pk).values_list("name", flat=True).first() or str(pk)


@transaction.atomic
def delete_org(org: Organization, *, actor) -> None:
    """Delete an organization that has no child organizations and no members."""
    ensure_in_scope(actor, org.path, Action.MANAGE)
    if org.children.exists():
        raise ValidationError("该组织还有下级组织，请先调整或删除下级组织。")
    if org.members.exists():
        raise ValidationError("该组织还有党员，请先转出党员。")
    if org.workstations.exists():
        raise ValidationError("该组织还设有党建工作站，请先删除工作站。")
    before = snapshot(org)
    record(AuditAction.DELETE, actor=actor, obj=org, org=org, before=before)
    extra = tally.extra_before(org)
    own = tally.keys_of(org)
    own.update(extra.pop(org.pk, Counter()))
    tally.apply(org.path, tally.negated(own), include_self=False)
    org.delete()
    tally.extra_after(extra)


@transaction.atomic
def set_post(
    org: Organization, *, actor, post: str, holder_name: str, full_time: bool = False, since=None, member=None
) -> CommitteePost:
    """Add a committee seat holder."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    item = CommitteePost(org=org, post=post, holder_name=holder_name, full_time=full_time, since=since, member=member)
    item.full_clean()
    item.save()
    record(AuditAction.CREATE, actor=actor, obj=item, org=org, after=snapshot(item))
    return item


@transaction.atomic
def remove_post(item: CommitteePost, *, actor) -> None:
    ensure_in_scope(actor, item.org.path, Action.CHANGE)
    record(AuditAction.DELETE, actor=actor, obj=item, org=item.org, before=snapshot(item))
    item.delete()
