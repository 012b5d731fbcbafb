"""The worker's heartbeat: the time a worker process last said it is alive, kept in the shared cache.

`/healthz` (core/health.py) reports its age, so monitoring sees a worker that died or cannot reach the shared
cache. A thread of the worker beats, not its task loop: an import keeps the loop busy for minutes, and the worker is
alive meanwhile. One key for every worker (the latest beat wins): the question monitoring asks is whether some worker
is taking the queue, and the time says nothing about anyone.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import cache
from django.db import connections

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "dangjian:worker:heartbeat"
EVERY_SECONDS = 10.0
STALE_SECONDS = 60.0  # /healthz calls the worker gone after six missed beats


def beat(now: float | None = None) -> None:
    cache.set(HEARTBEAT_KEY, time.time() if now is None else now, timeout=None)


def last_beat() -> float | None:
    """When a worker last beat (seconds since the epoch), or None if none has since the cache was emptied."""
    value = cache.get(HEARTBEAT_KEY)
    return float(value) if isinstance(value, int | float) else None


class Heartbeat(threading.Thread):
    """Beats every `every` seconds until `stop()`; a failed beat (the cache unreachable) is logged and retried."""

    def __init__(self, every: float = EVERY_SECONDS):
        super().__init__(name="dangjian-heartbeat", daemon=True)
        self.every = every
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopped.is_set():
                try:
                    beat()
                except Exception:  # noqa: BLE001 - the worker goes on; /healthz shows the beat growing old
                    logger.warning("worker heartbeat not written", exc_info=True)
                self._stopped.wait(self.every)
        finally:
            connections.close_all()  # this thread's own connections (the database cache's)

    def stop(self) -> None:
        self._stopped.set()
