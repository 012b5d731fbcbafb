"""`dangjian import {orgs,members,stations,opinions,meetings} FILE [--dry-run] [--as USER] [--errors OUT.xlsx]`, and
`dangjian import KIND --template FILE` to write the template. Kinds beyond orgs and members are registered by
their apps (`sheets.imports.register_kind`)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from dangjian.sheets.columns import TITLES
from dangjian.sheets.imports import run_import, write_error_sheet
from dangjian.sheets.template import write_template

PRINTED_ERRORS = 200  # more than this many are only in the --errors sheet


class Command(BaseCommand):
    help = (
        "从 Excel（.xlsx/.xls）或 CSV 导入党组织、党员、党建工作站、群众意见、组织生活记录、"
        "党费、党务人员和党建资源；全部正确才写入。"
        "--template 生成导入模板。"
    )

    def add_arguments(self, parser):
        kinds = "orgs 党组织 / members 党员 / stations 党建工作站 / opinions 群众意见 / meetings 组织生活记录"
        kinds += " / venues 阵地 / trainings 培训班次 / funds 党建经费 / projects 党建+项目"
        kinds += " / staff 党务工作人员 / dues 党费"
        parser.add_argument("kind", choices=sorted(TITLES), help=kinds)
        parser.add_argument("file", nargs="?", help="要导入的文件")
        parser.add_argument("--template", metavar="FILE", help="把导入模板（.xlsx）写到该文件，不导入")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告将新增、修改的数量，不写入")
        parser.add_argument("--as", dest="as_user", metavar="USER", help="按该用户的数据范围导入（默认不限范围）")
        parser.add_argument("--errors", metavar="OUT.xlsx", help="有错误时把原始行和错误信息写到该文件")

    def handle(self, *args, kind, file, template, dry_run, as_user, errors, verbosity=1, **options):
        if template:
            write_template(kind, template)
            self.stdout.write(f"已生成{TITLES[kind]}导入模板：{template}")
            return
        if not file:
            raise CommandError("请给出要导入的文件，或用 --template 生成模板。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        user = None
        if as_user:
            user = User.objects.filter(username=as_user, is_active=True).first()
            if user is None:
                raise CommandError(f"用户“{as_user}”不存在或已停用。")

        def progress(done: int, total: int | None) -> None:
            if verbosity > 1:
                self.stderr.write(f"  已处理 {done}" + (f"/{total}" if total else "") + " 行")

        report = run_import(kind, path, user, dry_run=dry_run, progress=progress)
        if report.ignored_columns and verbosity:
            self.stdout.write("未导入的列：" + "、".join(report.ignored_columns))
        if report.ok:
            self.stdout.write(report.summary() + f"（{report.seconds:.1f} 秒）")
            return
        for error in report.errors[:PRINTED_ERRORS]:
            self.stderr.write(error.message if error.row_number else f"文件：{error.message}")
        if len(report.errors) > PRINTED_ERRORS:
            self.stderr.write(f"……另有 {len(report.errors) - PRINTED_ERRORS} 处错误未列出。")
        if errors:
            write_error_sheet(path, report, errors)
            self.stderr.write(f"错误清单已写入：{errors}")
        raise CommandError(report.summary())
