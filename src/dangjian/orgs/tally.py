"""Roll-ups kept on write: per organization, the counts of its whole subtree (itself included), in `OrgTally` rows.

Why subtree totals and not each organization's own counts summed by path prefix: a scope's figures are then a read
of its roots' rows (a county: some twenty rows), the same at 300,000 organizations as on the demo, where a prefix
sum reads every organization of the subtree. The price is on the write: a change is added to the organization and
each of its ancestors (five or six rows, one `INSERT … ON CONFLICT DO UPDATE SET n = n + delta` statement), inside the
write's own transaction, after the audit chain's head, which every writer already takes in turn, so the roll-up adds
no new point of contention. Moving a subtree takes its root's row (its subtree's totals) from the old ancestors and
adds it to the new ones.

The writers: `orgs.services` (create, update of kind/level/domain, move, delete), `members.services` (create,
update, transfer, delete), the import's bulk path (`members.bulk`), and the generators (`demo`, `gen`), which
rebuild from a recount (`members.rollups.rebuild`). `dangjian rollups --check` compares the rows with a recount.

Apps above this one add counts of their own that hang on an organization's fields (meeting completion: a branch's
committee, 党小组 and establishment date decide what it must hold and what of its meetings counts). They hand this
module a provider (`register`, from their `AppConfig.ready()`): what each of some organizations adds on its own
(`own`) and the same for every organization (`own_all`, for the recount). The organization services ask `extra_before`
for the organizations a write may change (the organization and its parents) and `extra_after` applies the difference,
so those counts stay in the write's transaction like the tree's own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db import connection

from dangjian.core.bulk_insert import insert_rows

from .models import Organization, OrgTally

ORGS = "orgs"
MEMBERS = "members"


def ancestor_ids(path: str, *, include_self: bool = True) -> list[int]:
    ids = [int(part) for part in path.split(".") if part]
    return ids if include_self else ids[:-1]


def org_keys(kind: str, level: str, domain: str) -> Counter:
    """What one organization adds to its own subtree's counts."""
    keys = Counter({ORGS: 1, f"kind:{kind}": 1, f"level:{level}": 1})
    if domain:
        keys[f"domain:{domain}"] = 1
    return keys


def keys_of(org: Organization) -> Counter:
    return org_keys(org.kind, org.level, org.domain)


def negated(counts: Mapping[str, int]) -> Counter:
    return Counter({key: -n for key, n in counts.items()})


def difference(after: Mapping[str, int], before: Mapping[str, int]) -> Counter:
    out = Counter()
    for key in set(after) | set(before):
        out[key] = after.get(key, 0) - before.get(key, 0)
    return out


def spread(
    changes: Iterable[tuple[str, Mapping[str, int]]], *, include_self: bool = True
) -> dict[tuple[int, str], int]:
    """(path, counts) pairs → the change to each (organization, key) of those paths and their ancestors."""
    out: dict[tuple[int, str], int] = Counter()
    for path, counts in changes:
        ids = ancestor_ids(path, include_self=include_self)
        for key, n in counts.items():
            if n:
                for org_id in ids:
                    out[(org_id, key)] += n
    return {k: n for k, n in out.items() if n}


BATCH = 500


def add(changes: Mapping[tuple[int, str], int]) -> None:
    """Add each change to its row, made if missing, in a few statements (inside the caller's transaction)."""
    items = sorted(changes.items())  # one order for every writer: no deadlock between two writers' upserts
    table = connection.ops.quote_name(OrgTally._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(items), BATCH):
            chunk = items[start : start + BATCH]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params = [x for (org_id, key), n in chunk for x in (org_id, key, n)]
            # The table's name from the model, quoted; the values are parameters.
            sql = f"INSERT INTO {table} (org_id, key, n) VALUES {values} ON CONFLICT (org_id, key) DO UPDATE SET n = {table}.n + excluded.n"  # noqa: S608, E501
            cursor.execute(sql, params)


def apply(path: str, counts: Mapping[str, int], *, include_self: bool = True, sign: int = 1) -> None:
    """Add `counts` (times `sign`) to the organization at `path` (unless not `include_self`) and its ancestors."""
    changes = spread(
        [(path, counts if sign == 1 else Counter({k: sign * n for k, n in counts.items()}))], include_self=include_self
    )
    if changes:
        add(changes)


def apply_many(changes: Iterable[tuple[str, Mapping[str, int]]]) -> None:
    spread_changes = spread(changes)
    if spread_changes:
        add(spread_changes)


def subtree_counts(org: Organization) -> Counter:
    return Counter(dict(OrgTally.objects.filter(org=org).values_list("key", "n")))


def moved(org: Organization, old_path: str, new_path: str) -> None:
    """A subtree moved: its totals leave the old ancestors and join the new ones (its own rows do not change)."""
    counts = subtree_counts(org)
    changes = Counter(spread([(old_path, negated(counts))], include_self=False))
    changes.update(spread([(new_path, counts)], include_self=False))
    changes = {k: n for k, n in changes.items() if n}
    if changes:
        add(changes)


def totals(paths: list[str]) -> Counter:
    """The counts of the subtrees at `paths` (disjoint, as a scope's roots are): a read of their rows."""
    rows = OrgTally.objects.filter(org__path__in=paths).values_list("key", "n")
    out = Counter()
    for key, n in rows:
        out[key] += n
    return out


def totals_by_org(ids: list[int]) -> dict[int, Counter]:
    out: dict[int, Counter] = {pk: Counter() for pk in ids}
    for org_id, key, n in OrgTally.objects.filter(org_id__in=ids).values_list("org_id", "key", "n"):
        out[org_id][key] += n
    return out


def store(subtree: Mapping[int, Mapping[str, int]]) -> None:
    """Replace every row with `subtree` (organization → its subtree's counts), as a recount made them (on PostgreSQL
    by `COPY`: 300,000 organizations give some two million rows)."""
    OrgTally.objects.all().delete()
    rows = [(org_id, key, n) for org_id, counts in subtree.items() for key, n in counts.items() if n]
    insert_rows(OrgTally, ["org_id", "key", "n"], rows)


def stored() -> dict[int, Counter]:
    out: dict[int, Counter] = {}
    for org_id, key, n in OrgTally.objects.values_list("org_id", "key", "n").iterator(chunk_size=20000):
        if n:
            out.setdefault(org_id, Counter())[key] = n
    return out


def accumulate(own: Mapping[int, Mapping[str, int]], paths: Mapping[int, str]) -> dict[int, Counter]:
    """Each organization's own counts → its subtree's (its own plus every descendant's)."""
    out: dict[int, Counter] = {}
    for org_id, counts in own.items():
        path = paths.get(org_id)
        if path is None:
            continue
        for ancestor in ancestor_ids(path):
            target = out.setdefault(ancestor, Counter())
            for key, n in counts.items():
                target[key] += n
    return out


@dataclass(frozen=True)
class Provider:
    """Counts an app above keeps in these rows: `own(ids)` → organization → what it adds on its own (only the
    organizations that add something); `own_all()` the same for every organization."""

    name: str
    own: Callable[[list[int]], dict[int, Counter]]
    own_all: Callable[[], dict[int, Counter]]


PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    """Hand this module an app's counts (from the app's `ready()`; once per name)."""
    PROVIDERS[provider.name] = provider


def extra_own(ids: Iterable[int]) -> dict[int, Counter]:
    ids = sorted({pk for pk in ids if pk is not None})
    out: dict[int, Counter] = {pk: Counter() for pk in ids}
    for provider in PROVIDERS.values():
        for pk, counts in provider.own(ids).items():
            out[pk].update(counts)
    return out


def extra_all() -> dict[int, Counter]:
    out: dict[int, Counter] = {}
    for provider in PROVIDERS.values():
        for pk, counts in provider.own_all().items():
            out.setdefault(pk, Counter()).update(counts)
    return out


def extra_before(*orgs: Organization | None) -> dict[int, Counter]:
    """What the providers count on these organizations and their parents, before a write that may change it."""
    if not PROVIDERS:
        return {}
    ids = sorted({pk for org in orgs if org is not None for pk in (org.pk, org.parent_id) if pk is not None})
    # Their rows locked, in one order, so that a meeting written to one of them meanwhile counts in turn.
    list(Organization.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    return extra_own(ids)


def extra_after(before: dict[int, Counter]) -> None:
    """After the write: add the change of each organization's own counts to it and its ancestors, as they now stand
    (an organization deleted by the write gives its counts back to its ancestors)."""
    if not PROVIDERS:
        return
    after = extra_own(before)
    paths = dict(Organization.objects.filter(pk__in=list(before)).values_list("pk", "path"))
    changes = []
    for pk, was in before.items():
        diff = difference(after.get(pk, Counter()), was)
        if any(diff.values()) and pk in paths:
            changes.append((paths[pk], diff))
    apply_many(changes)
