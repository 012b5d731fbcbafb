"""Time the main pages against the current database, as a user granted the root organization(s).

Usage (settings from the environment, as for `dangjian`):
    DATABASE_URL=... DANGJIAN_DATA_DIR=... .venv/bin/python bench/bench_pages.py [--repeat 15]

Each page is requested through the whole Django stack with the test client (no network); the median
time is printed with its ratio to a floor measured in the same run (/ping/, the cheapest view). Everything
the run writes (the bench user, its grant and session) is rolled back at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="requests per page (default 15)")
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
    from dangjian.core.scope import Role
    from dangjian.members.models import Member
    from dangjian.orgs.choices import BRANCH_KINDS, OrgKind
    from dangjian.orgs.models import Organization

    with transaction.atomic():
        roots = list(Organization.objects.filter(parent__isnull=True))
        if not roots:
            sys.exit("数据库中没有组织。 No organizations in the database.")
        user = User.objects.create_user("bench_root_user")
        # Past its first login (its own password set), so no page is held back for a forced password change.
        set_password(user, "Bench-Root-2026-pages", actor=user, reason="基准测试账号")
        for root in roots:
            grant_org(user, root, Role.MANAGE)
        client = Client()
        client.force_login(user)

        root = roots[0]
        county = Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE).order_by("id").first() or root
        town = (
            Organization.objects.filter(kind=OrgKind.TOWN_COMMITTEE, path__startswith=county.path)
            .annotate(n=Count("children"))
            .order_by("-n")
            .first()
            or county
        )
        branch = (
            Member.objects.filter(org__kind__in=BRANCH_KINDS)
            .values("org")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        branch_id = branch["org"] if branch else town.pk
        members = Member.objects.count()
        deep_page = max(1, min(2_000, members // 50))

        pages = [
            ("floor: /ping/", "/ping/"),
            ("tree page", "/orgs/"),
            ("tree children JSON (root)", f"/orgs/{root.pk}/children/"),
            ("tree children JSON (town)", f"/orgs/{town.pk}/children/"),
            ("org detail (root)", f"/orgs/{root.pk}/"),
            ("org detail (town)", f"/orgs/{town.pk}/"),
            ("org detail (largest branch)", f"/orgs/{branch_id}/"),
            ("member list, page 1", "/members/"),
            (f"member list, page {deep_page}", f"/members/?page={deep_page}"),
            ("member list, one county", f"/members/?org={county.pk}"),
            ("org search by name", "/orgs/search/?q=%E9%9D%92%E6%9D%BE"),  # 青松
            ("home page counts", "/"),
            ("org search by code", f"/orgs/search/?q={town.code[:-1]}"),
        ]
        print(
            f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
            f"{Organization.objects.count()} orgs, {members} members; repeat {args.repeat}"
        )
        floor = None
        for label, url in pages:
            timings = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get(url)
                timings.append(time.perf_counter() - started)
                if response.status_code != 200:
                    sys.exit(f"{url}: HTTP {response.status_code}")
            median = statistics.median(timings)
            floor = floor or median
            print(f"{label:<32} {median * 1000:9.1f} ms  ×{median / floor:7.1f}   {url}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
