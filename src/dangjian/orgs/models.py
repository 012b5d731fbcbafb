"""The organization register: one tree by party affiliation, committees, workstations and vertical systems."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from dangjian.core.scope import Action, ScopedQuerySet, acts_anywhere, scope_q

from .choices import Domain, Level, OrgKind, Post, SystemTier

PATH_STEP = 9  # eight digits and a dot per level


def path_segment(pk: int) -> str:
    return f"{pk:08d}."


class OrganizationQuerySet(ScopedQuerySet):
    def with_has_children(self) -> OrganizationQuerySet:
        return self.annotate(has_children=Exists(Organization.objects.filter(parent=OuterRef("pk"))))


class VerticalSystemQuerySet(ScopedQuerySet):
    def restrict(self, user, action: str = Action.VIEW) -> VerticalSystemQuerySet:
        """A system is seen by whoever sees its owner or one of its units (a county sees the line its
        sub-bureaus belong to); it is changed only by those who may change its owner. It differs from the plain
        `restrict` because a system's units lie in other subtrees than its owner; both halves are plain restricts."""
        owned = super().restrict(user, action)
        if action != Action.VIEW:
            return owned
        with_units = Organization.objects.restrict(user, action).filter(system__isnull=False).values("system_id")
        return self.filter(Q(pk__in=owned.values("pk")) | Q(pk__in=with_units))


class VerticalSystem(models.Model):
    """A vertically managed agency system (条), e.g. 示范市税务系统, owned by the organization that keeps it."""

    name = models.CharField("系统名称", max_length=100)
    owner = models.ForeignKey(
        "Organization", verbose_name="所属党组织", on_delete=models.PROTECT, related_name="owned_systems"
    )

    objects = VerticalSystemQuerySet.as_manager()
    scope_path_field = "owner__path"

    class Meta:
        verbose_name = "垂直管理系统"
        verbose_name_plural = "垂直管理系统"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    """A party organization in the affiliation tree (隶属关系).

    `path` is the chain of ids from the root (materialized path); the data scope and every subtree
    query use it, so a 300,000-organization region never needs a recursive query.
    """

    name = models.CharField("组织名称", max_length=200)
    code = models.CharField("组织编码", max_length=40, unique=True)
    kind = models.CharField("组织类别", max_length=30, choices=OrgKind.choices)
    domain = models.CharField("党建类型", max_length=30, choices=Domain.choices, blank=True)
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级党组织", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField("路径", max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField("层次", default=0, editable=False)

    established = models.DateField("成立日期", null=True, blank=True)
    term_start = models.DateField("本届任期开始", null=True, blank=True)
    term_years = models.PositiveSmallIntegerField("任期（年）", null=True, blank=True)
    committee_seats = models.PositiveSmallIntegerField("核定委员职数", default=0)
    staff_total = models.PositiveIntegerField("单位在编人数", default=0)
    party_staff_fulltime = models.PositiveIntegerField("专职党务工作人员数", default=0)
    party_staff_parttime = models.PositiveIntegerField("兼职党务工作人员数", default=0)
    unit_count = models.PositiveSmallIntegerField("覆盖单位数", default=1)
    has_discipline_committee = models.BooleanField("设有纪委", default=False)
    activity_funds = models.DecimalField("党组织工作经费（元/年）", max_digits=12, decimal_places=2, default=0)
    address = models.CharField("地址", max_length=200, blank=True)

    system = models.ForeignKey(
        VerticalSystem,
        verbose_name="垂直管理系统",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
    )
    system_tier = models.CharField("系统层级", max_length=20, choices=SystemTier.choices, blank=True)
    system_parent = models.ForeignKey(
        "self",
        verbose_name="业务上级（条）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="system_children",
    )

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = OrganizationQuerySet.as_manager()
    scope_path_field = "path"

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["path"]
        indexes = [
            models.Index(fields=["parent", "name"], name="org_parent_name"),
            models.Index(fields=["domain", "kind"], name="org_domain_kind"),
            models.Index(fields=["name"], name="org_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="org_not_own_parent",
                violation_error_message="上级党组织不能是本组织。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def election_due(self) -> datetime.date | None:
        """换届 date: term start plus term length."""
        if not self.term_start or not self.term_years:
            return None
        try:
            return self.term_start.replace(year=self.term_start.year + self.term_years)
        except ValueError:  # 29 February
            return self.term_start.replace(year=self.term_start.year + self.term_years, day=28)

    def election_overdue(self, today: datetime.date | None = None) -> bool:
        due = self.election_due
        return due is not None and due < (today or timezone.localdate())

    def system_chain_broken(self) -> bool:
        """Where the business line (条) loses its branch [000]: a sub-bureau whose party relation sits with the
        local town committee instead of its county bureau. A county bureau under the county committee is the
        intended dual leadership, not a break."""
        return (
            self.system_tier == SystemTier.SUB_BUREAU
            and self.system_parent_id is not None
            and self.parent_id != self.system_parent_id
        )

    def ancestor_ids(self) -> list[int]:
        return [int(seg) for seg in self.path.split(".") if seg][:-1]

    def is_grassroots(self) -> bool:
        from .choices import GRASSROOTS_KINDS

        return self.kind in GRASSROOTS_KINDS


class CommitteePost(models.Model):
    """A seat on an organization's committee (班子) and who holds it."""

    org = models.ForeignKey(Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="posts")
    post = models.CharField("职务", max_length=20, choices=Post.choices)
    holder_name = models.CharField("姓名", max_length=50)
    member = models.ForeignKey(
        "members.Member",
        verbose_name="对应党员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    full_time = models.BooleanField("专职", default=False)
    since = models.DateField("任职时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "班子成员"
        verbose_name_plural = "班子成员"
        ordering = ["org", "id"]

    def __str__(self) -> str:
        return f"{self.org} {self.get_post_display()} {self.holder_name}"


class WorkstationQuerySet(ScopedQuerySet):
    def active(self) -> WorkstationQuerySet:
        """Stations not retired: only these cover villages and take part in the weekly cycle."""
        return self.filter(retired_on__isnull=True)

    def restrict(self, user, action: str = Action.VIEW) -> WorkstationQuerySet:
        """A station is seen and worked by whoever holds its town, and by whoever holds every village it covers: its
        own accounts, whose grants are exactly those villages (stations.services keeps them so). Both follow from
        the user's grants alone, like a vertical system seen through its units; a village's own secretary, who
        holds one of them, does not see the station's papers, which carry its other villages' reports. Creating,
        changing and retiring a station (MANAGE) stays with the town."""
        by_town = super().restrict(user, action)
        if action == Action.MANAGE or not acts_anywhere(user, action):
            return by_town
        inside = scope_q(user, "organization__path", action)  # covered villages within the user's scope
        through = Workstation.villages.through.objects
        covered = through.filter(inside).values("workstation_id")
        # Of those stations, the ones with a village outside: asked of their own links, not of every link outside
        # the scope (most of a province's 160,000: 300 ms for a station's account).
        partly = through.filter(workstation_id__in=covered).exclude(inside).values("workstation_id")
        return self.filter(Q(pk__in=by_town.values("pk")) | (Q(pk__in=covered) & ~Q(pk__in=partly)))

    def through_villages(self, user, action: str = Action.VIEW) -> WorkstationQuerySet:
        """The stations `restrict` gives the user through their villages alone, their town outside the scope: a
        station account's own (the weekly board lists them below the towns).

        Asked from the user's villages, in two small reads: `restrict` less the towns, one query, made PostgreSQL
        scan a province's 41,000 stations for them (12–16 ms), and as a subquery the planner walked them all (0.3 s)."""
        inside = scope_q(user, "organization__path", action)
        through = Workstation.villages.through.objects
        links = through.filter(inside).exclude(scope_q(user, "workstation__town__path", action))
        ids = set(links.values_list("workstation_id", flat=True))
        if ids:  # less those with a village outside the scope
            ids -= set(through.filter(workstation_id__in=ids).exclude(inside).values_list("workstation_id", flat=True))
        return self.filter(pk__in=ids)


class Workstation(models.Model):
    """党建工作站: a working layer between a town committee and the 3–5 villages it covers [003].

    The people (chief, full-time and part-time staff) and the station's accounts are kept by the `stations` app,
    which also keeps `chief_name` and the two staff counts here in step with them: the town and county pages and
    the accountability of station chiefs read them from this row.
    """

    name = models.CharField("工作站名称", max_length=100)
    code = models.CharField("编码", max_length=40, unique=True)
    town = models.ForeignKey(
        Organization, verbose_name="所属乡镇党委", on_delete=models.PROTECT, related_name="workstations"
    )
    villages = models.ManyToManyField(Organization, verbose_name="覆盖村（社区）", related_name="stations", blank=True)
    chief_name = models.CharField("站长", max_length=50, blank=True)
    fulltime_staff = models.PositiveSmallIntegerField("专职工作人员数", default=1)
    parttime_staff = models.PositiveSmallIntegerField("兼职工作人员数", default=0)
    retired_on = models.DateField("撤销日期", null=True, blank=True)

    objects = WorkstationQuerySet.as_manager()
    scope_path_field = "town__path"

    class Meta:
        verbose_name = "党建工作站"
        verbose_name_plural = "党建工作站"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class OrgTally(models.Model):
    """A roll-up: one count of an organization's whole subtree (itself included), kept by the writes that change it
    (`orgs/tally.py`), so the figures of a scope are a read of its roots' rows. `key` names what is counted:
    "orgs", "kind:<kind>", "level:<level>", "domain:<domain>", "members", "members:probationary"…"""

    org = models.ForeignKey(Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="tallies")
    key = models.CharField("统计项", max_length=40)
    n = models.BigIntegerField("数量", default=0)

    class Meta:
        verbose_name = "组织汇总数"
        verbose_name_plural = "组织汇总数"
        constraints = [models.UniqueConstraint(fields=["org", "key"], name="orgtally_unique_org_key")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.key} {self.n}"
