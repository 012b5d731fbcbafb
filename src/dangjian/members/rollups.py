"""The members' part of the roll-ups (`orgs.tally`): what a member adds to the counts of its organization's subtree,
and the recount that rebuilds or checks every row (organizations and members together, so it sits here, above both).
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from dangjian.orgs import tally
from dangjian.orgs.models import Organization

from .choices import MemberStatus
from .models import Member

PROBATIONARY = "members:probationary"
MOBILE = "members:mobile"
UNTRANSFERRED = "members:untransferred"


def member_keys(status: str, is_mobile: bool, is_untransferred: bool) -> Counter:
    keys = Counter({tally.MEMBERS: 1})
    if status == MemberStatus.PROBATIONARY:
        keys[PROBATIONARY] = 1
    if is_mobile:
        keys[MOBILE] = 1
    if is_untransferred:
        keys[UNTRANSFERRED] = 1
    return keys


def keys_of(member: Member) -> Counter:
    return member_keys(member.status, member.is_mobile, member.is_untransferred)


def as_stored(pk: int) -> tuple[str, Counter]:
    """Where the member is counted and for what, as its row stands (a caller's object may hold older values)."""
    rows = Member.objects.filter(pk=pk).values_list("org__path", "status", "is_mobile", "is_untransferred")
    path, *state = rows.get()
    return path, member_keys(*state)


def recount() -> dict[int, Counter]:
    """Every organization's subtree counts, counted again from the register (two grouped reads) and from what the
    apps above count (`tally.PROVIDERS`)."""
    own: dict[int, Counter] = {}
    paths: dict[int, str] = {}
    orgs = Organization.objects.order_by().values_list("id", "path", "kind", "level", "domain")
    for org_id, path, kind, level, domain in orgs.iterator(chunk_size=20000):
        paths[org_id] = path
        own[org_id] = tally.org_keys(kind, level, domain)
    rows = (
        Member.objects.order_by()
        .values_list("org_id", "status", "is_mobile", "is_untransferred")
        .annotate(n=Count("id"))
    )
    for org_id, status, mobile, untransferred, n in rows.iterator(chunk_size=20000):
        counts = own.setdefault(org_id, Counter())
        for key, one in member_keys(status, mobile, untransferred).items():
            counts[key] += one * n
    for org_id, counts in tally.extra_all().items():  # what the apps above count (meeting completion)
        own.setdefault(org_id, Counter()).update(counts)
    return tally.accumulate(own, paths)


def rebuild() -> int:
    """Replace every roll-up row with a recount (the generators, after writing rows in bulk); the rows written."""
    counts = recount()
    tally.store(counts)
    return sum(1 for c in counts.values() for n in c.values() if n)


def differences() -> list[tuple[int, str, int, int]]:
    """(organization, key, stored, counted) for every roll-up that differs from a recount; [] when they agree."""
    counted = recount()
    stored = tally.stored()
    out = []
    for org_id in sorted(set(counted) | set(stored)):
        want, have = counted.get(org_id, Counter()), stored.get(org_id, Counter())
        for key in sorted(set(want) | set(have)):
            if want.get(key, 0) != have.get(key, 0):
                out.append((org_id, key, have.get(key, 0), want.get(key, 0)))
    return out
