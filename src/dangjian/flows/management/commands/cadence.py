"""`dangjian cadence run [--now ISO] [--job NAME]` (cron calls it hourly) and `dangjian cadence status`, over the jobs
listed in `dangjian.flows.schedule`."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.cadence.jobs import MAX_ATTEMPTS, by_name
from dangjian.cadence.models import JobRun, RunStatus
from dangjian.flows import schedule


def _moment(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"时间“{value}”格式不对，应为 ISO 格式，例如 2026-11-30T08:00。") from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = "定期任务：run 执行到期且未执行的周期（补执行停机期间漏掉的周期，不重复）；status 显示各任务的执行记录。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="operation", required=True, title="操作")
        run = sub.add_parser("run", help="执行到期的定期任务（由 cron 每小时调用）")
        run.add_argument("--now", help="按此时间执行（ISO 格式，默认当前时间；用于补执行或演练）")
        run.add_argument("--job", help="只执行此任务")
        status = sub.add_parser("status", help="各任务最近的执行记录")
        status.add_argument("--limit", type=int, default=5, help="每个任务显示的记录数（默认 5）")

    def handle(self, *args, operation, **options):
        if operation == "run":
            self.run(options.get("now"), options.get("job"))
        else:
            self.status(max(1, options["limit"]))

    def run(self, now: str | None, only: str | None) -> None:
        moment = _moment(now) if now else timezone.now()
        jobs = by_name(schedule.JOBS)
        if only and only not in jobs:
            raise CommandError(f"没有名为“{only}”的任务；可用：{', '.join(sorted(jobs))}。")
        outcomes = schedule.run_due(moment, only=only)
        if not outcomes:
            self.stdout.write("没有到期未执行的任务。")
        for outcome in outcomes:
            counts = "，".join(f"{k} {v}" for k, v in outcome.counts.items()) or "无"
            title = jobs[outcome.job].title
            status = "完成" if outcome.status == RunStatus.OK else "失败"
            self.stdout.write(f"{title}（{outcome.job}）{outcome.period}：{status}；{counts}")
        failed = [o for o in outcomes if o.status != RunStatus.OK]
        if failed:
            raise CommandError(f"{len(failed)} 个周期执行失败，详见 dangjian cadence status。", returncode=1)

    def status(self, limit: int) -> None:
        for name, job in sorted(by_name(schedule.JOBS).items()):
            self.stdout.write(f"{job.title}（{name}，每{_EVERY[job.every]}一次）")
            runs = JobRun.objects.filter(job=name).order_by("-period_start")[:limit]
            if not runs:
                self.stdout.write("  尚未执行")
            for run in runs:
                counts = "，".join(f"{k} {v}" for k, v in run.counts.items()) or "无"
                line = (
                    f"  {run.period}  {run.get_status_display()}  {timezone.localtime(run.started_at):%Y-%m-%d %H:%M}"
                )
                line += f"  {counts}"
                if run.status == RunStatus.FAILED:
                    retry = "将重试" if run.attempts < MAX_ATTEMPTS else "不再重试"
                    line += f"  已执行 {run.attempts} 次，{retry}"
                self.stdout.write(line)
                if run.detail and run.status == RunStatus.FAILED:
                    self.stdout.write("    " + run.detail.strip().splitlines()[-1])


_EVERY = {"day": "天", "week": "周", "month": "月", "quarter": "季度"}
