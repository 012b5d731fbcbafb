"""An in-process scheduler for installations without cron: `dangjian serve --with-scheduler`.

A daemon thread calls `run_due` every few minutes over the jobs it was started with (`dangjian.flows.schedule.JOBS`).
Running it beside cron does no harm (a period runs once, whoever gets there first), but one of the two is enough.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from django.db import close_old_connections

from . import jobs as runner

log = logging.getLogger("dangjian.cadence")


def start(
    jobs: Iterable[runner.Job], interval_seconds: int = 300, stop: threading.Event | None = None
) -> threading.Thread:
    """Start the thread running `jobs`; set `stop` to end it (tests)."""
    stop = stop or threading.Event()
    listed = tuple(jobs)

    def loop() -> None:
        while not stop.is_set():
            close_old_connections()
            try:
                runner.run_due(listed)
            except Exception:  # a failing pass is logged and tried again at the next interval
                log.exception("定期任务调度出错")
            finally:
                close_old_connections()
            stop.wait(interval_seconds)

    thread = threading.Thread(target=loop, name="dangjian-cadence", daemon=True)
    thread.start()
    return thread
