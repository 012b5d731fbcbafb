"""`dangjian restore FILE [--force] [--accept-unsigned]`: replace the database's contents with a backup, all or
nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangjian.core import audit_anchor
from dangjian.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "从备份文件恢复整个数据库：先核对清单签名和全部校验值，再在一个事务中写入；"
        "目标库须已 migrate 且为空（或加 --force）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="dangjian backup 生成的备份文件")
        parser.add_argument("--force", action="store_true", help="目标数据库已有数据时仍然覆盖")
        parser.add_argument(
            "--accept-unsigned",
            action="store_true",
            help="接受清单没有签名的备份（旧版本生成的）；只在确认来源可信时使用，会记入审计日志",
        )

    def handle(self, *args, file, force=False, accept_unsigned=False, **options):
        try:
            result = restore(
                Path(file),
                force=force,
                accept_unsigned=accept_unsigned,
                log=lambda line: self.stdout.write(f"  {line}"),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            f"已从 {file} 恢复 {len(manifest['tables'])} 张表、{result.rows} 行"
            f"（备份生成于 {manifest['created_at']}，来源数据库 {manifest['vendor']}）。"
        )
        try:
            anchor = audit_anchor.read()
        except audit_anchor.AnchorUnreadable as exc:
            anchor = exc
        self.stdout.write(f"审计锚点已重置为恢复后的日志末尾：{anchor}（此项已记入审计日志）。")
        self.stdout.write(
            "加密字段需要原来的密钥才能读出：请确认数据目录中的 field_key 或 DANGJIAN_FIELD_KEY 与备份时一致。"
        )
