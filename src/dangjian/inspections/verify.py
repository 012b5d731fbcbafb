"""Checking a draw after the fact (`dangjian inspect verify DRAW_ID`, the draw's 复核 page), and the file a third
party verifies it from (docs/inspections.md, docs/verify_draw.py).

The stored draw is re-run step by step: the frozen population still has its digest, the revealed secret has the
published commitment, the audit head the draw used is the hash of that audit record and the draw's own record
follows it directly, the seed follows from them, and the published algorithm gives exactly the stored targets
and teams. Any difference is a failed check, named in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from dangjian.core.audit_chain import GENESIS
from dangjian.core.models import AuditLog

from . import algorithm
from .choices import DrawStatus
from .models import Draw
from .services import manifest_of


@dataclass
class Check:
    label: str
    ok: bool
    detail: str = ""


def stored_targets(draw: Draw) -> list[tuple[str, str, list[str]]]:
    return [
        (t.key, t.stratum, sorted(i.user.get_username() for i in t.team.all()))
        for t in draw.targets.prefetch_related("team__user").order_by("position")
    ]


def verify_draw(draw: Draw) -> list[Check]:
    """Every check of a drawn draw; the draw verifies when all are ok."""
    if draw.status != DrawStatus.DRAWN:
        return [Check("已抽取", False, f"该抽取的状态是「{draw.get_status_display()}」，尚未抽取，无从复核。")]
    checks = []
    manifest = manifest_of(draw)
    digest = manifest.digest()
    checks.append(
        Check("总体名单摘要值", digest == draw.population_digest, f"重算 {digest}，承诺时公布 {draw.population_digest}")
    )
    try:
        secret = bytes.fromhex(draw.revealed_secret)
    except ValueError:
        secret = b""
    checks.append(
        Check(
            "随机秘密与承诺值",
            algorithm.commitment(secret) == draw.commitment,
            f"揭示的秘密的 SHA-256 为 {algorithm.commitment(secret)}，承诺值 {draw.commitment}",
        )
    )
    checks += _audit_checks(draw)
    seed = algorithm.seed(secret, draw.population_digest, draw.audit_head, draw.beacon)
    checks.append(Check("抽取种子", seed == draw.seed, f"重算 {seed}，记录 {draw.seed}"))
    expected = [(t.key, t.stratum, sorted(t.team)) for t in algorithm.draw(manifest, seed)]
    stored = stored_targets(draw)
    differ = [
        f"第 {n} 个：应为 {e}，记录为 {s}" for n, (e, s) in enumerate(zip(expected, stored, strict=False), 1) if e != s
    ]
    if len(expected) != len(stored):
        differ.append(f"应抽中 {len(expected)} 个，记录 {len(stored)} 个")
    checks.append(
        Check(
            "抽中名单和督导组",
            not differ,
            "；".join(differ[:5]) or f"按公开算法重算，{len(expected)} 个对象及其督导组与记录一致",
        )
    )
    return checks


def _audit_checks(draw: Draw) -> list[Check]:
    """The head the draw used is the audit chain's real head at that moment: the record numbered `audit_seq` has
    that hash, and the very next record is this draw's own."""
    if draw.audit_seq == 0:
        head_ok, head_detail = draw.audit_head == GENESIS, "抽取时审计日志为空，链头为初始值"
    else:
        row = AuditLog.objects.filter(seq=draw.audit_seq).values("hash").first()
        if row is None:
            head_ok, head_detail = True, f"审计日志第 {draw.audit_seq} 条已按保存期限清理，无法在本系统核对"
        else:
            head_ok = row["hash"] == draw.audit_head
            head_detail = f"审计日志第 {draw.audit_seq} 条的哈希{'与' if head_ok else '与抽取时记录的链头不'}一致"
    follower = AuditLog.objects.filter(seq=(draw.audit_seq or 0) + 1).values("prev_hash", "object_type", "object_id")
    row = follower.first()
    if row is None:
        next_ok, next_detail = True, "紧随其后的审计记录已清理，无法在本系统核对"
    else:
        next_ok = row["prev_hash"] == draw.audit_head and (row["object_type"], row["object_id"]) == (
            "draw",
            str(draw.pk),
        )
        next_detail = "抽取记录紧接该链头写入" if next_ok else "紧随链头的审计记录不是本次抽取的记录"
    return [Check("抽取时的审计日志链头", head_ok, head_detail), Check("抽取记录的位置", next_ok, next_detail)]


def export_data(draw: Draw) -> dict:
    """The draw as one JSON document: what a third party needs to re-run it (docs/inspections.md)."""

    def moment(value):
        return timezone.localtime(value).isoformat() if value else None

    revealed = draw.status == DrawStatus.DRAWN
    return {
        "algorithm": algorithm.ALGORITHM,
        "draw_id": draw.pk,
        "title": draw.title,
        "organizer": {"code": draw.org.code, "name": draw.org.name},
        "population_kind": draw.get_population_kind_display(),
        "stratify_by": draw.get_stratify_by_display(),
        "draw_at": moment(draw.draw_at),
        "committed_at": moment(draw.committed_at),
        "drawn_at": moment(draw.drawn_at),
        "visit_until": draw.visit_until.isoformat(),
        "population_digest": draw.population_digest,
        "commitment": draw.commitment,
        "manifest": manifest_of(draw).text() if draw.population_digest else "",
        "audit_seq": draw.audit_seq,
        "audit_head": draw.audit_head,
        "beacon": draw.beacon,
        "secret": draw.revealed_secret if revealed else "",
        "seed": draw.seed,
        "targets": [
            {"position": n, "key": key, "stratum": stratum, "team": team}
            for n, (key, stratum, team) in enumerate(stored_targets(draw), 1)
        ]
        if revealed
        else [],
        "members": [
            {k: m.get(k) for k in ("key", "label", "stratum", "town", "town_name", "last_team", "excluded", "reason")}
            for m in draw.population
        ],
        "inspectors": [{k: i.get(k) for k in ("key", "name", "town", "town_name")} for i in draw.pool],
    }
