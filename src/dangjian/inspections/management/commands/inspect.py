"""`dangjian inspect …`: random draws from the command line.

    dangjian inspect plan --org CODE --title 名称 --population villages --strata town --quota 1 \
        --draw-at "2026-03-05 09:00" --visit-until 2026-03-31 [--commit]
    dangjian inspect commit DRAW_ID
    dangjian inspect draw DRAW_ID [--beacon 公开随机数]
    dangjian inspect verify DRAW_ID          (exit status 1 when a check fails)
    dangjian inspect export DRAW_ID [--out 文件]
    dangjian inspect load-checklists --owner CODE --year 2026

Run as the system itself (no user), like the scheduled jobs: every step is audited the same way.
"""

from __future__ import annotations

import datetime
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.inspections import checklists, services
from dangjian.inspections.choices import PopulationKind, StratifyBy
from dangjian.inspections.forms import parse_overrides
from dangjian.inspections.models import Draw
from dangjian.inspections.verify import export_data, verify_draw
from dangjian.orgs.models import Organization


def _moment(text: str) -> datetime.datetime:
    try:
        return timezone.make_aware(datetime.datetime.strptime(text, "%Y-%m-%d %H:%M"))
    except ValueError as exc:
        raise CommandError(f"时间「{text}」应写成 2026-03-05 09:00。") from exc


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"日期「{text}」应写成 2026-03-31。") from exc


class Command(BaseCommand):
    help = "随机督导：设立、承诺、抽取、复核和导出随机抽取，载入示例检查清单。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        plan = sub.add_parser("plan", help="设立随机抽取（可同时承诺）")
        plan.add_argument("--org", required=True, help="组织抽取的党组织编码")
        plan.add_argument("--title", required=True)
        plan.add_argument("--population", required=True, choices=PopulationKind.values)
        plan.add_argument("--strata", default=StratifyBy.NONE, choices=StratifyBy.values)
        plan.add_argument("--quota", default="1", help="每层抽取数：个数或比例，如 2 或 20%%")
        plan.add_argument("--override", action="append", default=[], help="个别分层：分层名称=抽取数（可重复）")
        plan.add_argument("--exclude-months", type=int, default=3)
        plan.add_argument("--team", type=int, default=2)
        plan.add_argument("--draw-at", required=True, help="公布的抽取时间，如 2026-03-05 09:00")
        plan.add_argument("--visit-until", required=True, help="督导截止日期，如 2026-03-31")
        plan.add_argument("--beacon-required", action="store_true")
        plan.add_argument("--commit", action="store_true", help="设立后立即承诺")
        for name, text in (("commit", "承诺"), ("verify", "复核"), ("export", "导出复核文件")):
            one = sub.add_parser(name, help=text)
            one.add_argument("draw_id", type=int)
            if name == "export":
                one.add_argument("--out", help="文件名（默认输出到屏幕）")
        draw = sub.add_parser("draw", help="到公布的时间后抽取并揭示")
        draw.add_argument("draw_id", type=int)
        draw.add_argument("--beacon", help="第二人提供的公开随机数（抽取前录入）")
        load = sub.add_parser("load-checklists", help="载入示例检查清单")
        load.add_argument("--owner", required=True, help="制定单位的组织编码")
        load.add_argument("--year", type=int, required=True)

    def handle(self, *args, action, **options):
        try:
            getattr(self, "do_" + action.replace("-", "_"))(**options)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc

    def _draw(self, draw_id: int) -> Draw:
        draw = Draw.objects.select_related("org").filter(pk=draw_id).first()
        if draw is None:
            raise CommandError(f"没有编号为 {draw_id} 的抽取。")
        return draw

    def _org(self, code: str) -> Organization:
        org = Organization.objects.filter(code=code).first()
        if org is None:
            raise CommandError(f"没有编码为 {code} 的组织。")
        return org

    def do_plan(self, **o):
        overrides = parse_overrides("\n".join(o["override"]))  # a bad line: ValidationError, said by handle()
        draw = services.setup_draw(
            self._org(o["org"]),
            actor=None,
            title=o["title"],
            population_kind=o["population"],
            stratify_by=o["strata"],
            quota_default=o["quota"],
            quota_overrides=overrides,
            exclude_months=o["exclude_months"],
            team_size=o["team"],
            draw_at=_moment(o["draw_at"]),
            visit_until=_day(o["visit_until"]),
            beacon_required=o["beacon_required"],
        )
        self.stdout.write(f"已设立抽取 {draw.pk}「{draw.title}」：总体 {len(draw.eligible())} 个对象。")
        if o["commit"]:
            self.do_commit(draw_id=draw.pk)

    def do_commit(self, draw_id, **o):
        draw = services.commit_draw(self._draw(draw_id), actor=None)
        self.stdout.write(f"已承诺抽取 {draw.pk}：总体摘要值 {draw.population_digest}，承诺值 {draw.commitment}。")

    def do_draw(self, draw_id, beacon=None, **o):
        draw = self._draw(draw_id)
        if beacon:
            draw = services.enter_beacon(draw, actor=None, value=beacon)
        draw = services.make_draw(draw, actor=None)
        self.stdout.write(
            f"已抽取 {draw.pk}：审计日志链头第 {draw.audit_seq} 条 {draw.audit_head}，随机秘密 {draw.revealed_secret}"
        )
        for target in draw.targets.prefetch_related("team").order_by("position"):
            team = "、".join(i.name for i in target.team.all())
            self.stdout.write(f"{target.position:>3}  {target.label}（{target.stratum}）  督导组：{team}")

    def do_verify(self, draw_id, **o):
        checks = verify_draw(self._draw(draw_id))
        for check in checks:
            self.stdout.write(f"{'通过' if check.ok else '不符'}  {check.label}：{check.detail}")
        if not all(c.ok for c in checks):
            failed = "、".join(c.label for c in checks if not c.ok)
            raise CommandError(f"复核未通过：{failed}不符。", returncode=1)
        self.stdout.write("复核通过。")

    def do_export(self, draw_id, out=None, **o):
        text = json.dumps(export_data(self._draw(draw_id)), ensure_ascii=False, indent=1)
        if out:
            with open(out, "w", encoding="utf-8") as f:
                f.write(text)
            self.stdout.write(f"已导出到 {out}。")
        else:
            self.stdout.write(text)

    def do_load_checklists(self, owner, year, **o):
        loaded = checklists.load_examples(self._org(owner), actor=None, year=year)
        names = "、".join(c.name for c in loaded) or "无（已存在）"
        self.stdout.write(f"已载入 {year} 年度检查清单：{names}。")
