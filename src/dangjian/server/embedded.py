"""The worker that `dangjian serve` starts beside itself (the embedded default), and stops when it stops.

A process of its own, not a thread of the web server: the imports it runs fork reader processes, which must not be
forked from a process whose other threads may hold locks. It is told the server's pid and leaves when the server
is gone, even when the server was killed outright.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

STOP_SECONDS = 30  # a running import's worker gets this long to finish its task before it is killed


def start_worker(*, with_scheduler: bool) -> subprocess.Popen:
    command = [sys.executable, "-m", "dangjian.cli", "worker", "--parent-pid", str(os.getpid())]
    if with_scheduler:
        command.append("--with-scheduler")
    return subprocess.Popen(command)  # noqa: S603 - our own interpreter and console entry point, fixed arguments


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def exit_on_sigterm() -> None:
    """SIGTERM (systemd, a test harness) ends the server through Python, so its `finally` stops the worker."""

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
