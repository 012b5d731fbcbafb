"""Time organization search (by code, by name) and member search (by name) against the current database, as a
user granted the root organization(s), with the /ping/ floor of the same run.

Usage (settings from the environment, as for `dangjian`):
    DATABASE_URL=... DANGJIAN_DATA_DIR=... .venv/bin/python bench/bench_search.py [--repeat 15] [--explain]

Run it on the demo and on a province (`dangjian gen --orgs 300000 --members N`, see docs/performance.md) and
compare the times: the target is the province within 1.5× of the demo. The search terms are taken from the data
(a town's code less its last character, as bench_pages.py does; a village's name of three characters and one of
two; a member's full name of three characters and one of two; 党支部 and the most common surname, which fill a page
of 50 on the demo as on a province), so both databases are asked alike. `--explain`
prints PostgreSQL's plan of each search's main query. Everything the run writes is rolled back.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from urllib.parse import quote


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="requests per search (default 15)")
    parser.add_argument("--explain", action="store_true", help="print the query plans (PostgreSQL)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.db.models import Count
    from django.db.models.functions import Left, Length
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dangjian.accounts.security import set_password
    from dangjian.accounts.services import grant_org
    from dangjian.core.scope import Role
    from dangjian.members.models import Member
    from dangjian.orgs.choices import OrgKind
    from dangjian.orgs.models import Organization

    with transaction.atomic():
        roots = list(Organization.objects.filter(parent__isnull=True))
        if not roots:
            sys.exit("数据库中没有组织。 No organizations in the database.")
        user = User.objects.create_user("bench_search_user")
        # A password set by the user, or the session policy would hold every page at the password change.
        # Random, with the three kinds of character the password rules ask for (urlsafe tokens may lack one).
        set_password(user, f"Bb7-{secrets.token_urlsafe(16)}", actor=user, reason="基准测试账号")
        for root in roots:
            grant_org(user, root, Role.READ)  # reading is all search needs (and asks no second factor)
        client = Client()
        client.force_login(user)

        town = Organization.objects.filter(kind=OrgKind.TOWN_COMMITTEE).order_by("id").first() or roots[0]
        branch = Organization.objects.filter(kind=OrgKind.BRANCH).order_by("-id").first() or town
        three = Member.objects.annotate(n=Length("name")).filter(n=3).order_by("-id").first()
        two = Member.objects.annotate(n=Length("name")).filter(n=2).order_by("-id").first()
        village_name = branch.name.replace("党支部", "")[-3:]  # e.g. 金星村
        searches = [
            ("floor: /ping/", "/ping/"),
            ("org search by code", f"/orgs/search/?q={quote(town.code[:-1])}"),
            ("org search by code, exact", f"/orgs/search/?q={quote(branch.code)}"),
            ("org search by name (3 chars)", f"/orgs/search/?q={quote(village_name)}"),
            ("org search by name (2 chars)", f"/orgs/search/?q={quote(village_name[:2])}"),
            ("org search by name, JSON", f"/orgs/search/?q={quote(village_name)}&format=json"),
        ]
        if three:
            searches.append(("member search (3-char name)", f"/members/?q={quote(three.name)}"))
        if two:
            searches.append(("member search (2-char name)", f"/members/?q={quote(two.name)}"))
        # Terms that fill a page of 50 on any database (党支部 is in every branch's name; the most common surname
        # has more than 50 members in the demo too): the same rows to draw, so the sizes compare alike.
        searches.append(("org search by name, a full page", f"/orgs/search/?q={quote('党支部')}"))
        surname = (
            Member.objects.annotate(first=Left("name", 1))
            .values("first")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("first", flat=True)
            .first()
        )
        if surname:
            searches.append(("member search, a full page (surname)", f"/members/?q={quote(surname)}"))
        print(
            f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
            f"{Organization.objects.count():,} orgs, {Member.objects.count():,} members; repeat {args.repeat}"
        )
        floor = None
        for label, url in searches:
            timings = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get(url)
                timings.append(time.perf_counter() - started)
                if response.status_code != 200:
                    sys.exit(f"{url}: HTTP {response.status_code}")
            median = statistics.median(timings)
            floor = floor or median
            print(f"{label:<38} {median * 1000:9.1f} ms  ×{median / floor:7.1f}   {url}")
            if args.explain and connection.vendor == "postgresql" and url != "/ping/":
                explain(client, url, connection, CaptureQueriesContext)
        transaction.set_rollback(True)


def explain(client, url, connection, capture) -> None:
    """EXPLAIN ANALYZE of the slowest query the page ran (the search itself)."""
    with capture(connection) as captured:
        client.get(url)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + slowest["sql"])
        for (line,) in cursor.fetchall():
            print(f"        {line}")


if __name__ == "__main__":
    main()
