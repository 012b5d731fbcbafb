"""`dangjian serve`: run the application with waitress, a production WSGI server; whitenoise serves static.

Unless told --no-worker, it also starts the worker process (`dangjian worker`) that runs imports, and stops it on
exit: the embedded default. In production the worker runs as a service of its own and each server with --no-worker;
any number of both may share one database, as their shared state lives there or in Redis (core/shared_cache.py).

Behind a reverse proxy (DANGJIAN_TRUSTED_PROXY) the client's address, scheme and host come from the proxy's headers,
decided once in `dangjian.core.proxy`; see docs/security.md "反向代理 / Behind a reverse proxy"."""

import waitress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dangjian.core import jobs
from dangjian.core.proxy import behind_proxy, waitress_options
from dangjian.core.shared_cache import ensure_cache_table
from dangjian.server.embedded import exit_on_sigterm, start_worker, stop_worker
from dangjian.sheets.leftovers import clean_leftovers


class Command(BaseCommand):
    help = "用 waitress 提供网页服务（生产用 WSGI 服务器），并启动后台任务进程（--no-worker 时不启动）。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="监听地址，默认 127.0.0.1")
        parser.add_argument("--port", type=int, default=8000, help="端口，默认 8000")
        parser.add_argument("--threads", type=int, default=8, help="工作线程数，默认 8")
        parser.add_argument(
            "--no-worker", action="store_true", help="不启动后台任务进程（它作为单独的服务运行时：dangjian worker）"
        )
        parser.add_argument(
            "--with-scheduler",
            action="store_true",
            help="后台任务进程同时每 5 分钟执行到期的定期任务（未配置 cron 时使用）",
        )

    def handle(self, *args, host, port, threads, no_worker, with_scheduler, **options):
        if not 0 < port < 65536:
            raise CommandError(f"端口 {port} 无效。")
        if no_worker and with_scheduler:
            raise CommandError(
                "--with-scheduler 需要内置的后台任务进程：请去掉 --no-worker，或在 dangjian worker 上使用它。"
            )
        ensure_cache_table()
        # Imports cut off by the last stop (their jobs, uploads, change sets) are cleaned before serving again.
        cleaned = clean_leftovers()
        if cleaned:
            self.stdout.write(cleaned.summary())
        failed = jobs.fail_abandoned()  # assessment runs and bulletins whose worker died with the last stop
        if failed:
            self.stdout.write(f"已将 {failed} 个中断的后台任务记为失败。")
        worker = None
        if not no_worker:
            exit_on_sigterm()
            worker = start_worker(with_scheduler=with_scheduler)
            scheduled = "，并每 5 分钟执行到期的定期任务" if with_scheduler else ""
            self.stdout.write(f"已启动后台任务进程（进程号 {worker.pid}）{scheduled}。")
        if settings.TRUSTED_PROXIES:
            self.stdout.write(f"信任反向代理 {', '.join(settings.TRUSTED_PROXIES)} 转来的客户端地址与协议。")
        self.stdout.write(f"正在 http://{host}:{port}/ 提供服务（Ctrl+C 停止）。 Serving on http://{host}:{port}/")
        try:
            waitress.serve(served_application(), **waitress_options(host=host, port=port, threads=threads))
        finally:
            if worker is not None:
                stop_worker(worker)


def served_application():
    """The project's WSGI application as `dangjian serve` runs it, with this installation's proxy setting."""
    from dangjian.wsgi import application  # why: importing the WSGI module builds the application; only to serve

    return behind_proxy(application, settings.TRUSTED_PROXIES)
