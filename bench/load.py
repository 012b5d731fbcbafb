"""Load test: four personas on a province-sized database, against the floor of the cheapest Django view.

Usage (settings from the environment, as for `dangjian`; the database loaded by `dangjian gen`):
    DATABASE_URL=... DANGJIAN_DATA_DIR=... .venv/bin/python bench/load.py [--users 50] [--time 600]
        [--capacity-time 120] [--url http://host:port | --kit 2]

Installs nothing: locust comes with the bench extras (`pip install -e '.[bench]'`). Steps:
1. `bench/load_setup.py` makes the personas' accounts and a few records (see there);
2. unless `--url` names a running deployment (the kit of deploy/, several processes behind nginx), starts one
   `dangjian serve --no-worker` on a free port, with the login rate limit raised (every simulated user logs in from
   this one address);
3. runs locust headless three times with `--users` users: `floor` (every user asks for /ping/ without pause, for
   `--capacity-time` seconds), `lists` (the personas' scoped list pages without pause, as long), then `mix` (the
   realistic mix with 0.5–1.5 s between steps, for `--time` seconds);
4. prints throughput, p50/p95/p99 and errors per request name and phase, and P5: the lists' throughput as a share of
   the floor's (target at least 25 %).
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
RAISED_LOGIN_RATE = "100000/minute"  # every simulated user logs in from this one address


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(BIN / "dangjian"), "serve", "--port", str(port), "--no-worker", "--threads", "8"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ping/", timeout=2)  # noqa: S310 - our own server
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    sys.exit("服务没有启动。 The server did not start.")


def run_phase(phase: str, url: str, users: int, seconds: int, setup: Path, work: Path) -> list[dict]:
    prefix = work / phase
    env = dict(os.environ, LOAD_PHASE=phase, LOAD_SETUP=str(setup))
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 5)),
            "--run-time",
            f"{seconds}s",
            "--host",
            url,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        check=False,  # locust exits 1 when any request failed; the table says how many
    )
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def table(phase: str, rows: list[dict]) -> None:
    print(f"\n### {phase}\n")
    print("| request | count | errors | req/s | p50 ms | p95 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {float(row['Requests/s']):.1f} "
            f"| {row['50%']} | {row['95%']} | {row['99%']} |"
        )


def total(rows: list[dict]) -> dict:
    return next(r for r in rows if r["Name"] == "Aggregated")


def measured(rows: list[dict]) -> list[dict]:
    """The phase's own requests: not the logins every user makes once at its start."""
    return [r for r in rows if r["Name"] not in ("login", "login page", "Aggregated")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--time", type=int, default=600, help="seconds of the realistic mix (default 600)")
    parser.add_argument("--capacity-time", type=int, default=120, help="seconds of the floor and lists phases")
    parser.add_argument("--url", help="a running deployment to test instead of starting `dangjian serve`")
    parser.add_argument(
        "--kit",
        type=int,
        metavar="N",
        help="start the deployment kit: N app processes behind nginx",
    )
    args = parser.parse_args()
    if args.kit:
        sys.path.insert(0, str(HERE.parent / "deploy"))
        from localkit import running_kit

        with running_kit(args.kit, {"DANGJIAN_LOGIN_RATE": RAISED_LOGIN_RATE}) as url:
            args.url = url
            run(args)
    else:
        run(args)


def run(args) -> None:

    work = Path(tempfile.mkdtemp(prefix="dangjian-load-"))
    setup = work / "setup.json"
    subprocess.run([sys.executable, str(HERE / "load_setup.py"), str(setup)], check=True, stdout=subprocess.DEVNULL)
    server = None
    url = args.url
    if url is None:
        port = free_port()
        env = dict(os.environ, DANGJIAN_LOGIN_RATE=RAISED_LOGIN_RATE)
        server = start_server(port, env)
        url = f"http://127.0.0.1:{port}"
    try:
        phases = {}
        for phase, seconds in (("floor", args.capacity_time), ("lists", args.capacity_time), ("mix", args.time)):
            phases[phase] = run_phase(phase, url, args.users, seconds, setup, work)
            table(phase, measured(phases[phase]))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)

    def rps(rows):
        return sum(float(r["Requests/s"]) for r in measured(rows))

    floor, lists = rps(phases["floor"]), rps(phases["lists"])
    mix = total(phases["mix"])
    errors = sum(int(total(rows)["Failure Count"]) for rows in phases.values())
    print(f"\n{args.users} users; floor /ping/ {floor:.1f} req/s; scoped lists {lists:.1f} req/s")
    print(f"P5: lists / floor = {lists / floor:.0%} (target at least 25 %)")
    print(
        f"mix over {args.time} s: {rps(phases['mix']):.1f} req/s, p50 {mix['50%']} ms, p95 {mix['95%']} ms, "
        f"p99 {mix['99%']} ms; errors in all phases: {errors}"
    )
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
