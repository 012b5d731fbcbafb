"""CPU per request of the scoped list pages that the load test's `lists` phase asks for (P5), against `/ping/`.

Usage (settings from the environment, as for `dangjian`; the load accounts made by `bench/load_setup.py` first):
    .venv/bin/python bench/load_setup.py /tmp/load.json
    .venv/bin/python bench/bench_list_cpu.py [--repeat 50] [--profile PERSONA:URL | --sql]
    # the demo (SQLite), whose own accounts are the personas (demo_county, demo_town, ...):
    DANGJIAN_DATA_DIR=/tmp/demo .venv/bin/python bench/bench_list_cpu.py --accounts demo

Each persona of `bench/locustfile.py` (county, town, station, branch) asks for its list pages through the whole
Django stack with the test client (no network, DEBUG off), signed in as its load account. For each page the bench
prints the CPU time of its own process per request (`time.process_time`, so other work on a busy machine does not
count) and the ratio to `/ping/` asked for by the same persona. On PostgreSQL that is the server's Python share, the
part that bounds the kit's throughput when its workers are CPU-bound; on SQLite the database's work is in it too.
Through the kit, the list pages' throughput relative to `/ping/`'s (P5) is about the inverse of that ratio.

`--profile county:/members/` runs that page `--repeat` times under cProfile timed by the CPU clock and prints the
functions by cumulative CPU time. `--sql` prints instead, for each page, its statements and the time they took (the
fastest of five requests; on a database on the same host that is mostly the database's own CPU, the share of a list
request the kit's throughput also pays for) and the slowest statement. Nothing is written, except the sessions of the
sign-ins.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

# The persona's list pages, as bench/locustfile.py's `lists()` names them.
LISTS = {
    "county": ["/members/", "/problems/", "/rectify/"],
    "town": ["/members/", "/problems/", "/rectify/", "/weekly/", "/partylife/"],
    "station": ["/weekly/", "/problems/", "/members/"],
    "branch": ["/members/", "/partylife/", "/problems/"],
}
WARM_UP = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", default="load", help="the personas' accounts are ACCOUNTS_county, ... (load)")
    parser.add_argument("--repeat", type=int, default=50, help="requests per page (default 50)")
    parser.add_argument("--profile", metavar="PERSONA:URL", help="profile one page (CPU time, cProfile) instead")
    parser.add_argument("--lines", type=int, default=60, help="functions the profile lists (default 60)")
    parser.add_argument("--sql", action="store_true", help="the statements of each page and their time instead")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    if settings.DEBUG:
        sys.exit("DEBUG 须关闭（DANGJIAN_DEBUG=0）。 Run with DEBUG off: it keeps every query in memory.")
    clients = {}
    for persona in LISTS:
        client = Client()
        client.force_login(User.objects.get(username=f"{args.accounts}_{persona}"))
        clients[persona] = client

    def cpu_ms(client, url: str, repeat: int) -> float:
        for _ in range(WARM_UP):
            response = client.get(url)
            if response.status_code != 200:
                sys.exit(f"{url}: HTTP {response.status_code}")
        started = time.process_time()
        for _ in range(repeat):
            client.get(url)
        return (time.process_time() - started) * 1000 / repeat

    if args.sql:
        sql_times(clients)
        return

    if args.profile:
        import cProfile
        import pstats

        persona, _, url = args.profile.partition(":")
        cpu_ms(clients[persona], url, 1)
        # Timed by the process's CPU clock, so time spent waiting for the database or for other processes does not
        # count: what is left is what a CPU-bound server spends.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.repeat):
            clients[persona].get(url)
        profiler.disable()
        stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
        stats.print_stats(args.lines)
        return

    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}, accounts {args.accounts}_*; "
        f"{args.repeat} requests per page, CPU ms of this process per request"
    )
    total = floor_total = 0.0
    count = 0
    for persona, urls in LISTS.items():
        client = clients[persona]
        floor = cpu_ms(client, "/ping/", args.repeat)
        print(f"{persona:<8} {'/ping/':<12} {floor:7.2f} ms")
        for url in urls:
            spent = cpu_ms(client, url, args.repeat)
            total += spent
            floor_total += floor
            count += 1
            print(f"{persona:<8} {url:<12} {spent:7.2f} ms  ×{spent / floor:5.1f}")
    print(f"mean of the {count} list pages: {total / count:.2f} ms, ×{total / floor_total:.1f} /ping/")


def sql_times(clients) -> None:
    from contextlib import ExitStack

    from django.db import connections

    def timed(statements):
        def wrapper(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append((time.perf_counter() - started, sql))

        return wrapper

    print("statements per page and their time (ms), the fastest of five requests; then the slowest statement")
    for persona, urls in LISTS.items():
        for url in urls:
            for _ in range(WARM_UP):
                clients[persona].get(url)
            best = None
            for _ in range(5):
                statements = []
                with ExitStack() as stack:
                    for alias in connections:
                        stack.enter_context(connections[alias].execute_wrapper(timed(statements)))
                    clients[persona].get(url)
                spent = sum(seconds for seconds, _ in statements)
                if best is None or spent < best[0]:
                    best = (spent, statements)
            spent, statements = best
            slowest = max(statements, key=lambda s: s[0])
            print(
                f"{persona:<8} {url:<12} {len(statements):3d} statements {spent * 1000:7.2f} ms"
                f"  slowest {slowest[0] * 1000:6.2f} ms: {' '.join(slowest[1].split())[:90]}"
            )


if __name__ == "__main__":
    main()
