"""A post holder's duties in a year, as the 述职评议 shows them beside the report: each duty with its tasks due
and done, and the undone ones named. Read by the responsibility pages and by the assessment's review page."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from dangjian.orgs.models import Organization

from .choices import SECRETARY_POSTS, TaskStatus
from .models import DutyItem, DutyTask


@dataclass
class HolderDuties:
    name: str = ""
    post: str = ""
    done: list = field(default_factory=list)  # tasks done
    undone: list = field(default_factory=list)  # tasks due and not done
    later: int = 0  # tasks not yet due

    @property
    def due(self) -> int:
        return len(self.done) + len(self.undone)


def holder_duties(org: Organization, holder_key: str, year: int) -> HolderDuties | None:
    items = list(DutyItem.objects.filter(org=org, holder_key=holder_key).order_by("post", "id"))
    if not items:
        return None
    today = timezone.localdate()
    out = HolderDuties(name=items[0].holder_name, post=items[0].get_post_display())
    tasks = DutyTask.objects.filter(item__in=items, year=year).select_related("item").order_by("due_on", "id")
    for t in tasks:
        if t.status == TaskStatus.DONE:
            out.done.append(t)
        elif t.due_on < today:
            out.undone.append(t)
        else:
            out.later += 1
    return out


def secretary_key(org: Organization) -> str | None:
    """The holder key of the organization's secretary (党委书记 or 支部书记; a 党组书记 reports to the level
    above the agency, not in the committee's review), if duties were assigned to one."""
    return (
        DutyItem.objects.filter(org=org, post__in=SECRETARY_POSTS)
        .exclude(post=SECRETARY_POSTS[0])
        .order_by("-active", "id")
        .values_list("holder_key", flat=True)
        .first()
    )


def secretary_duties(org: Organization, year: int) -> HolderDuties | None:
    key = secretary_key(org)
    return holder_duties(org, key, year) if key else None
