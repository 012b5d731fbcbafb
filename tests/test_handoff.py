"""Blocks handed to a thread of their own: handled in order, a failure raised to the caller, never a stuck caller."""

import pytest

from dangjian.core.handoff import Handoff


def test_blocks_are_handled_in_order_and_close_waits_for_them():
    seen = []
    handoff = Handoff(seen.append, size=2, name="test-handoff")
    for block in (b"a", b"b", b"c", b"d"):
        handoff.put(block)
    handoff.close()
    assert seen == [b"a", b"b", b"c", b"d"]
    handoff.close()  # a second close is harmless


def test_a_failure_is_raised_to_the_caller_and_the_rest_is_dropped():
    seen = []

    def handle(block):
        if block == b"bad":
            raise OSError("磁盘已满")
        seen.append(block)

    handoff = Handoff(handle, size=1, name="test-handoff")
    handoff.put(b"ok")
    handoff.put(b"bad")
    with pytest.raises(OSError, match="磁盘已满"):
        for _ in range(100):  # raised by a later call, once the thread has met it; never stuck on a full queue
            handoff.put(b"later")
    handoff.close()
    assert seen == [b"ok"]
    with pytest.raises(OSError):
        handoff.check()
