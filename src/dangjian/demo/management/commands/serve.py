"""`dangjian serve`: run the application with waitress, a production WSGI server; whitenoise serves static.

Behind a reverse proxy (DANGJIAN_TRUSTED_PROXY) the client's address, scheme and host come from the proxy's headers,
decided once in `dangjian.core.proxy`; see docs/security.md "反向代理 / Behind a reverse proxy"."""

from django.core.management.base import BaseCommand, CommandError

from dangjian.sheets.leftovers import clean_leftovers


class Command(BaseCommand):
    help = "用 waitress 提供网页服务（生产用 WSGI 服务器）。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="监听地址，默认 127.0.0.1")
        parser.add_argument("--port", type=int, default=8000, help="端口，默认 8000")
        parser.add_argument("--threads", type=int, default=8, help="工作线程数，默认 8")
        parser.add_argument(
            "--with-scheduler", action="store_true", help="同时每 5 分钟执行到期的定期任务（未配置 cron 时使用）"
        )

    def handle(self, *args, host, port, threads, **options):
        if not 0 < port < 65536:
            raise CommandError(f"端口 {port} 无效。")
        # Imports cut off by the last stop (their jobs, uploads, change sets) are cleaned before serving again.
        cleaned = clean_leftovers()
        if cleaned:
            self.stdout.write(cleaned.summary())
        if options.get("with_scheduler"):
            from dangjian.cadence.scheduler import start

            start()
            self.stdout.write("已启动定期任务调度（每 5 分钟检查一次）。")
        from django.conf import settings
        from waitress import serve

        from dangjian.core.proxy import served_application, waitress_options

        if settings.TRUSTED_PROXIES:
            self.stdout.write(f"信任反向代理 {', '.join(settings.TRUSTED_PROXIES)} 转来的客户端地址与协议。")
        self.stdout.write(f"正在 http://{host}:{port}/ 提供服务（Ctrl+C 停止）。 Serving on http://{host}:{port}/")
        serve(served_application(), **waitress_options(host=host, port=port, threads=threads))
