"""An in-process scheduler for installations without cron: `dangjian serve --with-scheduler`.

A daemon thread calls `run_due` every few minutes. Running it beside cron does no harm (a period runs once,
whoever gets there first), but one of the two is enough.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

log = logging.getLogger("dangjian.cadence")


def start(interval_seconds: int = 300, stop: threading.Event | None = None) -> threading.Thread:
    """Start the thread; set `stop` to end it (tests)."""
    stop = stop or threading.Event()

    def loop() -> None:
        from .jobs import run_due

        while not stop.is_set():
            close_old_connections()
            try:
                run_due()
            except Exception:  # a failing pass is logged and tried again at the next interval
                log.exception("定期任务调度出错")
            finally:
                close_old_connections()
            stop.wait(interval_seconds)

    thread = threading.Thread(target=loop, name="dangjian-cadence", daemon=True)
    thread.start()
    return thread
