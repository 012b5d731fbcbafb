"""Time importing a 100,000-row member file on PostgreSQL against the floor of reading it and loading it with COPY.

Usage:
    .venv/bin/python bench/bench_import.py [--rows 100000] [--server postgres://postgres@127.0.0.1:5432]
    .venv/bin/python bench/bench_import.py --devices default,one-reader,cycle-collector --rounds 3
    .venv/bin/python bench/bench_import.py --threshold 100,300,1000,3000

The script creates its own database (dj_bench_import_<pid>) on the server, migrates it, generates a small region
(`dangjian gen`'s tree), writes an .xlsx of `--rows` members under a title row, then in one run measures
  floor:  python-calamine reading every row + PostgreSQL COPY of the same cells into a plain text table;
  import: `run_import("members", file, None)` (validation, lookups, encryption, bulk writes, audit chain);
prints both, their ratio, where the time goes, the CPU time of each process (the importer, its workbook and reader
processes, the database server's), the peak memory, checks the audit chain, and drops the database and its files.
`--profile` prints the import's profile (sorted by cumulative time; BENCH_SORT=tottime for own time).

`--devices` measures speed devices of the fast path (`sheets.fast`) instead: each variant imports the file afresh
(the register emptied before), with a floor measured just before it, `--rounds` times in turn, and prints each
run's ratio and CPU seconds (importer, readers, database server): `default`; `one-reader` (one reader process
instead of two); `cycle-collector` (the collector not paused). `--threshold` times the plain importer
(`sheets.import_members`, member services row by row) against the fast path on files of the given sizes, to place
`imports.FAST_FROM`.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

HEADERS = [
    "所在党组织编码",
    "姓名",
    "性别",
    "公民身份号码",
    "出生日期",
    "民族",
    "学历",
    "联系电话",
    "党员状态",
    "入党日期",
    "转正日期",
    "流动党员",
    "离退休",
    "工作岗位",
]


def write_file(path: Path, rows: int, codes: list[str]) -> None:
    import openpyxl

    from dangjian.demo.identity import id_number, phone_number

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("党员")
    sheet.append(["党员信息导入表"])
    sheet.append(HEADERS)
    for i in range(rows):
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=(i * 37) % 18_000)
        area = f"98{i % 10_000:04d}"
        male = i % 3 != 0
        seq = 2 * (i // 10_000) + (1 if male else 2)
        joined = birth + datetime.timedelta(days=365 * 25)
        sheet.append(
            [
                codes[i % len(codes)],
                f"党员{i}",
                "男" if male else "女",
                id_number(area, birth, seq),
                birth,
                "汉族",
                "大学本科",
                phone_number(i),
                "正式党员",
                joined,
                joined + datetime.timedelta(days=365),
                "否",
                "否",
                "职员",
            ]
        )
    book.save(path)


def floor(path: Path) -> float:
    """Read with calamine and COPY the cells as text: the least any import of this file could cost."""
    from django.db import connection
    from python_calamine import CalamineWorkbook

    started = time.monotonic()
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    with connection.cursor() as cursor:
        cols = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
        cursor.execute(f"CREATE TABLE bench_floor ({cols})")
        with cursor.cursor.copy("COPY bench_floor FROM STDIN") as copy:
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                if number > 2:
                    copy.write_row([str(c) for c in cells])
        cursor.execute("DROP TABLE bench_floor")
    return time.monotonic() - started


def timed(spent: dict[str, float], owner, name: str, label: str) -> None:
    """Wrap `owner.name` so the time spent in it adds up in `spent[label]` (for the breakdown)."""
    func = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.monotonic()
        try:
            result = func(*args, **kwargs)
            return list(result) if name == "_by_digest" else result  # a lazy queryset: run it here
        finally:
            spent[label] = spent.get(label, 0.0) + time.monotonic() - started

    setattr(owner, name, wrapper)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _fork_server_cpu() -> float:
    """CPU seconds of the processes the fork server started and has reaped: the workbook's reader and the import's
    reader processes, which are its children, not ours (Linux /proc; 0 before it starts)."""
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    return _cpu(resource.RUSAGE_CHILDREN) + _fork_server_cpu()


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _backend_cpu(pid: int) -> float:
    """CPU seconds of the database server process serving our connection (Linux /proc; 0 where unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _empty_register() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE members_member CASCADE")


def _variant(name: str):
    """What a device variant changes, undone when the returned stack closes."""
    import contextlib

    from dangjian.sheets import imports
    from dangjian.sheets.fast import reader

    stack = contextlib.ExitStack()

    def patch(owner, attr, value) -> None:
        stack.callback(setattr, owner, attr, getattr(owner, attr))
        setattr(owner, attr, value)

    if name == "one-reader":
        patch(reader, "workers", lambda: 1)
    elif name == "cycle-collector":
        patch(imports, "no_cycle_collection", contextlib.nullcontext)
    elif name != "default":
        raise SystemExit(f"unknown device variant {name}")
    return stack


def devices(path: Path, rows: int, variants: list[str], rounds: int) -> None:
    """Each variant in turn, `rounds` times: a fresh import of `path` against a floor measured just before."""
    from dangjian.sheets.imports import run_import

    backend = _backend_pid()
    results: dict[str, list[tuple[float, float, list[float]]]] = {}
    for round_ in range(rounds):
        for name in variants:
            _empty_register()
            floor_s = floor(path)
            before = (_cpu(resource.RUSAGE_SELF), _children_cpu(), _backend_cpu(backend))
            with _variant(name):
                started = time.monotonic()
                report = run_import("members", path, None)
                import_s = time.monotonic() - started
            after = (_cpu(resource.RUSAGE_SELF), _children_cpu(), _backend_cpu(backend))
            if not report.ok or report.created != rows:
                sys.exit(f"import failed: {report.errors[:5]}")
            cpu = [b - a for a, b in zip(before, after, strict=True)]
            results.setdefault(name, []).append((floor_s, import_s, cpu))
            print(
                f"round {round_ + 1} {name:<16} floor {floor_s:5.2f} s  import {import_s:5.2f} s  "
                f"×{import_s / floor_s:.2f}  CPU importer/children/server {cpu[0]:.2f}/{cpu[1]:.2f}/{cpu[2]:.2f} s  "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    for name, runs in results.items():
        ratios = sorted(i / f for f, i, _cpu_s in runs)
        cpu_all = sorted(sum(c) for _f, _i, c in runs)
        print(
            f"{name:<16} ratio ×{ratios[0]:.2f}–×{ratios[-1]:.2f} (median ×{ratios[len(ratios) // 2]:.2f}), "
            f"CPU in all {cpu_all[0]:.1f}–{cpu_all[-1]:.1f} s"
        )


def threshold(work: Path, codes: list[str], sizes: list[int]) -> None:
    """The plain importer against the fast path, each on a fresh register, for files of `sizes` rows."""
    from dangjian.sheets import imports
    from dangjian.sheets.imports import run_import

    for size in sizes:
        path = work / f"members-{size}.xlsx"
        write_file(path, size, codes)
        spent = {}
        for way, fast_from in (("plain", 10**12), ("fast", 0), ("plain", 10**12), ("fast", 0)):
            _empty_register()
            imports.FAST_FROM = fast_from
            started = time.monotonic()
            report = run_import("members", path, None)
            spent.setdefault(way, []).append(time.monotonic() - started)
            if not report.ok or report.created != size:
                sys.exit(f"import failed: {report.errors[:5]}")
        plain, fast = min(spent["plain"]), min(spent["fast"])
        print(
            f"{size:>6} rows: plain {plain:6.2f} s ({size / plain:,.0f} rows/s), fast {fast:5.2f} s, "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--profile", action="store_true", help="print where the import spends its time")
    parser.add_argument("--devices", help="variants to measure in turn (see above), e.g. default,one-reader")
    parser.add_argument("--rounds", type=int, default=3, help="with --devices: how many times each")
    parser.add_argument("--threshold", help="file sizes to time the plain importer against the fast path at")
    args = parser.parse_args()

    import psycopg

    name = f"dj_bench_import_{os.getpid()}"
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    work = Path(tempfile.mkdtemp(prefix="dj-bench-import-"))
    os.environ["DATABASE_URL"] = f"{args.server}/{name}"
    os.environ["DANGJIAN_DATA_DIR"] = str(work)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        from dangjian.demo.synth import generate
        from dangjian.orgs.choices import OrgKind
        from dangjian.orgs.models import Organization
        from dangjian.sheets.imports import run_import

        call_command("migrate", verbosity=0)
        generate(2_000, 0, 1, lambda _msg: None)
        codes = list(Organization.objects.filter(kind=OrgKind.BRANCH).values_list("code", flat=True))
        if args.threshold:
            threshold(work, codes, [int(n) for n in args.threshold.split(",")])
            return
        path = work / "members.xlsx"
        t = time.monotonic()
        write_file(path, args.rows, codes)
        print(f"file: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB, written in {time.monotonic() - t:.0f} s")

        floor_s = floor(path)
        print(f"floor (calamine read + COPY): {floor_s:.1f} s")
        if args.devices:
            devices(path, args.rows, args.devices.split(","), args.rounds)
            return
        from dangjian.core import changesets
        from dangjian.members import bulk
        from dangjian.sheets import imports
        from dangjian.sheets.fast import members as fast_members

        spent: dict[str, float] = {}
        timed(spent, imports, "open_sheet", "open the sheet (calamine parses it)")
        timed(spent, fast_members.FastMemberImporter, "process", "chunks: look up, check, write")
        timed(spent, bulk, "insert_rows", "— of which members COPY (rows built meanwhile)")
        timed(spent, fast_members, "_by_digest", "— of which existing members looked up")
        timed(spent, changesets.ChangeSetWriter, "write", "— of which change set lines (JSON)")
        timed(spent, changesets.ChangeSetWriter, "close", "change set closed (compression finished)")
        timed(spent, bulk.BulkMemberWriter, "end_copy", "— of which COPY ends (organizations checked)")
        timed(spent, type(connections["default"]), "commit", "commit")
        backend = _backend_pid()
        cpu_before = (_cpu(resource.RUSAGE_SELF), _children_cpu(), _backend_cpu(backend))
        t = time.monotonic()
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            report = profiler.runcall(run_import, "members", path, None)
            pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(30)
        else:
            report = run_import("members", path, None)
        import_s = time.monotonic() - t
        cpu_after = (_cpu(resource.RUSAGE_SELF), _children_cpu(), _backend_cpu(backend))
        used = [after - before for before, after in zip(cpu_before, cpu_after, strict=True)]
        if not report.ok:
            sys.exit(f"import failed: {report.errors[:5]}")
        print(f"import: {import_s:.1f} s, created {report.created:,}")
        print(f"ratio import/floor: {import_s / floor_s:.1f}x (target within 3x)")
        outside = spent.get("chunks: look up, check, write", 0) + sum(
            v for k, v in spent.items() if not k.startswith("—") and not k.startswith("chunks")
        )
        spent["the rest (rows read and parsed, the IMPORT record)"] = import_s - outside
        for label, seconds in spent.items():
            print(f"  {label:<52} {seconds:6.2f} s")
        print(
            f"CPU time: importing process {used[0]:.2f} s, its other processes (workbook, readers) {used[1]:.2f} s, "
            f"database server process {used[2]:.2f} s (the lookups' second connection not counted)"
        )
        spent.clear()
        t = time.monotonic()
        again = run_import("members", path, None)
        again_s = time.monotonic() - t
        print(f"same file again: {again_s:.1f} s, unchanged {again.unchanged:,}, updated {again.updated}")
        for label, seconds in spent.items():
            print(f"  {label:<52} {seconds:6.2f} s")
        print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        from dangjian.core.audit_verify import verify_chain

        t = time.monotonic()
        chain = verify_chain()
        print(f"audit chain: {chain.summary()} ({time.monotonic() - t:.1f} s)")
        connection.close()
    finally:
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
