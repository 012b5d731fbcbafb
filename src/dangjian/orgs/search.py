"""Organization search: code prefix or name infix, the first `limit` in tree order, each part from its own index.

One query with `code LIKE 'q%' OR name LIKE '%q%'` made PostgreSQL read the whole table (300,000 organizations:
98 ms, docs/performance.md). Asked apart, the code prefix is a range of the code's pattern index and the name infix
a lookup in the name's indexes (migration orgs/0003, PostgreSQL; core/textsearch.py); the first `limit` of the
union in tree order are the first `limit` of the two first-`limit` lists merged. The code prefix goes first: when it
alone fills the page, only names earlier in the tree than its last row can still enter, and the name query is
bounded by that path.
"""

from __future__ import annotations

from dangjian.core.textsearch import name_contains

from .models import Organization


def search(queryset, q: str, limit: int) -> list[Organization]:
    by_code = list(queryset.filter(code__startswith=q).order_by("path")[:limit])
    names = name_contains(queryset, q)
    if len(by_code) == limit:
        names = names.filter(path__lt=by_code[-1].path)
    found = {org.pk: org for org in [*by_code, *names.order_by("path")[:limit]]}
    return sorted(found.values(), key=lambda org: org.path)[:limit]
