"""`/healthz`: what a load balancer and monitoring ask of each app process. Public, JSON, and about the machinery only
(no counts, no names, no addresses, no error texts that could carry them).

- database: a `SELECT 1` on the default connection, with its time;
- cache: a value written to the shared cache and read back (the lockouts' rate limits, import progress and the data
  version live there, so an app process that cannot reach it serves wrong answers);
- worker: the age of the latest worker heartbeat (core/heartbeat.py).

The database or the cache failing makes the answer 503: this process should be taken out of the rotation. The worker
alone being stale answers 200 with status "degraded": every app process would say the same, and taking them all out
would stop the pages as well as the imports. Monitoring alerts on any status but "ok".
"""

from __future__ import annotations

import logging
import secrets
import time

from django.core.cache import cache
from django.db import connections

from .heartbeat import STALE_SECONDS, last_beat

logger = logging.getLogger(__name__)


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        ok = bool(check())
    except Exception:  # noqa: BLE001 - the health answer says "unreachable"; the log has the reason
        logger.warning("health check %s failed", check.__name__, exc_info=True)
        ok = False
    return {"ok": ok, "ms": round((time.perf_counter() - started) * 1000, 1)}


def database() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def shared_cache() -> bool:
    nonce = secrets.token_hex(8)
    cache.set("dangjian:healthz", nonce, timeout=60)
    return cache.get("dangjian:healthz") == nonce


def worker(now: float | None = None) -> dict:
    try:
        beat = last_beat()
    except Exception:  # noqa: BLE001 - the cache check reports the cache; here the beat is just unknown
        beat = None
    if beat is None:
        return {"ok": False, "heartbeat_age_s": None}
    age = max(0.0, (time.time() if now is None else now) - beat)
    return {"ok": age <= STALE_SECONDS, "heartbeat_age_s": round(age, 1)}


def report() -> tuple[int, dict]:
    """(HTTP status, JSON body)."""
    checks = {"database": _timed(database), "cache": _timed(shared_cache), "worker": worker()}
    if not (checks["database"]["ok"] and checks["cache"]["ok"]):
        return 503, {"status": "fail", **checks}
    return 200, {"status": "ok" if checks["worker"]["ok"] else "degraded", **checks}
