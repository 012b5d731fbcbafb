"""`dangjian restore FILE [--force]`: replace the database's contents with a backup, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "从备份文件恢复整个数据库：先核对全部校验值，再在一个事务中写入；目标库须已 migrate 且为空（或加 --force）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="dangjian backup 生成的备份文件")
        parser.add_argument("--force", action="store_true", help="目标数据库已有数据时仍然覆盖")

    def handle(self, *args, file, force=False, **options):
        try:
            result = restore(Path(file), force=force, log=lambda line: self.stdout.write(f"  {line}"))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            f"已从 {file} 恢复 {len(manifest['tables'])} 张表、{result.rows} 行"
            f"（备份生成于 {manifest['created_at']}，来源数据库 {manifest['vendor']}）。"
        )
        self.stdout.write(
            "加密字段需要原来的密钥才能读出：请确认数据目录中的 field_key 或 DANGJIAN_FIELD_KEY 与备份时一致。"
        )
