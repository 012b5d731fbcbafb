"""P6: `dangjian gen` against the floor of COPYing the same rows into the same tables.

Usage:
    .venv/bin/python bench/bench_gen.py [--orgs 300000] [--members 5000000] [--server postgres://postgres@127.0.0.1:5432]

The script creates its own database (dj_bench_gen_<pid>) on the server and migrates it, then in one run measures
  gen:   the generator (`demo.synth.generate`: the tree planned, organizations and members made — names, ID numbers
         and phones encrypted with their keyed digests — and written by COPY, sequences reset, audited, ANALYZE);
  floor: the same rows, read back out of the tables as COPY text, COPYed into the same tables of a second database
         migrated alike (empty, with the same keys and indexes) in one transaction, then ANALYZE;
prints both and their ratio (target within 2×), and drops the databases. The difference is what generating the rows
costs in Python (mostly encrypting two values per member), not how they are written.

`--keep DB --data-dir DIR` generates into the database DB (which must not exist) with its keys in DIR and keeps it:
bench/run then reads the pages, search and workbench of that region instead of generating a second one.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=300_000)
    parser.add_argument("--members", type=int, default=5_000_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", metavar="DB", help="generate into the new database DB and keep it (bench/run)")
    parser.add_argument("--data-dir", help="the kept region's data folder (its keys); with --keep")
    args = parser.parse_args()
    if args.keep and not args.data_dir:
        parser.error("--keep needs --data-dir")

    import psycopg

    name = args.keep or f"dj_bench_gen_{os.getpid()}"
    floor_name = f"dj_bench_gen_floor_{os.getpid()}"
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    os.environ["DATABASE_URL"] = f"{args.server}/{name}"
    os.environ["DANGJIAN_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="dj-bench-gen-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    kept = False
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection, connections, transaction

        from dangjian.demo.synth import generate
        from dangjian.members.models import Member
        from dangjian.orgs.models import Organization

        call_command("migrate", verbosity=0)
        # The floor's database: a copy of the migrated one before any row is generated, so the same tables, keys
        # and indexes, empty.
        connections.close_all()
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {floor_name} TEMPLATE {name}")
        settings.DATABASES["floor"] = settings.DATABASES["default"] | {"NAME": floor_name}

        started = time.monotonic()
        generate(args.orgs, args.members, args.seed, lambda _msg: None)
        gen_s = time.monotonic() - started
        print(f"gen: {args.orgs:,} organizations, {args.members:,} members in {gen_s:.1f} s")

        tables = [Organization._meta.db_table, Member._meta.db_table]
        dumps: dict[str, io.BytesIO] = {}
        with connection.cursor() as cursor:
            for table in tables:
                dumps[table] = io.BytesIO()
                with cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
                    for block in copy:
                        dumps[table].write(block)
        size = sum(d.tell() for d in dumps.values())

        floor = connections["floor"]
        started = time.monotonic()
        with transaction.atomic(using="floor"), floor.cursor() as cursor:
            for table in tables:
                with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(dumps[table].getvalue())
        with floor.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
        floor_s = time.monotonic() - started
        print(f"floor (COPY of the same {size / 1e6:.0f} MB into the same tables + ANALYZE): {floor_s:.1f} s")
        print(f"P6 ratio gen/floor: {gen_s / floor_s:.2f}x (target within 2x)")
        connections.close_all()
        kept = bool(args.keep)
        if kept:
            print(f"region kept: {args.server}/{name} (data folder {args.data_dir})")
    finally:
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {floor_name} WITH (FORCE)")
            if not kept:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
