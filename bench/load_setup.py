"""Accounts and a few records for the load test (`bench/load.py`), in a database loaded by `dangjian gen`.

Usage (settings from the environment, as for `dangjian`):
    DATABASE_URL=... DANGJIAN_DATA_DIR=... .venv/bin/python bench/load_setup.py OUT.json

Picks the first county of the generated region, its largest town, four of that town's village branches, and makes:
a workstation covering those villages (or takes the one that covers the first already, as in a province given its
activity by bench/activity_for_gen.sql); four accounts opened like the demo's (no forced change, no second factor),
one per persona — load_county (编辑 on the county), load_town (编辑 on the town), load_station (the station's account:
its villages), load_branch (编辑 on one village branch); an open rectification case and 100 problems in the town, so
the case and problem pages have something to show. Writes the personas' names, password and the ids the load test
asks for into OUT.json. Run it again to start over: the earlier load accounts, station and problems go first
(the case is kept).
"""

from __future__ import annotations

import json
import os
import sys

PASSWORD = "Load-Test-2026"  # noqa: S105 - the load accounts exist only in a bench database
PROBLEMS = 100


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone

    from dangjian.accounts.security import mark_demo_account, set_password
    from dangjian.accounts.services import grant_org
    from dangjian.core.scope import Role
    from dangjian.orgs.choices import Domain, OrgKind
    from dangjian.orgs.models import Organization, Workstation
    from dangjian.problems.models import Problem
    from dangjian.problems.services import record_problem
    from dangjian.rectify.models import Case
    from dangjian.rectify.services import open_case
    from dangjian.stations.models import StationAccount
    from dangjian.stations.services import bind_account, create_station

    county = Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE).order_by("id").first()
    if county is None:
        sys.exit("数据库中没有县级组织：先运行 dangjian gen。 No county: load the region with `dangjian gen` first.")
    town = (
        Organization.objects.filter(kind=OrgKind.TOWN_COMMITTEE)
        .in_subtree(county)
        .annotate(n=Count("children"))
        .order_by("-n", "id")
        .first()
    )
    villages = list(
        Organization.objects.filter(parent=town, kind=OrgKind.BRANCH, domain=Domain.VILLAGE).order_by("id")[:4]
    )
    with transaction.atomic():
        User.objects.filter(username__startswith="load_").delete()
        StationAccount.objects.filter(station__code="LOAD-ST").delete()
        Workstation.objects.filter(code="LOAD-ST").delete()
        Problem.objects.filter(source_ref="负载测试").delete()

        def account(name: str) -> User:
            user = User.objects.create_user(name)
            set_password(user, PASSWORD, actor=None, reason="负载测试账号")
            mark_demo_account(user)
            return user

        grant_org(account("load_county"), county, Role.EDIT)
        grant_org(account("load_town"), town, Role.EDIT)
        grant_org(account("load_branch"), villages[0], Role.EDIT)
        # A province given its activity (bench/activity_for_gen.sql) has stations already: the station persona is
        # then the account of the one covering the first village, with that station's villages.
        station = Workstation.objects.active().filter(town=town, villages=villages[0]).first()
        if station is None:
            station = create_station(actor=None, town=town, name="负载测试工作站", code="LOAD-ST", villages=villages)
        else:
            villages = list(station.villages.order_by("id")) + [v for v in villages if v not in station.villages.all()]
        bind_account(station, account("load_station"), actor=None)
        year = timezone.localdate().year
        case = Case.objects.filter(org=villages[1], year=year).first() or open_case(
            villages[1], year=year, source="manual", actor=None, reasons=["班子软弱"], note="负载测试"
        )
        # The mix's notes on a problem are spread over these, so a problem's page shows what a real one gathers
        # (a ten-minute run writes some 1,100 notes: a dozen each, not all of them on one page).
        problems = [
            record_problem(
                villages[2],
                title=f"村部活动室屋顶漏雨（{n}）",
                category="infrastructure",
                level="station_village",
                owner_name="负载测试",
                deadline=timezone.localdate().replace(month=12, day=31),
                source_ref="负载测试",
                actor=None,
            )
            for n in range(1, PROBLEMS + 1)
        ]
    out = {
        "password": PASSWORD,
        "county": {"id": county.pk, "code": county.code, "name": county.name},
        "town": {"id": town.pk, "code": town.code, "name": town.name},
        "branch": {"id": villages[0].pk, "code": villages[0].code},
        "station": station.pk,
        "case": case.pk,
        "problems": [problem.pk for problem in problems],
        "search": [county.name[:3], town.name[-4:-2], villages[0].code[:6]],
    }
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
