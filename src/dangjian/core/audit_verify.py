"""Checking the audit log's hash chain, and pruning records past the retention without breaking it."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import audit_anchor
from .audit_chain import GENESIS, HASHED_FIELDS, entry_hash, fields_of, seal
from .changesets import changeset_of, check_changeset, delete_files
from .models import AuditAction, AuditChainHead, AuditCheckpoint, AuditLog

BATCH = 2000
MIN_RETENTION_DAYS = 180


@dataclass(frozen=True)
class Break:
    """One place where the chain does not hold. `seq`/`row_id` are None for a problem of the head or checkpoint."""

    seq: int | None
    row_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"第 {self.seq} 条（编号 {self.row_id}）" if self.seq is not None else "链头/检查点"
        return f"{where}：{self.problem}"


@dataclass
class Verification:
    """The outcome of one walk along the chain."""

    checked: int = 0  # rows read
    first_seq: int = 1  # where the walk started (after the latest prune checkpoint)
    last_seq: int = 0  # the chain head's seq when the walk began: rows appended later are not checked
    breaks: list[Break] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # not a break, but not to be passed over in silence

    @property
    def ok(self) -> bool:
        return not self.breaks

    def summary(self) -> str:
        if self.ok:
            warned = "".join(f"；警告：{w}" for w in self.warnings)
            return f"校验通过，截至第 {self.last_seq} 条（本次核对 {self.checked} 条）{warned}"
        return f"校验未通过：发现 {len(self.breaks)} 处问题（截至第 {self.last_seq} 条，核对 {self.checked} 条）"


def _rows(first_seq: int, last_seq: int, batch: int) -> Iterator[dict]:
    """The rows from the start of the chain to `last_seq` in seq order, read `batch` at a time (bounded memory)."""
    after = first_seq - 1
    while True:
        chunk = list(
            AuditLog.objects.filter(seq__gt=after, seq__lte=last_seq)
            .order_by("seq")
            .values("id", "hash", "prev_hash", *HASHED_FIELDS)[:batch]
        )
        if not chunk:
            return
        yield from chunk
        after = chunk[-1]["seq"]


def _below_start(first_seq: int) -> AuditLog | None:
    """A row left below the checkpoint: the prune deleted everything up to it, so such a row was put there."""
    return AuditLog.objects.filter(seq__lt=first_seq).order_by("seq").only("id", "seq").first()


def verify_chain(batch: int = BATCH) -> Verification:
    """Walk the chain from the latest prune checkpoint (or the first record) to the head and report every break:
    a row whose content no longer matches its hash (altered), seq gaps and rows cut off the end (deleted), a row
    not linked to the one before it or out of writing order (reordered or replaced), a head or checkpoint altered,
    a change-set file that a record names missing or altered (its SHA-256 is in the record's hashed `after`),
    the log rolled back behind its anchor (`audit_anchor`); a missing anchor is a warning.
    """
    # The anchor first: it is written only after a commit, so it can never be ahead of a head read after it.
    try:
        anchor, anchor_problem = audit_anchor.read(), None
    except audit_anchor.AnchorUnreadable as exc:
        anchor, anchor_problem = None, str(exc)
    head = AuditChainHead.objects.filter(pk=1).first()
    checkpoint = AuditCheckpoint.objects.order_by("-seq").first()
    result = Verification()
    if head is None:
        last = AuditLog.objects.order_by("-seq").values("seq", "hash").first() or {"seq": 0, "hash": GENESIS}
        head = AuditChainHead(seq=last["seq"], hash=last["hash"])
        result.breaks.append(Break(None, None, "链头记录缺失"))
    elif head.seal != seal(head.seq, head.hash):
        result.breaks.append(Break(None, None, "链头被改动（校验码不符），末尾的记录可能被删除"))
    prev_hash, expected = GENESIS, 1
    if checkpoint is not None:
        if checkpoint.seal != seal(checkpoint.seq, checkpoint.hash):
            result.breaks.append(Break(None, None, f"清理检查点（第 {checkpoint.seq} 条）被改动（校验码不符）"))
        prev_hash, expected = checkpoint.hash, checkpoint.seq + 1
        stray = _below_start(expected)
        if stray is not None:
            result.breaks.append(Break(stray.seq, stray.id, "位于已清理范围内，不应存在（记录被插入）"))
    result.first_seq, result.last_seq = expected, head.seq

    prev_id = None
    for row in _rows(expected, head.seq, batch):
        result.checked += 1
        problems = []
        if row["seq"] > expected:
            gap = f"第 {expected} 条" if row["seq"] == expected + 1 else f"第 {expected}–{row['seq'] - 1} 条"
            problems.append(f"之前缺少{gap}记录（记录被删除）")
        if entry_hash(fields_of(row), row["prev_hash"]) != row["hash"]:
            problems.append("内容与哈希不符（记录被修改）")
        if row["seq"] == expected and row["prev_hash"] != prev_hash:
            problems.append("未接在前一条记录之后（顺序被调换或记录被替换）")
        if prev_id is not None and row["id"] < prev_id:
            problems.append("排列顺序与写入顺序不符（记录被调换）")
        if (changeset := changeset_of(row["after"])) is not None:
            # The record's hash covers the file's digest: a file missing or altered breaks the chain like a row.
            check = check_changeset(changeset)
            if not check.ok:
                problems.append(check.problem)
        if problems:
            result.breaks.append(Break(row["seq"], row["id"], "；".join(problems)))
        prev_hash, expected, prev_id = row["hash"], row["seq"] + 1, row["id"]

    if expected <= head.seq:
        gap = f"第 {expected} 条" if expected == head.seq else f"第 {expected}–{head.seq} 条"
        result.breaks.append(Break(None, None, f"末尾缺少{gap}记录（记录被删除）"))
    elif head.hash != prev_hash:
        result.breaks.append(Break(None, None, f"链头与第 {head.seq} 条记录的哈希不符"))
    _check_anchor(result, anchor, anchor_problem)
    return result


NO_ANCHOR = (
    "未找到审计锚点文件：无法确认日志末尾没有被截断或整体回退。升级后首次校验时属正常，本次校验的记录写入后即生成锚点；"
    "若此前已有锚点文件，说明它被删除了"
)


def _check_anchor(result: Verification, anchor: audit_anchor.Anchor | None, problem: str | None) -> None:
    """The database must continue the state the anchor recorded: rolled back past it, the chain alone still holds
    (an older head from a backup is sealed), so only the anchor tells."""
    if problem is None and anchor is not None:
        problem = audit_anchor.disagreement(anchor)
    if problem is not None:
        result.breaks.append(Break(None, None, problem))
    elif anchor is None and result.last_seq > 0:
        result.warnings.append(NO_ANCHOR)


def retention_days() -> int:
    """The configured retention, never below the 180 days the rules require."""
    return max(MIN_RETENTION_DAYS, int(getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)))


@dataclass(frozen=True)
class Pruned:
    count: int
    first_seq: int | None
    last_seq: int | None


def prune_before(before: datetime.date, *, actor=None) -> Pruned:
    """Delete the records written before `before` (local midnight), keeping a checkpoint so the rest still verifies.

    Refuses dates within the retention, and refuses to prune a chain that does not verify: a broken chain is
    evidence, not rubbish. Only a leading stretch of the chain is deleted (up to the first younger record).
    Records an AUDIT_VERIFY entry saying what was pruned.
    """
    from .audit import record

    days = retention_days()
    latest = timezone.localdate() - datetime.timedelta(days=days)
    if before > latest:
        raise ValidationError(f"审计日志至少保留 {days} 天：只能清理 {latest:%Y-%m-%d} 及以前日期之前的记录。")
    verification = verify_chain()
    if not verification.ok:
        raise ValidationError(
            f"审计日志{verification.summary()}；为保留证据，拒绝清理。请先运行 dangjian audit verify。"
        )
    cutoff = timezone.make_aware(datetime.datetime.combine(before, datetime.time.min))
    with transaction.atomic():
        # Taking the chain lock first keeps writers out while the prefix is measured and removed.
        AuditChainHead.objects.filter(pk=1).update(seq=F("seq"))
        first_young = AuditLog.objects.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
        old = AuditLog.objects.all() if first_young is None else AuditLog.objects.filter(seq__lt=first_young)
        last = old.order_by("-seq").values("seq", "hash").first()
        if last is None:
            record(
                AuditAction.AUDIT_VERIFY, actor=actor, detail=f"清理 {before:%Y-%m-%d} 之前的审计日志：没有可清理的记录"
            )
            return Pruned(0, None, None)
        first_seq = old.order_by("seq").values_list("seq", flat=True).first()
        files = [
            changeset["file"]
            for after in old.filter(action=AuditAction.IMPORT).values_list("after", flat=True)
            if (changeset := changeset_of(after)) is not None
        ]
        count = old._prune()
        transaction.on_commit(lambda: delete_files(files))  # the change sets of pruned imports go with them
        AuditCheckpoint.objects.create(
            seq=last["seq"], hash=last["hash"], seal=seal(last["seq"], last["hash"]), before=before, count=count
        )
        record(
            AuditAction.AUDIT_VERIFY,
            actor=actor,
            detail=f"清理 {before:%Y-%m-%d} 之前的审计日志：第 {first_seq}–{last['seq']} 条，共 {count} 条",
        )
    return Pruned(count, first_seq, last["seq"])
