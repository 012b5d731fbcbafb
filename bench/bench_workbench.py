"""Bench P3: the workbench (home page) and the dashboards against the current database, the first view after a write
included, as a user granted the root organization(s).

Usage (settings from the environment, as for `dangjian`):
    DATABASE_URL=... DANGJIAN_DATA_DIR=... .venv/bin/python bench/bench_workbench.py [--repeat 9]

Each page is requested through the whole Django stack with the test client (no network); the median is printed.
"After a write" times the page requested right after an audited write through the services (a new member in the
largest branch, which changes the roll-ups of every ancestor): the write itself is timed apart. The run also checks
the roll-ups against a recount (`members.rollups.differences`) unless --no-check. Everything the run writes is rolled
back at the end.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9, help="requests per page (default 9)")
    parser.add_argument("--no-check", action="store_true", help="skip the recount of the roll-ups")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client

    from dangjian.accounts.security import set_password
    from dangjian.accounts.services import grant_org
    from dangjian.core.citizen_id import check_digit
    from dangjian.core.scope import Role
    from dangjian.members import rollups
    from dangjian.members.models import Member
    from dangjian.members.services import create_member
    from dangjian.orgs.choices import BRANCH_KINDS, OrgKind
    from dangjian.orgs.models import Organization

    def timed(call) -> float:
        started = time.perf_counter()
        call()
        return time.perf_counter() - started

    with transaction.atomic():
        roots = list(Organization.objects.filter(parent__isnull=True))
        if not roots:
            sys.exit("数据库中没有组织。 No organizations in the database.")
        user = User.objects.create_user("bench_workbench_user")
        set_password(user, "Bench-Root-2026-workbench", actor=user, reason="基准测试账号")
        for root in roots:
            grant_org(user, root, Role.MANAGE)
        client = Client()
        client.force_login(user)
        root = roots[0]
        county = Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE).order_by("id").first() or root
        town = Organization.objects.filter(kind=OrgKind.TOWN_COMMITTEE).order_by("id").first() or county
        largest = (
            Member.objects.filter(org__kind__in=BRANCH_KINDS)
            .values("org")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        branch = Organization.objects.get(pk=largest["org"]) if largest else town
        print(
            f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
            f"{Organization.objects.count()} orgs, {Member.objects.count()} members; repeat {args.repeat}"
        )
        pages = [
            ("floor: /ping/", "/ping/"),
            ("workbench (home page)", "/"),
            ("dashboard, root", f"/dashboards/{root.pk}/"),
            ("dashboard, a county", f"/dashboards/{county.pk}/"),
            ("dashboard, a town", f"/dashboards/{town.pk}/"),
        ]
        for label, url in pages:
            client.get(url)  # warm: the session, the scope cache
            times = []
            for _ in range(args.repeat):
                times.append(timed(lambda url=url: check(client.get(url), url)))
            print(f"{label:<34} {statistics.median(times) * 1000:9.1f} ms   {url}")

        seq = [0]

        def write() -> None:
            seq[0] += 1
            body = f"990101{datetime.date(1980, 1, 1):%Y%m%d}{seq[0]:03d}"
            create_member(
                actor=user,
                org=branch,
                name=f"基准党员{seq[0]}",
                gender="male",
                birth_date=datetime.date(1980, 1, 1),
                join_date=datetime.date(2005, 7, 1),
                id_number=body + check_digit(body),
            )

        for label, url in [("workbench", "/"), ("dashboard, root", f"/dashboards/{root.pk}/")]:
            writes, views = [], []
            for _ in range(args.repeat):
                writes.append(timed(write))
                views.append(timed(lambda url=url: check(client.get(url), url)))
            print(
                f"{label + ' after a write':<34} {statistics.median(views) * 1000:9.1f} ms   "
                f"(the write: a member created, {statistics.median(writes) * 1000:.1f} ms)"
            )
        if not args.no_check:
            drift = timed(lambda: print(f"roll-ups differing from a recount: {len(rollups.differences())}"))
            print(f"(recount in {drift:.1f} s)")
        transaction.set_rollback(True)


def check(response, url: str) -> None:
    if response.status_code != 200:
        sys.exit(f"{url}: HTTP {response.status_code}")


if __name__ == "__main__":
    main()
