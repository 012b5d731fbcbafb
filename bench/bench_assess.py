"""Time a province-sized assessment run on PostgreSQL against the floor of streaming its inputs out of the database.

Usage:
    .venv/bin/python bench/bench_assess.py [--orgs 300000] [--server postgres://postgres@127.0.0.1:5432] [--profile]

The script creates its own database (dj_bench_assess_<pid>) on the server, migrates it, generates a region of
`--orgs` organizations (`dangjian gen`'s tree, no members), saves a scheme of 20 indicators per domain (14 given,
2 deduction, 2 yes/no, 2 derived), opens the assessment over every grassroots organization and loads one entry per
entered indicator with COPY; then in one run measures
  floor: PostgreSQL streaming the same inputs out (`COPY (SELECT … FROM assess_entry …) TO STDOUT` in the order the
         run reads them, plus the participants), read and discarded by psycopg;
  run:   `services.run_assessment` (entries, metrics and flags read, the engine, every result written, audit);
prints both, their ratio and the peak memory; then P1′, the run against the floor of reading its inputs **plus**
writing its results: the results the run wrote, taken out as COPY text (untimed), COPYed into an empty table of the
same shape, keys and indexes (`CREATE TABLE … (LIKE assess_result INCLUDING ALL)` and the same foreign keys,
deferred like Django's) in one transaction; and drops the database.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import resource
import sys
import tempfile
import time

DOMAINS = ["农村", "社区", "机关", "事业单位", "国有企业", "非公企业及社会组织"]
GIVEN = [f"G{i:02d}" for i in range(1, 15)]
DEDUCTION = ["D01", "D02"]
YESNO = ["Y01", "Y02"]
DERIVED = [("S01", "secretary_in_post"), ("S02", "election_on_time")]


def scheme_text() -> str:
    """20 indicators of 5 points each per domain: 100 base points, mostly given by raters."""
    lines = ["    indicators:"]
    lines += [f"      - {{code: {c}, name: 评分项{c}, points: 5, method: given, problem: rules}}" for c in GIVEN]
    lines += [f"      - {{code: {c}, name: 扣分项{c}, points: 5, method: deduction, per: 1}}" for c in DEDUCTION]
    lines += [f"      - {{code: {c}, name: 是否项{c}, points: 5, method: yesno}}" for c in YESNO]
    lines += [f"      - {{code: {c}, name: 系统项{c}, points: 5, method: derived, metric: {m}}}" for c, m in DERIVED]
    category = "\n".join(["  all: &all", "    name: 综合", *lines])
    groups = "\n".join(f"  - domain: {d}\n    categories: [*all]" for d in DOMAINS)
    floors = ", ".join(f"{d}: 5%" for d in DOMAINS)
    return (
        f"year: 2026\nname: 全省2026年度基层党组织建设考核方案（基准测试）\ntotal: 100\n"
        f"weak_floors: {{{floors}}}\ncommon:\n{category}\ngroups:\n{groups}\n"
    )


def load_entries(assessment, seed: int) -> int:
    """One entry per entered indicator of every participant, written with COPY in chunks (bounded memory)."""
    from django.db import connection

    from dangjian.assess.models import Entry, Participant

    rng = random.Random(seed)
    now = datetime.datetime.now(datetime.UTC).isoformat()
    ids = list(Participant.objects.filter(assessment=assessment).values_list("id", flat=True))
    columns = "participant_id, indicator, points, count, flag, note, entered_at"
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 20_000):
            buf = io.StringIO()
            for pid in ids[start : start + 20_000]:
                for code in GIVEN:
                    buf.write(f"{pid}\t{code}\t{rng.randint(250, 500) / 100:.2f}\t\\N\t\\N\t\t{now}\n")
                for code in DEDUCTION:
                    buf.write(f"{pid}\t{code}\t\\N\t{rng.choice((0, 0, 0, 1, 2))}\t\\N\t\t{now}\n")
                for code in YESNO:
                    buf.write(f"{pid}\t{code}\t\\N\t\\N\t{'t' if rng.random() < 0.9 else 'f'}\t\t{now}\n")
                written += len(GIVEN) + len(DEDUCTION) + len(YESNO)
            with cursor.cursor.copy(f"COPY {Entry._meta.db_table} ({columns}) FROM STDIN") as copy:
                copy.write(buf.getvalue())
        cursor.execute(f"ANALYZE {Entry._meta.db_table}")
        cursor.execute(f"ANALYZE {Participant._meta.db_table}")
    return written


def floor(assessment_id: int) -> tuple[float, int]:
    """Stream the run's inputs out: entries in the order the run reads them, and the participants."""
    from django.db import connection

    queries = [
        "SELECT e.participant_id, e.indicator, e.points, e.count, e.flag FROM assess_entry e"
        " JOIN assess_participant p ON p.id = e.participant_id"
        " WHERE p.assessment_id = %s ORDER BY e.participant_id, e.indicator, e.entered_at, e.id",
        "SELECT * FROM assess_participant WHERE assessment_id = %s ORDER BY path",
    ]
    size = 0
    started = time.monotonic()
    with connection.cursor() as cursor:
        for sql in queries:
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", [assessment_id]) as copy:
                for block in copy:
                    size += len(block)
    return time.monotonic() - started, size


def write_floor(assessment_id: int) -> tuple[float, int]:
    """COPY the run's results into a table shaped like assess_result (keys, indexes, deferred foreign keys)."""
    from django.db import connection, transaction

    from dangjian.assess.models import Result

    table = Result._meta.db_table
    dump = io.BytesIO()
    with connection.cursor() as cursor:
        # The table name is the model's own; the assessment id is a parameter.
        sql = f"SELECT r.* FROM {table} r JOIN assess_participant p ON p.id = r.participant_id"  # noqa: S608
        sql += " WHERE p.assessment_id = %s"
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", [assessment_id]) as copy:
            for block in copy:
                dump.write(block)
        cursor.execute(f"CREATE TABLE bench_result_floor (LIKE {table} INCLUDING ALL)")
        for field in Result._meta.concrete_fields:
            if field.remote_field is not None:
                target = field.remote_field.model._meta.db_table
                cursor.execute(
                    f"ALTER TABLE bench_result_floor ADD FOREIGN KEY ({field.column}) REFERENCES {target} (id)"
                    " DEFERRABLE INITIALLY DEFERRED"
                )
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy("COPY bench_result_floor FROM STDIN") as copy:
            copy.write(dump.getvalue())
    return time.monotonic() - started, dump.tell()


def timed(spent: dict[str, float], module, name: str) -> None:
    """Wrap `module.name` so the time spent in it adds up in `spent[name]` (for the breakdown)."""
    func = getattr(module, name)

    def wrapper(*args, **kwargs):
        started = time.monotonic()
        try:
            return func(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.monotonic() - started

    setattr(module, name, wrapper)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=300_000, help="organizations in the region (default 300,000)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--profile", action="store_true", help="print where the run spends its time")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import psycopg

    name = f"dj_bench_assess_{os.getpid()}"
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    os.environ["DATABASE_URL"] = f"{args.server}/{name}"
    os.environ["DANGJIAN_DATA_DIR"] = tempfile.mkdtemp(prefix="dj-bench-assess-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from dangjian.assess import services
        from dangjian.assess.models import Result
        from dangjian.demo.synth import generate
        from dangjian.orgs.models import Organization

        call_command("migrate", verbosity=0)
        t = time.monotonic()
        generate(args.orgs, 0, args.seed, lambda _msg: None)
        root = Organization.objects.get(parent__isnull=True)
        scheme = services.save_scheme(actor=None, owner=root, text=scheme_text())
        assessment = services.open_assessment(actor=None, scheme=scheme, root=root, cutoff=datetime.date(2026, 12, 31))
        participants = assessment.participants.count()
        entries = load_entries(assessment, args.seed)
        print(
            f"region: {Organization.objects.count():,} organizations, {participants:,} assessed, "
            f"{entries:,} entries; prepared in {time.monotonic() - t:.0f} s"
        )

        floor_s, size = floor(assessment.pk)
        print(f"floor (COPY entries + participants TO STDOUT): {floor_s:.2f} s, {size / 1e6:.0f} MB")
        spent: dict[str, float] = {}
        from dangjian.assess import engine

        for module, func in [(engine, "run_rows"), (services, "_values"), (services, "insert_rows")]:
            timed(spent, module, func)
        timed(spent, services, "record_flags")
        timed(spent, services, "_participants")
        from django.db import connections

        timed(spent, type(connections["default"]), "commit")
        before = rss_mb()
        t = time.monotonic()
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            outcome = profiler.runcall(services.run_assessment, assessment, actor=None)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        else:
            outcome = services.run_assessment(assessment, actor=None)
        run_s = time.monotonic() - t
        stored = Result.objects.filter(participant__assessment=assessment).count()
        if stored != participants:
            sys.exit(f"results written: {stored}, expected {participants}")
        weak = sum(1 for r in outcome.results if r.weak)
        print(f"run (compute + results written): {run_s:.2f} s, {stored:,} results, {weak:,} weak")
        print(f"ratio run/floor: {run_s / floor_s:.1f}x (target within 2x)")
        write_s, written = write_floor(assessment.pk)
        print(f"floor′ (inputs read + {written / 1e6:.0f} MB of results COPYed in): {floor_s + write_s:.2f} s")
        print(f"P1′ ratio run/floor′: {run_s / (floor_s + write_s):.2f}x (target within 1.5x)")
        parts = {"engine.run_rows": spent["run_rows"], "_values (entries, metrics, surveys)": spent["_values"]}
        parts |= {"record_flags": spent["record_flags"], "results written (insert_rows)": spent["insert_rows"]}
        parts |= {"participants read": spent["_participants"], "commit (deferred key checks)": spent["commit"]}
        parts["the rest (organizations laid out, delete, audit, memory freed)"] = run_s - sum(parts.values())
        for label, seconds in parts.items():
            print(f"  {label:<56} {seconds:6.2f} s")
        print(f"memory (max RSS): {before:.0f} MB before the run, {rss_mb():.0f} MB peak")
        connection.close()
    finally:
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
