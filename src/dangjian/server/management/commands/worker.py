"""`dangjian worker`: the background process that runs imports, assessment runs and bulletins (and, with
--with-scheduler, the scheduled jobs).

`dangjian serve` starts one unless given --no-worker; in production run it as its own service (docs/operations.md)."""

import argparse

from django.core.management.base import BaseCommand, CommandError

from dangjian.cadence.scheduler import Scheduler
from dangjian.core import jobs
from dangjian.core.heartbeat import Heartbeat
from dangjian.core.shared_cache import ensure_cache_table
from dangjian.flows import schedule
from dangjian.server.worker import WorkerLoop
from dangjian.sheets.jobs import fail_abandoned


def job_scheduler() -> Scheduler:
    """The scheduler of --with-scheduler, handed the jobs listed in `dangjian.flows.schedule`."""
    return Scheduler(run=schedule.run_due)


class Command(BaseCommand):
    help = "运行后台任务（导入、考核计算、通报生成）；加 --with-scheduler 时同时每 5 分钟执行到期的定期任务。"

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="队列为空时每隔多少秒查看一次，默认 1")
        parser.add_argument(
            "--with-scheduler", action="store_true", help="同时每 5 分钟执行到期的定期任务（未配置 cron 时使用）"
        )
        parser.add_argument("--batch", action="store_true", help="执行完队列中现有的任务后退出")
        # Given by `dangjian serve`, whose worker leaves when it is gone; not for people, so not in the help.
        parser.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, interval, with_scheduler, batch, parent_pid, **options):
        if interval <= 0:
            raise CommandError("--interval 应为正数。")
        ensure_cache_table()
        # A worker killed outright (kill -9, the machine lost) left its import "running": failed now that a worker
        # starts again (systemd restarts it), not only when a web server starts or the daily cleanup runs.
        failed = fail_abandoned()
        if failed:
            self.stdout.write(f"已将 {failed} 个中断的导入任务记为失败。")
        failed = jobs.fail_abandoned()  # the same for the other background jobs (assessment runs, bulletins)
        if failed:
            self.stdout.write(f"已将 {failed} 个中断的后台任务记为失败。")
        scheduler = job_scheduler() if with_scheduler else None
        loop = WorkerLoop(interval=interval, scheduler=scheduler, parent_pid=parent_pid)
        heartbeat = Heartbeat()
        heartbeat.start()
        if not batch:
            loop.tasks.configure_signals()
            self.stdout.write("后台任务进程已启动。 Worker started.")
        try:
            loop.run(once=batch)
        finally:
            heartbeat.stop()
