"""`dangjian audit verify`, `dangjian audit prune --before YYYY-MM-DD` and `dangjian audit anchor [--reset]`: the
audit log's chain and its anchor, from the console."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dangjian.core import audit_anchor
from dangjian.core.audit import record
from dangjian.core.audit_verify import BATCH, prune_before, retention_days, verify_chain
from dangjian.core.models import AuditAction, AuditLog


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期“{value}”格式不对，应为 YYYY-MM-DD，例如 2025-01-01。") from exc


class Command(BaseCommand):
    help = (
        "审计日志：verify 校验哈希链和锚点（有断裂时退出码为 1）；prune 清理超过保存期限的记录；anchor 显示或重置锚点。"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="operation", required=True, title="操作")
        verify = sub.add_parser("verify", help="按序号逐条校验哈希链，并与锚点文件比对，报告每一处断裂")
        verify.add_argument("--batch", type=int, default=BATCH, help=f"每批读取的条数（默认 {BATCH}）")
        prune = sub.add_parser("prune", help="清理某日期之前的记录（不得少于保存期限）")
        prune.add_argument("--before", required=True, help="清理此日期（YYYY-MM-DD，当地时间零点）之前的记录")
        anchor = sub.add_parser("anchor", help="显示锚点文件记录的位置；--reset 把它重置为当前最后一条（记入审计日志）")
        anchor.add_argument(
            "--reset", action="store_true", help="核实回退的原因之后（例如有意重建了数据库），让锚点接受当前数据库"
        )

    def handle(self, *args, operation, **options):
        if operation == "verify":
            self.verify(max(1, options["batch"]))
        elif operation == "prune":
            self.prune(_date(options["before"]))
        else:
            self.anchor(reset=options["reset"])

    def verify(self, batch: int) -> None:
        result = verify_chain(batch=batch)
        for item in result.breaks:
            self.stdout.write(f"断裂  {item}")
        for warning in result.warnings:
            self.stdout.write(f"警告  {warning}")
        record(AuditAction.AUDIT_VERIFY, success=result.ok, detail=f"命令行校验：{result.summary()}")
        if not result.ok:
            raise CommandError(result.summary(), returncode=1)
        self.stdout.write(result.summary())

    def prune(self, before: datetime.date) -> None:
        try:
            pruned = prune_before(before)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        if not pruned.count:
            self.stdout.write(f"{before:%Y-%m-%d} 之前没有可清理的审计日志。")
            return
        self.stdout.write(
            f"已清理第 {pruned.first_seq}–{pruned.last_seq} 条，共 {pruned.count} 条审计日志"
            f"（保存期限 {retention_days()} 天）；检查点已记录，后续校验从第 {pruned.last_seq + 1} 条开始。"
        )

    def anchor(self, *, reset: bool) -> None:
        try:
            current = audit_anchor.read()
            shown = (
                f"锚点文件 {audit_anchor.path()}：{current}" if current else f"锚点文件 {audit_anchor.path()} 不存在"
            )
        except audit_anchor.AnchorUnreadable as exc:
            current, shown = None, str(exc)
        last = AuditLog.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        self.stdout.write(f"{shown}；数据库中最后一条为第 {last} 条。")
        if not reset:
            return
        with transaction.atomic():
            audit_anchor.reset_on_commit()  # before the record, so that record's own anchor update finds it done
            record(AuditAction.AUDIT_VERIFY, detail=f"命令行重置审计锚点（原为：{shown}）")
        self.stdout.write(f"锚点已重置为{audit_anchor.read()}。")
