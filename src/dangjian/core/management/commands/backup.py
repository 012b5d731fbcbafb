"""`dangjian backup FILE`: the whole database in one file, encrypted fields still encrypted, key files not included."""

import errno
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dangjian.core.audit import record
from dangjian.core.backup import write_backup
from dangjian.core.models import AuditAction


class Command(BaseCommand):
    help = "把整个数据库备份为一个文件（一致的快照；加密字段保持密文；不含密钥文件）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件路径，例如 dangjian-2026-01-01.zip")

    def handle(self, *args, file, **options):
        path = Path(file)
        if path.is_dir():
            raise CommandError(f"{path} 是目录：请给出备份文件名")
        if not path.parent.is_dir():
            raise CommandError(f"目录 {path.parent} 不存在")
        try:
            result = write_backup(path, log=lambda line: self.stdout.write(f"  {line}"))
        except OSError as exc:
            # write_backup has removed its .partial file; a file already at `path` (an earlier backup) is untouched.
            if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
                raise CommandError(
                    f"备份未完成：{path.parent} 所在磁盘空间不足（或超出文件大小限制），未写完的文件已删除，"
                    "之前的备份未受影响。请腾出空间后重新备份。"
                ) from exc
            raise CommandError(f"备份未完成：写入 {path} 失败（{exc.strerror}），未写完的文件已删除。") from exc
        with transaction.atomic():
            record(AuditAction.BACKUP, detail=f"备份到 {path.name}：{result.tables} 张表，{result.rows} 行")
        self.stdout.write(f"已备份 {result.tables} 张表、{result.rows} 行、{result.files} 个上传文件到 {path}。")
        self.stdout.write(
            "注意：密钥文件不在备份中。恢复后要读出身份号码和电话，必须另行保管好数据目录中的 field_key"
            "（及 field_key.<n>）或环境变量 DANGJIAN_FIELD_KEY；恢复时还须是同一把审计密钥 audit_key"
            "（DANGJIAN_AUDIT_KEY），备份清单以它签名。备份文件含姓名等个人信息，请妥善保管。"
        )
