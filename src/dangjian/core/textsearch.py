"""Infix search on a name (`name LIKE '%q%'`) that PostgreSQL answers from an index, whatever the length of q.

A trigram index (pg_trgm, migrations orgs/0003 and members/0007) serves a search of three characters or more, but a
Chinese search is often shorter: a two-character name (朱晶), a place (鹿鸣), a surname. Such a pattern has no
trigram, and PostgreSQL read the whole table (458 ms for a two-character member name at 1,000,000 members). So the
same migrations also index each name's single characters and pairs (`dangjian_short_grams(name)`, GIN), and the
search adds `dangjian_short_grams(name) @> <q's pairs>` (q itself for one character): true of every name that
contains q, so the `LIKE` still decides and the rows are the same. The pairs also give PostgreSQL a fair estimate of
how few rows a full name finds (its statistics count array elements), so it joins from those rows instead of walking
the list's order (a three-character member name: 135 ms → under 1 ms). The rows an index finds are checked
again by computing the function: cheap on a person's name of a few characters, 80 µs on an organization's name of
fifteen; so for long names the pairs are asked only of searches too short for the trigram index (`short_names`).
SQLite scans, fast at its sizes.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import F, Func, TextField

TRIGRAM = 3  # the shortest search the trigram index serves


def name_contains(queryset, q: str, field: str = "name", *, short_names: bool = False):
    """`queryset` filtered to rows whose `field` contains `q`, in a way an index serves on PostgreSQL.
    `short_names`: the field holds a few characters (a person's name), so the pairs are asked of every search."""
    queryset = queryset.filter(**{f"{field}__contains": q})
    if q and (short_names or len(q) < TRIGRAM) and connections[queryset.db].vendor == "postgresql":
        from django.contrib.postgres.fields import ArrayField  # psycopg's types: only where PostgreSQL is used

        grams = Func(F(field), function="dangjian_short_grams", output_field=ArrayField(TextField()))
        queryset = queryset.alias(_short_grams=grams).filter(_short_grams__contains=pairs(q))
    return queryset


def pairs(q: str) -> list[str]:
    """The grams every name containing `q` has: q's pairs of adjacent characters, or q itself when it has one."""
    if len(q) == 1:
        return [q]
    return sorted({q[k : k + 2] for k in range(len(q) - 1)})
