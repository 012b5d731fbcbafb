"""`dangjian audit verify` and `dangjian audit prune --before YYYY-MM-DD`: the audit log's chain, from the console."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dangjian.core.audit import record
from dangjian.core.audit_verify import BATCH, prune_before, retention_days, verify_chain
from dangjian.core.models import AuditAction


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期“{value}”格式不对，应为 YYYY-MM-DD，例如 2025-01-01。") from exc


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链（有断裂时退出码为 1）；prune 清理超过保存期限的记录。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="operation", required=True, title="操作")
        verify = sub.add_parser("verify", help="按序号逐条校验哈希链，报告每一处断裂")
        verify.add_argument("--batch", type=int, default=BATCH, help=f"每批读取的条数（默认 {BATCH}）")
        prune = sub.add_parser("prune", help="清理某日期之前的记录（不得少于保存期限）")
        prune.add_argument("--before", required=True, help="清理此日期（YYYY-MM-DD，当地时间零点）之前的记录")

    def handle(self, *args, operation, **options):
        if operation == "verify":
            self.verify(max(1, options["batch"]))
        else:
            self.prune(_date(options["before"]))

    def verify(self, batch: int) -> None:
        result = verify_chain(batch=batch)
        for item in result.breaks:
            self.stdout.write(f"断裂  {item}")
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
