"""Time the dues roll-up page of a county, the arrears page, and the metric `dues_on_time` over a county and over
the whole region, on the demo (SQLite) and on a generated region (PostgreSQL) in the same run, with the ratios.

Usage:
    .venv/bin/python bench/bench_dues.py --demo /path/to/demo/data/dir \
        [--pg postgres://postgres@127.0.0.1:5432/dj_dues --pg-data /its/data/dir] [--reference] [--assess] [--repeat 3]

`--demo` is a data directory holding a built demo (`DANGJIAN_DATA_DIR=… dangjian demo --no-serve`); `--pg` a
database filled by `dangjian gen --orgs N --members M --dues` (a year of dues records). Each database is measured in
a process of its own (settings are read once), which prints one JSON line; this process prints the table.

Measured on each: the roll-up page and the arrears page of the county with the most members (GET through Django's
test client as a superuser created for the run and rolled back), `dues_on_time` over every organization of that
county and over every organization of the region (the assessment's cut-off: the year's end, or today). With
`--reference`, also the member-by-member computation (`dues.reference`) of the county's roll-up and metric, which
the set-based path replaced. With `--assess`, also an assessment of the region (on the demo the one it ships; on
PostgreSQL one opened for the run over every grassroots organization, its entries loaded as bench_assess.py does,
all rolled back): the cut-off snapshot (`services._take_facts`: every metric for every participant, per metric)
and the what-if page (`/assess/<id>/whatif/` with one indicator's weight changed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def logged_in(name: str):
    """A test client logged in as a user granted every root to manage, past its first login (its own password set,
    so no page is held back), as bench_pages.py makes it; inside the caller's transaction, rolled back."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from dangjian.accounts.security import set_password
    from dangjian.accounts.services import grant_org
    from dangjian.core.scope import Role
    from dangjian.orgs.models import Organization

    user = get_user_model().objects.create_user(name)
    set_password(user, "Bench-Dues-2026-pages", actor=user, reason="基准测试账号")
    for root in Organization.objects.filter(parent__isnull=True):
        grant_org(user, root, Role.MANAGE)
    client = Client()
    client.force_login(user)
    return client


def best(repeat: int, func) -> tuple[float, float]:
    """The fastest of `repeat` calls: wall time and this process's CPU time (on SQLite the database's work is in
    this process; on PostgreSQL it is the server's, so CPU time here is Python's share)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.monotonic(), time.process_time()
        func()
        walls.append(time.monotonic() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def put(out: dict, name: str, timing: tuple[float, float]) -> None:
    out[name], out[f"{name} (CPU here)"] = timing


def child(args) -> None:  # noqa: PLR0915 — one measurement after the other, in order
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    import django

    django.setup()
    import datetime
    from types import SimpleNamespace

    from django.db import transaction
    from django.utils import timezone

    from dangjian.dues import reference
    from dangjian.dues.metrics import dues_on_time
    from dangjian.dues.models import DuesPayment
    from dangjian.members.models import Member
    from dangjian.orgs.choices import Level
    from dangjian.orgs.models import Organization

    out: dict = {}
    today = timezone.localdate()
    last = DuesPayment.objects.order_by("-month").values_list("month", flat=True).first()
    year = last.year if last else today.year
    cutoff = min(datetime.date(year, 12, 31), today)
    counties = Organization.objects.filter(level=Level.COUNTY).order_by("path")[:50]
    sizes = {c: Member.objects.in_subtree(c).count() for c in counties}
    county = max(sizes, key=sizes.get)
    out |= {"year": year, "county": county.code, "county_members": sizes[county], "members": Member.objects.count()}
    out |= {"orgs": Organization.objects.count(), "payments": DuesPayment.objects.count()}
    out["county_payments"] = DuesPayment.objects.in_subtree(county).count()

    with transaction.atomic():
        client = logged_in("bench_dues")
        for name, url in [
            ("rollup page", f"/dues/rollup/?org_code={county.code}&year={year}"),
            ("arrears page", f"/dues/arrears/?org_code={county.code}"),
        ]:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            put(out, name, best(args.repeat, lambda url=url: client.get(url)))
        transaction.set_rollback(True)

    in_county = [SimpleNamespace(id=o.id, path=o.path) for o in Organization.objects.in_subtree(county).only("path")]
    region = [SimpleNamespace(id=o.id, path=o.path) for o in Organization.objects.only("path")]
    put(out, "metric, county", best(args.repeat, lambda: dues_on_time(in_county, cutoff, year)))
    once = 1 if out["orgs"] > 20_000 else args.repeat
    put(out, "metric, region", best(once, lambda: dues_on_time(region, cutoff, year)))
    if args.reference:
        members = Member.objects.in_subtree(county).select_related("org")
        put(out, "reference rollup, county", best(1, lambda: reference.rollup(county, members, year, today)))
        slow_metric = best(1, lambda: reference.participant_totals(in_county, county.path, cutoff, year))
        put(out, "reference metric, county", slow_metric)
        fast = dues_on_time(in_county, cutoff, year)
        slow = reference.participant_totals(in_county, county.path, cutoff, year)
        assert all(fast[p.id] == reference_share(slow[p.id]) for p in in_county), "the fast path disagrees"
    if args.assess:
        assess(args, out, cutoff)
    print(json.dumps(out, ensure_ascii=False))


def reference_share(totals):
    from dangjian.dues.metrics import share

    return share(totals)


def assess(args, out: dict, cutoff) -> None:
    """The cut-off snapshot and the what-if page of an assessment of the region (rolled back on PostgreSQL)."""
    import dataclasses
    import datetime

    from django.db import connection, transaction

    from dangjian.assess import services, whatif
    from dangjian.assess.metrics import METRICS
    from dangjian.assess.models import Assessment
    from dangjian.orgs.models import Organization

    sys.path.insert(0, str(HERE))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            from bench_assess import load_entries, scheme_text

            root = Organization.objects.get(parent__isnull=True)
            text = scheme_text().replace("metric: election_on_time}", "metric: dues_on_time}")
            scheme = services.save_scheme(actor=None, owner=root, text=text)
            started = time.monotonic()
            assessment = services.open_assessment(
                actor=None, scheme=scheme, root=root, cutoff=datetime.date(cutoff.year, 12, 31)
            )
            load_entries(assessment, 1)
            out["assessment opened + entries loaded"] = time.monotonic() - started
        else:
            assessment = Assessment.objects.order_by("-cutoff", "-pk").first()
        out["participants"] = assessment.participants.count()
        per: dict[str, float] = {}
        for key, metric in METRICS.items():

            def timed(*a, _f=metric.compute, _k=key, **k):
                started = time.monotonic()
                try:
                    return _f(*a, **k)
                finally:
                    per[_k] = per.get(_k, 0.0) + time.monotonic() - started

            METRICS[key] = dataclasses.replace(metric, compute=timed)
        started = time.monotonic()
        cpu = time.process_time()
        services._take_facts(assessment)
        put(out, "cut-off snapshot (take_facts)", (time.monotonic() - started, time.process_time() - cpu))
        out["take_facts per metric"] = {k: round(v, 3) for k, v in sorted(per.items(), key=lambda kv: -kv[1])}
        client = logged_in("bench_dues_assess")
        scheme = assessment.scheme.parsed()
        code = whatif.weighted_indicators(scheme)[0].code
        url = f"/assess/{assessment.pk}/whatif/?go=1&w-{code}=1"
        response = client.get(url)
        out["what-if status"] = response.status_code
        put(out, "what-if page", best(args.repeat, lambda: client.get(url)))
        transaction.set_rollback(True)


def parent(args) -> None:
    targets = [("demo (SQLite)", {"DANGJIAN_DATA_DIR": args.demo, "DATABASE_URL": ""})]
    if args.pg:
        targets.append(("region (PostgreSQL)", {"DATABASE_URL": args.pg, "DANGJIAN_DATA_DIR": args.pg_data}))
    flags = (
        [f"--repeat={args.repeat}"]
        + (["--reference"] if args.reference else [])
        + (["--assess"] if args.assess else [])
    )
    results = {}
    for label, env in targets:
        environ = {**os.environ, **env}
        if not environ.get("DATABASE_URL"):
            environ.pop("DATABASE_URL", None)
        done = subprocess.run(  # noqa: S603 — this very script, with our own flags
            [sys.executable, __file__, "--child", *flags], env=environ, capture_output=True, text=True, check=False
        )
        if done.returncode:
            sys.exit(f"{label} failed:\n{done.stderr[-4000:]}")
        results[label] = json.loads(done.stdout.strip().splitlines()[-1])
    labels = list(results)
    keys = [k for k in results[labels[0]] if k not in ("take_facts per metric",)]
    for key in keys:
        cells = [results[label].get(key, "") for label in labels]
        text = [f"{c:.3f} s" if isinstance(c, float) else f"{c:,}" if isinstance(c, int) else str(c) for c in cells]
        ratio = ""
        if len(cells) == 2 and all(isinstance(c, float) and c for c in cells):
            ratio = f"{cells[1] / cells[0]:.1f}x"
        print(f"{key:<40} " + " ".join(f"{t:>18}" for t in text) + f" {ratio:>8}")
    for label in labels:
        if "take_facts per metric" in results[label]:
            print(f"{label} take_facts per metric: {results[label]['take_facts per metric']}")
    print("columns: " + " | ".join(labels) + (" | ratio" if len(labels) == 2 else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", help="data directory of a built demo (SQLite)")
    parser.add_argument("--pg", help="DATABASE_URL of a region made by `dangjian gen … --dues`")
    parser.add_argument("--pg-data", help="its data directory (the field key `gen` used)", default="")
    parser.add_argument("--reference", action="store_true", help="also time the member-by-member computation")
    parser.add_argument("--assess", action="store_true", help="also time the cut-off snapshot and the what-if page")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
    elif not args.demo:
        parser.error("--demo is required")
    else:
        parent(args)


if __name__ == "__main__":
    main()
