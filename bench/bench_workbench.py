"""Bench P3: the workbench (home page) and the dashboards against the current database, the first view after a write
included, as a user granted the root organization(s).

Usage (settings from the environment, as for `dangjian`):
    DATABASE_URL=... DANGJIAN_DATA_DIR=... .venv/bin/python bench/bench_workbench.py [--repeat 9]

Each page is requested through the whole Django stack with the test client (no network); the median is printed.
"After a write" times the page requested right after an audited write through the services (a new member in the
largest branch, which changes the roll-ups of every ancestor; a meeting recorded there, which changes its meeting
completion's; a problem recorded there; and, where bench/activity_for_gen.sql left this week's reports partly unsent,
a village report sent): the write itself is timed apart. Every dashboard shows meeting completion (read from the
roll-ups); the run prints the root's and the county's. The run also checks the roll-ups against a recount
(`members.rollups.differences`) unless --no-check. Everything the run writes is rolled back at the end.
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
    parser.add_argument("--explain", action="store_true", help="print each query of the root's dashboard with its plan")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from dangjian.accounts.security import set_password
    from dangjian.accounts.services import grant_org
    from dangjian.core.citizen_id import check_digit
    from dangjian.core.scope import Role
    from dangjian.members import rollups
    from dangjian.members.models import Member
    from dangjian.members.services import create_member
    from dangjian.orgs.choices import BRANCH_KINDS, OrgKind
    from dangjian.orgs.models import Organization
    from dangjian.partylife.choices import MeetingKind
    from dangjian.partylife.rollups import completion_of
    from dangjian.partylife.services import Presence, record_meeting
    from dangjian.problems.choices import LEVEL_ORDER
    from dangjian.problems.services import record_problem, responsible_for
    from dangjian.weekly import weeks
    from dangjian.weekly.models import VillageReport
    from dangjian.weekly.services import Answer, submit_village_report, village_items

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

        if args.explain:
            explain(client, f"/dashboards/{root.pk}/", connection)

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

        day = [0]

        def write_meeting() -> None:
            day[0] += 1
            record_meeting(
                actor=user,
                org=branch,
                kind=MeetingKind.THEME_DAY,
                date=timezone.localdate() - datetime.timedelta(days=day[0]),
                topic="基准测试主题党日",
                people=[Presence(m, True) for m in Member.objects.filter(org=branch)[:20]],
            )

        unsent = VillageReport.objects.filter(
            arrangement__week=weeks.this_week(), submitted_at__isnull=True
        ).select_related("arrangement", "village")
        reports = iter(list(unsent.order_by("pk")[: args.repeat]))

        def write_report() -> None:
            report = next(reports)
            answers = {item.pk: Answer("done") for item in village_items(report.arrangement)}
            submit_village_report(report.arrangement, report.village, answers, actor=user)

        # The lowest level that answers for the branch (a bureau's branch has no village above it).
        level = next(lv for lv in LEVEL_ORDER if responsible_for(branch, lv) is not None or lv == LEVEL_ORDER[-1])

        def write_problem() -> None:
            record_problem(
                branch,
                title="基准测试问题",
                category="other",
                level=level,
                owner_name="责任人",
                deadline=timezone.localdate() + datetime.timedelta(days=10),
                actor=user,
            )

        after = [
            ("workbench", "/", write, "a member created"),
            ("dashboard, root", f"/dashboards/{root.pk}/", write, "a member created"),
            ("dashboard, root", f"/dashboards/{root.pk}/", write_meeting, "a meeting recorded"),
            ("dashboard, a county", f"/dashboards/{county.pk}/", write_meeting, "a meeting recorded"),
            ("dashboard, root", f"/dashboards/{root.pk}/", write_problem, "a problem recorded"),
        ]
        if unsent.count() >= args.repeat:  # this week's reports (bench/activity_for_gen.sql) not all sent
            after.append(("dashboard, root", f"/dashboards/{root.pk}/", write_report, "a village report sent"))
        for label, url, writer, what in after:
            writes, views = [], []
            for _ in range(args.repeat):
                writes.append(timed(writer))
                views.append(timed(lambda url=url: check(client.get(url), url)))
            print(
                f"{label + ' after a write':<34} {statistics.median(views) * 1000:9.1f} ms   "
                f"(the write: {what}, {statistics.median(writes) * 1000:.1f} ms)"
            )
        today = timezone.localdate()
        for label, org in [("root", root), ("county", county)]:
            shown = completion_of([org.pk], today.year, today)[org.pk]
            print(f"meeting completion, {label}: {shown.units} branches, {shown.total.text} ({shown.rate}%)")
        if not args.no_check:
            drift = timed(lambda: print(f"roll-ups differing from a recount: {len(rollups.differences())}"))
            print(f"(recount in {drift:.1f} s)")
        transaction.set_rollback(True)


def explain(client, url: str, connection) -> None:
    """Each query the page asks, timed, with the plan's scans (EXPLAIN ANALYZE on PostgreSQL)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        check(client.get(url), url)
    prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    for n, query in enumerate(ctx.captured_queries, start=1):
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
        scans = [line.strip() for line in plan if "Scan" in line or "SCAN" in line or "SEARCH" in line]
        print(f"[{n}] {query['time']}s {sql[:160]}")
        for line in scans:
            print(f"      {line[:150]}")
        print(f"      {plan[-1][:150] if plan else ''}")


def check(response, url: str) -> None:
    if response.status_code != 200:
        sys.exit(f"{url}: HTTP {response.status_code}")


if __name__ == "__main__":
    main()
