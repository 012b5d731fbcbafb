"""The worker process: runs the queued tasks (imports) one at a time on its main thread and, when asked, the
scheduled jobs between them.

Tasks are taken from the database queue by django-tasks-db's worker (claimed under a row lock, so several workers
never take the same one); this loop drains the queue, gives the scheduler its turn, and sleeps. A task that is
running when the worker is told to stop (SIGTERM, Ctrl+C) is finished first; a second signal ends it at once, and
the import it ran rolls back (its job is failed at the next start, its runner being gone).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from django_tasks_db.management.commands.db_worker import Worker

from dangjian.cadence.scheduler import Scheduler
from dangjian.sheets.jobs import runner_id


class WorkerLoop:
    """Drain the queue, run the scheduler's tick, wait `interval` seconds; until stopped or, with `parent_pid`, until
    the process that started this one has gone (`dangjian serve` killed outright still takes its worker along)."""

    def __init__(self, *, interval: float, scheduler: Scheduler | None = None, parent_pid: int | None = None):
        self.interval = interval
        self.scheduler = scheduler
        self.parent_pid = parent_pid
        self.tasks = Worker(
            queue_names=["default"],
            interval=interval,
            batch=True,  # returns when the queue is empty, so this loop gets its turn
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=runner_id()[:64],
            excluded_queue_names=[],
        )

    def orphaned(self) -> bool:
        return self.parent_pid is not None and os.getppid() != self.parent_pid

    def run(self, *, once: bool = False, sleep: Callable[[float], None] = time.sleep) -> None:
        """Until stopped; `once`: one round (drain the queue, one scheduler tick), for tests and `--batch`."""
        while self.tasks.running and not self.orphaned():
            self.tasks.run()
            if self.scheduler is not None and self.tasks.running:
                self.tasks.running_task = True  # a stop signal now lets the scheduled jobs finish first
                try:
                    self.scheduler.tick()
                finally:
                    self.tasks.running_task = False
            if once:
                return
            sleep(self.interval)
