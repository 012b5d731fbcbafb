"""`dangjian assess template|run`: the annual assessment from files (score sheet in, results out). See assess/batch.py
for the rules and docs/assessment.md for the guide. Bad input: every problem on stderr, exit code 1, no file written."""

from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from dangjian.assess.batch import BatchError, assess_file, batch_orgs, find_root, read_scheme
from dangjian.assess.batch_xlsx import write_results, write_template
from dangjian.core.audit import record
from dangjian.core.models import AuditAction

MAX_PRINTED = 200  # problems printed; a sheet of a whole province may have thousands


class Command(BaseCommand):
    help = (
        "年度考核的文件方式：template 按方案和组织库生成成绩表（Excel）；run 读取填好的成绩表，"
        "计算总分、排名、等次和软弱涣散名单并写出结果。输入有误时列出全部问题、退出码为 1，且不写出任何文件。"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="operation", required=True, title="操作")
        template = sub.add_parser("template", help="生成成绩表模板（每个参加考核的组织一行，每个指标一列）")
        run = sub.add_parser("run", help="读取填好的成绩表，写出考核结果")
        run.add_argument("--scores", required=True, help="填好的成绩表（.xlsx、.xls 或 .csv）")
        for each in (template, run):
            each.add_argument("--scheme", required=True, help="考核方案 YAML 文件（格式见 docs/assessment.md）")
            each.add_argument("--out", required=True, help="写出的 .xlsx 文件")
            each.add_argument("--root", default="", help="只考核此组织编码之下的组织（默认：全部）")
            each.add_argument("--as", dest="as_user", default="", help="按此用户的数据范围（默认：整个组织库）")

    def handle(self, *args, operation, **options):
        user = self._user(options["as_user"])
        try:
            scheme = read_scheme(options["scheme"])
            root = find_root(options["root"], user) if options["root"] else None
            people = batch_orgs(scheme, root=root, user=user)
            if not people:
                raise BatchError(["没有参加考核的组织：范围内没有方案所列党建类型的基层党组织"])
            out = Path(options["out"])
            if operation == "template":
                write_template(scheme, people, out)
                detail = f"考核成绩表模板：{scheme.name}，{len(people)} 个组织 → {out.name}"
                summary = f"已写出成绩表 {out}：{len(people)} 个组织。"
            else:
                scores = Path(options["scores"])
                result = assess_file(scheme, scores, people, root=root, user=user)
                about = {"成绩表": scores.name, "范围": f"{root.name}（{root.code}）" if root else "全部组织"}
                if user is not None:
                    about["数据范围用户"] = user.get_username()
                write_results(scheme, result, out, about=about)
                weak = sum(1 for r in result.results if r.weak)
                detail = f"考核结果：{scheme.name}，{len(result.results)} 个组织，软弱涣散 {weak} 个 → {out.name}"
                lines = "；".join(q.text for q in result.quotas)
                summary = (
                    f"已写出考核结果 {out}：{len(result.results)} 个组织，软弱涣散 {weak} 个（{lines}）。"
                    f"\n结果摘要 {result.digest}"
                )
        except BatchError as exc:
            for problem in exc.problems[:MAX_PRINTED]:
                self.stderr.write(problem)
            more = f"（仅列出前 {MAX_PRINTED} 处）" if len(exc.problems) > MAX_PRINTED else ""
            raise CommandError(f"共 {len(exc.problems)} 处问题{more}，未写出文件。", returncode=1) from None
        record(AuditAction.EXPORT, actor=user, org=root, detail=detail)
        self.stdout.write(summary)

    def _user(self, username: str):
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在。")
        return user
