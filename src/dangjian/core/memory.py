"""Pausing Python's cycle collector around bulk work."""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def no_cycle_collection():
    """Pause the cycle collector while a bulk job makes millions of objects: it would walk the live ones again and
    again as they are made (a third of an assessment's engine time, a quarter of parsing an import's cells), and
    such jobs make no reference cycles worth collecting. Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
