"""Handing blocks of bytes to a thread of their own, so the caller goes on while they are written or sent."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class Handoff:
    """At most `size` blocks wait; a thread passes each to `handle` in turn. What `handle` raises is kept and raised
    to the caller by its next `put` or `check`; the blocks after it are only taken off the queue, so a caller
    waiting for room is never stuck."""

    def __init__(self, handle: Callable[[bytes], object], size: int, name: str) -> None:
        self.handle = handle
        self.blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=size)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def put(self, block: bytes) -> None:
        self.check()
        self.blocks.put(block)

    def check(self) -> None:
        if self.failure is not None:
            raise self.failure

    def close(self) -> None:
        """Wait until every block put is handled (or dropped after a failure)."""
        if self.thread.is_alive():
            self.blocks.put(None)
            self.thread.join()

    def _run(self) -> None:
        while (block := self.blocks.get()) is not None:
            if self.failure is None:
                try:
                    self.handle(block)
                except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread (`check`)
                    self.failure = exc
