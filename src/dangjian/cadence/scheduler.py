"""The scheduler of the worker process, for installations without cron: `dangjian worker --with-scheduler`
(and `dangjian serve --with-scheduler`, whose worker it is).

The worker calls `tick` between tasks; every few minutes it runs, on the worker's main thread, what it was handed:
the due periods of the jobs listed in `dangjian.flows.schedule` (cadence knows no job itself). Running it beside
cron, or in several workers, does no harm (each period is claimed once, whoever gets there first), but one is
enough.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import close_old_connections

log = logging.getLogger("dangjian.cadence")


class Scheduler:
    """Runs `run` (the due periods of the listed jobs) at once, then at most every `interval_seconds`."""

    def __init__(
        self, run: Callable[[], object], interval_seconds: float = 300, clock: Callable[[], float] = time.monotonic
    ):
        self.run = run
        self.interval = interval_seconds
        self.clock = clock
        self.next_at = clock()

    def tick(self) -> bool:
        """Run the due jobs if the interval has passed; whether it ran."""
        if self.clock() < self.next_at:
            return False
        self.next_at = self.clock() + self.interval
        close_old_connections()
        try:
            self.run()
        except Exception:  # a failing pass is logged and tried again at the next interval
            log.exception("定期任务调度出错")
        finally:
            close_old_connections()
        return True
