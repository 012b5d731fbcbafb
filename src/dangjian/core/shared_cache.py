"""The cache every server and worker process shares: rate limits, import progress, the data version.

Without REDIS_URL it is Django's database cache, reached through a database alias of its own ("cache", settings.py):
its writes never join the transaction of the request or job that makes them, so an import's progress is seen while
the import's own transaction is still open, and on SQLite they go to a file of their own (`cache.sqlite3` in the data
directory) that an import's write lock on the main database does not hold up. `CacheRouter` sends the cache table
there and nothing else; `ensure_cache_table` creates it after every `migrate` and when a server or worker starts.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS

CACHE_ALIAS = "cache"
CACHE_APP_LABEL = "django_cache"  # what Django's database cache calls its table's model


def cache_database() -> str:
    """The alias holding the cache table: its own where settings configure one (tests keep one database)."""
    return CACHE_ALIAS if CACHE_ALIAS in settings.DATABASES else DEFAULT_DB_ALIAS


class CacheRouter:
    """The cache table on the cache alias; every model on the default one, and no model's table in the cache file."""

    def db_for_read(self, model, **hints):
        return cache_database() if model._meta.app_label == CACHE_APP_LABEL else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, **hints):
        if app_label == CACHE_APP_LABEL:
            return db == cache_database()
        return db != CACHE_ALIAS


def ensure_cache_table() -> None:
    """Create the cache table where the router puts it, if missing; two processes starting at once may both try."""
    try:
        call_command("createcachetable", database=cache_database(), verbosity=0)
    except CommandError:
        # The other process created it between the check and the CREATE: the retry finds it and does nothing.
        call_command("createcachetable", database=cache_database(), verbosity=0)


def after_migrate(sender, using, **kwargs) -> None:
    """post_migrate of the core app: `migrate` (and so `demo` and a fresh test database) leaves the table ready."""
    if using == DEFAULT_DB_ALIAS:
        ensure_cache_table()
