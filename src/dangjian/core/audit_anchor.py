"""The audit chain's anchor: the last committed record's number and hash, kept outside the database.

The chain (`audit_chain`) shows rows altered, inserted, reordered or deleted in the middle, and the sealed head
shows rows cut off the end, but not a rollback of both tables to an earlier state: an older head from any backup
is sealed too. So after every committed append the last record's `seq` and `hash` are also written to a file in
the data directory (`settings.AUDIT_ANCHOR_FILE`) and logged to `dangjian.audit.anchor` (shipped to syslog with
`DANGJIAN_AUDIT_SYSLOG`); `verify_chain` reports a database behind its anchor.

The anchor never moves back, and never past a record it no longer finds: once the database was rolled back, the
anchor stays where it was (and the writer logs an error) until an operator resets it (`dangjian audit anchor
--reset`, audited) or a restore does (also audited). Several processes write it: a lock file serializes them, and
the file is replaced atomically, so a reader sees the old or the new anchor, never half of one.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hmac
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .audit_chain import anchor_seal
from .models import AuditCheckpoint, AuditLog

log = logging.getLogger("dangjian.audit.anchor")


class AnchorUnreadable(Exception):
    """The anchor file exists but is not an anchor this system wrote (garbled, or its seal does not hold)."""


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: datetime.datetime  # when it was written

    def __str__(self) -> str:
        return f"第 {self.seq} 条（{timezone.localtime(self.at):%Y-%m-%d %H:%M:%S} 写入）"


def path() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def read() -> Anchor | None:
    """The anchor on file; None if there is none; AnchorUnreadable if the file is not a sealed anchor."""
    try:
        text = path().read_text()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        anchor = Anchor(int(data["seq"]), str(data["hash"]), datetime.datetime.fromisoformat(data["at"]))
        sealed = hmac.compare_digest(str(data["seal"]), anchor_seal(anchor.seq, anchor.hash, data["at"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise AnchorUnreadable(f"锚点文件 {path()} 无法读取") from exc
    if not sealed:
        raise AnchorUnreadable(f"锚点文件 {path()} 被改动（校验码不符）")
    return anchor


def disagreement(anchor: Anchor) -> str | None:
    """Why the database is not a continuation of the state `anchor` recorded, or None if it is.

    The record the anchor names must still be there with the same hash; a record pruned since (at or below the
    latest checkpoint) is vouched for by the checkpoint, which `verify_chain` checks.
    """
    last = AuditLog.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    if anchor.seq > last:
        return f"审计日志被回退：锚点记录到{anchor}，数据库只有到第 {last} 条"
    found = AuditLog.objects.filter(seq=anchor.seq).values_list("hash", flat=True).first()
    if found is None:
        checkpoint = AuditCheckpoint.objects.order_by("-seq").values("seq", "hash").first()
        if checkpoint and anchor.seq <= checkpoint["seq"]:
            if anchor.seq < checkpoint["seq"] or checkpoint["hash"] == anchor.hash:
                return None
        return f"审计日志被回退：锚点记录到{anchor}，数据库中已没有第 {anchor.seq} 条"
    if found != anchor.hash:
        return f"审计日志被回退：锚点记录到{anchor}，数据库中的第 {anchor.seq} 条已不是原来那条（哈希不符）"
    return None


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """The anchor's lock (a file beside it, flock: between processes and between threads alike)."""
    target = path()
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(target.with_name(target.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _write(seq: int, hash_: str) -> Anchor:
    """Replace the anchor file atomically (temporary file, fsync, rename), owner-readable only. Under the lock."""
    anchor = Anchor(seq, hash_, timezone.now())
    at = anchor.at.isoformat()
    target = path()
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    body = {"seq": seq, "hash": hash_, "at": at, "seal": anchor_seal(seq, hash_, at)}
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(body, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    log.info("audit anchor seq=%d hash=%s seal=%s", seq, hash_, body["seal"])
    return anchor


def _last_record() -> tuple[int, str] | None:
    return AuditLog.objects.order_by("-seq").values_list("seq", "hash").first()


_reported: set[str] = set()  # problems already logged by this process: one error each, not one per write


def advance(seq: int) -> None:
    """After a commit that appended records up to `seq`: move the anchor to the last committed record.

    The first callback of a transaction anchors its last record (read back, so a transaction of many records
    writes the file once); the others find the anchor already there and only read the file. A callback running
    after a later transaction's (two processes) finds the anchor ahead and leaves it.
    """
    with contextlib.suppress(AnchorUnreadable):
        current = read()
        if current is not None and current.seq >= seq:
            return
    with _locked():
        try:
            current = read()
        except AnchorUnreadable as exc:
            _report(str(exc))
            return
        last = _last_record()
        if last is None or (current is not None and current.seq >= last[0]):
            return
        if current is not None and (problem := disagreement(current)):
            _report(problem)
            return
        _write(*last)


def _report(problem: str) -> None:
    if problem not in _reported:
        _reported.add(problem)
        log.error(
            "审计锚点未更新：%s。运行 dangjian audit verify 查看；核实后可用 dangjian audit anchor --reset 重置。",
            problem,
        )


def _advance_or_log(seq: int) -> None:
    try:
        advance(seq)
    except OSError as exc:  # the write it follows is committed and stays: say why the anchor did not move with it
        _report(f"无法写入锚点文件 {path()}（{exc}）")


def advance_on_commit(seq: int) -> None:
    """Called by the audit writer inside the transaction that appended records up to `seq`. Robust: a failure
    after the commit is logged, never turned into an error page for a write that has succeeded."""
    transaction.on_commit(lambda: _advance_or_log(seq), robust=True)


def reset() -> Anchor | None:
    """Set the anchor to the last committed record whatever it held: for a restore and an operator's reset, both
    audited by their callers. None if the log is empty (the anchor file is then removed)."""
    with _locked():
        last = _last_record()
        if last is None:
            path().unlink(missing_ok=True)
            return None
        anchor = _write(*last)
    _reported.clear()
    return anchor


def reset_on_commit() -> None:
    """Reset the anchor once the caller's transaction commits. Register it before the caller's own `record`, so the
    reset runs first and that record's `advance` then finds the anchor already at it."""
    transaction.on_commit(reset)
